// The ACD store (issue 5): queue places and agent states shared by every gateway instance. The
// Redis implementation makes every state change and every reservation one Lua script, so two
// instances on one Redis never give one agent two calls or one call two agents.

import type {
  AgentSkills,
  AgentStatus,
  CallPriority,
  CallStanding,
  NotReadyReason,
  Reservation,
  ReserveFor,
  WaitingCall,
} from '../acd/model.js';
import type { QueueNow } from '../callbacks/idle-dialling.js';

export interface ConsultHold {
  agentId: string;
  callId: string;
  /** The instance that owns the call ('' when the call's entry is gone). */
  owner: string;
  sinceMs: number;
}

export interface Acd {
  // --- calls ---
  /** Takes (or keeps) a place; returns the 1-based position in the queue's order. */
  enqueue(call: WaitingCall): Promise<{ position: number }>;
  /**
   * The call left (caller hung up, transferred away, emergency, bridged to its agent): its place is
   * freed, and an agent reserved for it is released at once (back to available, keeping their
   * idle-since time). An answered call's agent is not touched (endCall ends their call). Call
   * `accept` before bridging: removing a call still on offer releases its agent.
   */
  remove(callId: string): Promise<{ releasedAgent?: string }>;
  /**
   * Moves a call to another queue keeping its arrival time (overflow, transfer to a queue); a call
   * on offer keeps the offer and returns to the new queue if it is released. Position 0 when the
   * call is not waiting (on offer, answered, or gone — an overflow may race an answer).
   */
  move(callId: string, toQueue: string, priority?: CallPriority): Promise<{ position: number }>;
  position(callId: string): Promise<{ queue: string; position: number } | undefined>;
  /** Calls in queue order. */
  waiting(queue: string): Promise<WaitingCall[]>;
  /** Position, time in queue and estimated wait of a queued call; undefined when it holds no place. */
  standing(callId: string): Promise<CallStanding | undefined>;
  /**
   * How busy these queues are now, for idle-time callbacks (issue 6): live calls waiting (every
   * priority band above `callback`, so callbacks being placed do not count) and agents available
   * with the queue's skill. One round trip, whatever the number of calls and agents.
   */
  load(queues: string[]): Promise<QueueNow[]>;

  // --- agents ---
  /**
   * Logs in (or again, with new skills, keeping a ringing offer or a call); a newly logged-in agent
   * is available, idle from nowMs. Logging out while an offer rings puts the call back at the head.
   */
  login(agentId: string, skills: AgentSkills, nowMs: number): Promise<AgentStatus>;
  logout(agentId: string, nowMs: number): Promise<AgentStatus>;
  /** Agent-chosen states only; fails (returns the unchanged status) while reserved or on a call. */
  setState(agentId: string, state: 'available' | 'not-ready' | 'wrap-up', nowMs: number, reason?: NotReadyReason): Promise<AgentStatus>;
  status(agentId: string): Promise<AgentStatus>;
  agents(): Promise<AgentStatus[]>;

  // --- matching ---
  /**
   * Matches waiting calls of these queues with available agents, atomically, following the
   * routing policy (priority, then arrival; best skill level within the call's tier reach;
   * longest idle agent at that level). Returns the reservations made (possibly none).
   */
  dispatch(queues: string[], nowMs: number): Promise<Reservation[]>;
  // Agents in wrap-up whose time is over become available (idle from its end) at the start of a dispatch.
  /** reserved → on-call. False when the offer lapsed or the call is gone (the agent is told). */
  accept(agentId: string, callId: string, nowMs: number): Promise<boolean>;
  /**
   * The offer was declined or lapsed: the call returns to the head of its queue, the agent goes to
   * `then` (not ready with reason missed-offer, by default). Also ends a consult hold (the call
   * untouched); back to available, the agent keeps their place in the idle line.
   */
  release(agentId: string, callId: string, nowMs: number, then: { state: 'available' } | { state: 'not-ready'; reason: NotReadyReason }): Promise<void>;
  /**
   * Reserves one named agent outside a dispatch, atomically: undefined unless the agent is
   * available (a dispatch at the same moment either got them first or no longer sees them). An
   * offer (ReserveFor) also needs the call waiting, or being the call `from` talks on (that agent's
   * call ends in the same step: wrap-up, as endCall); it returns the reservation as a dispatch
   * would. A consult hold returns offerExpiresAtMs 0 (no expiry) and leaves the call untouched.
   */
  reserve(agentId: string, nowMs: number, what: ReserveFor): Promise<Reservation | undefined>;
  /**
   * A consult hold becomes the call: the held agent is on the call (talk counted from nowMs) and
   * `from`, if still on it, goes to wrap-up in the same step. False (nothing changed) when the
   * agent is no longer held for this call (logged out meanwhile).
   */
  join(agentId: string, callId: string, nowMs: number, from?: string): Promise<boolean>;
  /** Reservations past their expiry (any instance sweeps them: the owner may have died). */
  lapsed(nowMs: number): Promise<Reservation[]>;
  /**
   * Agents held for a consult (reserve kind consult, which has no expiry) with the owner of the
   * call they are held for: any instance releases the holds of an owner that is gone.
   */
  consultHolds(): Promise<ConsultHold[]>;
  /**
   * The call ended or left the agent: on-call → wrap-up (or available when wrap-up is 0). Does
   * nothing (returns the status) unless the agent is on a call, e.g. one a transfer already ended.
   */
  endCall(agentId: string, nowMs: number): Promise<AgentStatus>;
}
