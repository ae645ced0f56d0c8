// What the agent desk keeps of calls and agents beyond the ACD's queue places and states (issue 5),
// shared by every gateway instance: which instance owns a call (commands are routed there), who
// talked on it and when (the wrap-up form, handle time), the agents' phones, and the agent-time
// accounting behind occupancy. Lives in Redis so it survives the instance that wrote it.

import type { AgentState, CallPriority } from '../acd/model.js';
import type { AgentProfile } from './desk.js';
import type { CallEntry } from './switch.js';

/** released: the agent's part is over (transferred away, left a conference) while the caller's call goes on. */
export type DeskCallState = 'waiting' | 'connecting' | 'connected' | 'held' | 'released' | 'ended';

export interface DeskCall {
  callId: string;
  /** The instance that owns the call and carries out commands on it. */
  owner: string;
  caller: string;
  entry: CallEntry;
  state: DeskCallState;
  queue?: string;
  priority?: CallPriority;
  /** When the call first entered a queue (ms). */
  enqueuedAtMs?: number;
  agentId?: string;
  /** The agent's phone leg bridged with the caller. */
  agentLegId?: string;
  answeredAtMs?: number;
  endedAtMs?: number;
}

export interface DeskStore {
  /** Writes these fields of the call's record (creating it). */
  saveCall(callId: string, fields: Partial<DeskCall>): Promise<void>;
  call(callId: string): Promise<DeskCall | undefined>;
  /** True only the first time a mark is set on a call (figures are counted once, whoever tries). */
  markOnce(callId: string, mark: string, value?: string): Promise<boolean>;
  mark(callId: string, mark: string): Promise<string | undefined>;

  saveProfile(profile: AgentProfile): Promise<void>;
  profile(agentId: string): Promise<AgentProfile | undefined>;
  /** The call an agent last talked on (its wrap-up). */
  setLastCall(agentId: string, callId: string): Promise<void>;
  lastCall(agentId: string): Promise<string | undefined>;
  /**
   * Agent-time accounting: records that the agent is in `state` from `atMs` and returns the state
   * and time it replaces (atomically, so two instances never count the same span twice).
   */
  account(agentId: string, state: AgentState, atMs: number): Promise<{ state: AgentState; atMs: number } | undefined>;
}
