import {
  CALL_PRIORITIES,
  type AgentSkills,
  type AgentStatus,
  type CallPriority,
  type NotReadyReason,
  type QueueDef,
  type Reservation,
  type WaitingCall,
} from '../../src/core/acd/model.js';
import type { Acd } from '../../src/core/ports/acd.js';

interface Agent {
  status: AgentStatus;
  skills: AgentSkills;
  /** Idle-since time kept across a reservation that came to nothing. */
  idleSinceMs: number;
}

/**
 * An in-process Acd for the desk's unit tests until the Redis store lands: the same routing policy
 * in plain maps (priority then arrival; best skill level within the tier reach; longest idle).
 * Shared by two desk instances in one test, it plays the role of the one Redis both would use.
 */
export class InMemoryAcd implements Acd {
  private readonly calls = new Map<string, WaitingCall>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly agentsById = new Map<string, Agent>();
  private readonly queues: Map<string, QueueDef>;

  constructor(
    queues: QueueDef[],
    private readonly o: { offerTimeoutMs: number; wrapUpMs: number },
  ) {
    this.queues = new Map(queues.map((q) => [q.id, q]));
  }

  async enqueue(call: WaitingCall): Promise<{ position: number }> {
    const known = this.calls.get(call.callId);
    this.calls.set(call.callId, known ? { ...known, owner: call.owner } : { ...call });
    return { position: this.positionOf(call.callId) };
  }

  async remove(callId: string): Promise<{ releasedAgent?: string }> {
    this.calls.delete(callId);
    const r = this.reservations.get(callId);
    if (!r) return {};
    this.reservations.delete(callId);
    const a = this.agentsById.get(r.agentId);
    if (a && a.status.state === 'reserved') a.status = { agentId: r.agentId, state: 'available', sinceMs: a.idleSinceMs };
    return { releasedAgent: r.agentId };
  }

  async move(callId: string, toQueue: string, priority?: CallPriority): Promise<{ position: number }> {
    const c = this.calls.get(callId);
    if (!c) throw new Error(`no waiting call ${callId}`);
    this.calls.set(callId, { ...c, queue: toQueue, ...(priority ? { priority } : {}) });
    return { position: this.positionOf(callId) };
  }

  async position(callId: string): Promise<{ queue: string; position: number } | undefined> {
    const c = this.calls.get(callId);
    return c ? { queue: c.queue, position: this.positionOf(callId) } : undefined;
  }

  async waiting(queue: string): Promise<WaitingCall[]> {
    return this.ordered(queue);
  }

  async login(agentId: string, skills: AgentSkills, nowMs: number): Promise<AgentStatus> {
    const known = this.agentsById.get(agentId);
    if (known && known.status.state !== 'logged-out') {
      known.skills = skills;
      return known.status;
    }
    const status: AgentStatus = { agentId, state: 'not-ready', reason: 'break', sinceMs: nowMs };
    this.agentsById.set(agentId, { status, skills, idleSinceMs: nowMs });
    return status;
  }

  async logout(agentId: string, nowMs: number): Promise<AgentStatus> {
    const a = this.agentsById.get(agentId);
    const status: AgentStatus = { agentId, state: 'logged-out', sinceMs: nowMs };
    if (a) {
      if (a.status.state === 'reserved' && a.status.callId) this.reservations.delete(a.status.callId);
      a.status = status;
    }
    return status;
  }

  async setState(agentId: string, state: 'available' | 'not-ready' | 'wrap-up', nowMs: number, reason?: NotReadyReason): Promise<AgentStatus> {
    const a = this.agentsById.get(agentId);
    if (!a) return { agentId, state: 'logged-out', sinceMs: nowMs };
    if (['reserved', 'on-call', 'logged-out'].includes(a.status.state)) return a.status;
    if (state === 'available') a.idleSinceMs = nowMs;
    a.status = { agentId, state, sinceMs: nowMs, ...(state === 'not-ready' ? { reason: reason ?? 'break' } : {}) };
    return a.status;
  }

  async status(agentId: string): Promise<AgentStatus> {
    return this.agentsById.get(agentId)?.status ?? { agentId, state: 'logged-out', sinceMs: 0 };
  }

  async agents(): Promise<AgentStatus[]> {
    return [...this.agentsById.values()].map((a) => a.status);
  }

  async dispatch(queues: string[], nowMs: number): Promise<Reservation[]> {
    const made: Reservation[] = [];
    const all = queues.flatMap((q) => this.ordered(q)).sort(compare);
    for (const call of all) {
      const q = this.queues.get(call.queue);
      if (!q) continue;
      const waited = nowMs - call.enqueuedAtMs;
      let reach = 1;
      for (const t of q.tiers) if (waited >= t.afterSec * 1000) reach = Math.max(reach, t.maxLevel);
      let best: Agent | undefined;
      for (const a of this.agentsById.values()) {
        const level = a.skills[q.skill];
        if (a.status.state !== 'available' || level === undefined || level > reach) continue;
        const bl = best ? best.skills[q.skill]! : Infinity;
        if (!best || level < bl || (level === bl && a.status.sinceMs < best.status.sinceMs)) best = a;
      }
      if (!best) continue;
      const r: Reservation = { callId: call.callId, agentId: best.status.agentId, queue: call.queue, owner: call.owner, offerExpiresAtMs: nowMs + this.o.offerTimeoutMs, waitedMs: waited };
      best.idleSinceMs = best.status.sinceMs;
      best.status = { agentId: r.agentId, state: 'reserved', callId: call.callId, sinceMs: nowMs };
      this.calls.delete(call.callId);
      this.reservations.set(call.callId, r);
      made.push(r);
      // Kept aside for release(): the call returns to the head of its queue with its arrival time.
      this.parked.set(call.callId, call);
    }
    return made;
  }

  private readonly parked = new Map<string, WaitingCall>();

  async accept(agentId: string, callId: string, nowMs: number): Promise<boolean> {
    const r = this.reservations.get(callId);
    const a = this.agentsById.get(agentId);
    if (!r || r.agentId !== agentId || !a || r.offerExpiresAtMs < nowMs) return false;
    this.reservations.delete(callId);
    this.parked.delete(callId);
    a.status = { agentId, state: 'on-call', callId, sinceMs: nowMs };
    return true;
  }

  async release(agentId: string, callId: string, nowMs: number, then: { state: 'available' } | { state: 'not-ready'; reason: NotReadyReason }): Promise<void> {
    const r = this.reservations.get(callId);
    if (!r || r.agentId !== agentId) return;
    this.reservations.delete(callId);
    const call = this.parked.get(callId);
    this.parked.delete(callId);
    if (call) this.calls.set(callId, call);
    const a = this.agentsById.get(agentId)!;
    a.status = then.state === 'available' ? { agentId, state: 'available', sinceMs: a.idleSinceMs } : { agentId, state: 'not-ready', reason: then.reason, sinceMs: nowMs };
  }

  async lapsed(nowMs: number): Promise<Reservation[]> {
    return [...this.reservations.values()].filter((r) => r.offerExpiresAtMs <= nowMs);
  }

  async endCall(agentId: string, nowMs: number): Promise<AgentStatus> {
    const a = this.agentsById.get(agentId);
    if (!a) return { agentId, state: 'logged-out', sinceMs: nowMs };
    if (a.status.state !== 'on-call') return a.status;
    if (this.o.wrapUpMs > 0) a.status = { agentId, state: 'wrap-up', sinceMs: nowMs };
    else {
      a.idleSinceMs = nowMs;
      a.status = { agentId, state: 'available', sinceMs: nowMs };
    }
    return a.status;
  }

  private ordered(queue: string): WaitingCall[] {
    return [...this.calls.values()].filter((c) => c.queue === queue).sort(compare);
  }

  private positionOf(callId: string): number {
    const c = this.calls.get(callId);
    return c ? this.ordered(c.queue).findIndex((x) => x.callId === callId) + 1 : 0;
  }
}

function compare(a: WaitingCall, b: WaitingCall): number {
  return CALL_PRIORITIES.indexOf(a.priority) - CALL_PRIORITIES.indexOf(b.priority) || a.enqueuedAtMs - b.enqueuedAtMs;
}
