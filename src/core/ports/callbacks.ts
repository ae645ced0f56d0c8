// Callbacks (issue 6; art. 13 of seeds/002: calls missed at busy times are called back at idle
// times) as the gateway stores them. The policy is pure (src/core/callbacks); the store keeps the
// records and the indexes the idle-time dialler and the supervisors read, shared by every
// instance (Redis). Replaces the pending "callback request" records of issue 4.

import type { CallPriority } from '../acd/model.js';
import type { CallbackKind, CallbackStatus, PendingCallback } from '../callbacks/callback.js';

/** A callback as stored: the policy's record plus what the gateway needs to place it. */
export interface StoredCallback extends PendingCallback {
  /** ULID. */
  id: string;
  /** Bumped by every save; a save with a stale revision is refused (compare-and-set). */
  revision: number;
  /**
   * Keep-my-place: the place the caller held when they pressed the key — its queue, priority and
   * first arrival time. The callback takes that place in the ACD (the caller keeps their turn).
   */
  place?: { queue: string; priority: CallPriority; enqueuedAtMs: number };
  /** Not dialled before this time (ms): a supervisor's reschedule. Retry backoff is the policy's (nextAttemptAt). */
  notBefore?: number;
  /**
   * When the next attempt may start (ms), as the service last computed it with the policy's
   * `nextAttemptAt` (the backoff after a failed attempt, moved into the calling window). The store
   * cannot run the policy, so the service sets this on every save that changes it; absent: due at
   * once. The store's due time is max(dueAtMs, notBefore): `ready` offers a busy-time callback
   * only once that time has come.
   */
  dueAtMs?: number;
  /**
   * The idle-time dialler granted this busy-time callback a dial in `queue` (an agent of that
   * queue is to be reserved for it). Set by `grant`, cleared by the save that records the attempt's end.
   * While set, the callback counts as in flight and is out of `ready`.
   */
  granted?: { queue: string; atMs: number };
  /**
   * The attempt being placed now (the citizen's leg id is `callId`), by which gateway instance.
   * An attempt with no outcome whose instance stopped was interrupted (it counts as an attempt).
   */
  active?: {
    attempt: number;
    callId: string;
    owner: string;
    startedAtMs: number;
    /** Set when the agent is on the phone and the citizen is being dialled: only from then is an interrupted placement an attempt. */
    dialledAtMs?: number;
    /** Set with dialledAtMs: who was on the phone and on which switch, for the record of an attempt cut off. */
    agentId?: string;
    switchId?: string;
  };
  /** Supervisor actions (cancel, reschedule): who, when, what — also in the audit log. */
  history?: { atMs: number; actor: string; action: string; detail?: string }[];
}

/** The supervisors' list: page size when none is asked for, and the most one page may hold. */
export const CALLBACK_LIST_LIMIT = { default: 50, max: 500 } as const;

export interface CallbackFilter {
  status?: CallbackStatus[];
  kind?: CallbackKind;
  /** Callbacks belonging to this queue. */
  queue?: string;
  /** E.164 number, exact. */
  number?: string;
  /** requestedAt ≥ fromMs and < toMs. */
  fromMs?: number;
  toMs?: number;
  /** Default 50, at most 500. */
  limit?: number;
  /** From a previous page's `next`. */
  cursor?: string;
}

export interface CallbackStore {
  /** Stores a new record; false when the citizen already has a pending callback (one pending per number). */
  create(cb: StoredCallback): Promise<boolean>;
  get(id: string): Promise<StoredCallback | undefined>;
  /** The citizen's pending callback, if any (status pending). */
  pendingFor(citizenKey: string): Promise<StoredCallback | undefined>;
  /**
   * Compare-and-set: saves `cb` (with revision + 1) only if the stored revision is `cb.revision`;
   * returns the saved record, or undefined when someone saved in between (read again and retry).
   * Keeps every index in step with the record (pending per citizen, ready per queue, status, lists).
   */
  save(cb: StoredCallback): Promise<StoredCallback | undefined>;
  /**
   * Busy-time callbacks that may be dialled now, oldest request first: pending, not granted, not
   * active, `notBefore` (if any) ≤ nowMs, and (retries) the policy's next attempt time ≤ nowMs —
   * the store keeps that time as the record's due time. At most `perQueue` per queue, for each of
   * the given queues (a callback in several queues may appear under each). Reads the heads of
   * indexes: cost independent of how many are pending.
   */
  ready(queues: string[], nowMs: number, perQueue: number): Promise<StoredCallback[]>;
  /**
   * Atomically grants a dial in `queue`: only if the callback is still pending, not granted, not
   * active (two instances never dial the same callback) — and, for a busy-time callback, only
   * while fewer than `maxInFlight` are in flight (the decision's ceiling, so two instances deciding
   * at once on the same figures do not both fill it). Returns the saved record or undefined.
   */
  grant(id: string, queue: string, nowMs: number, maxInFlight?: number): Promise<StoredCallback | undefined>;
  /** Busy-time callbacks granted or active now (each holds or is about to hold an agent). */
  inFlight(): Promise<number>;
  /**
   * Supervisors' list, newest request first, with filters and a cursor (stable while records are
   * added). A page may hold fewer than `limit` items while `next` is set (filters skipped many):
   * follow `next` until it is absent. Bad filter values are INVALID_FIELD errors naming the field.
   */
  list(filter: CallbackFilter): Promise<{ items: StoredCallback[]; next?: string }>;
  /** Counts by status (the console's summary and /metrics). */
  counts(): Promise<Record<CallbackStatus, number>>;
}

/**
 * The citizen's leg of a callback attempt (issue 6): the agent is already reserved and on the
 * phone; the citizen is dialled showing 12345, hears the notice (这里是12345热线，回复您之前的来电)
 * when they answer, is recorded, and is bridged with the agent's leg.
 */
export interface CallbackCaller {
  dial(request: CallbackDialRequest): Promise<CallbackDialResult>;
}

export interface CallbackDialRequest {
  callbackId: string;
  attempt: number;
  /** E.164 number to dial. */
  number: string;
  /** The citizen leg's id to use (origination uuid), chosen before dialling so a crash can find it. */
  callId: string;
  /** The agent's answered leg the citizen is bridged with. */
  agentLegId: string;
  /** On this switch (the one the agent's leg is on). */
  switchId: string;
  /** The agent on the line, kept with the attempt's recording. */
  agentId?: string;
}

export interface CallbackDialResult {
  outcome: 'reached' | 'no-answer' | 'busy' | 'invalid-number' | 'refused' | 'failed';
  /** The citizen's leg, when one was created (reached: bridged with the agent). */
  callId?: string;
  recordingId?: string;
  cause?: string;
}

/** What supervisors do with the callback queue (HTTP API and desk ws); every change is audited. */
export interface CallbackAdmin {
  list(filter: CallbackFilter): Promise<{ items: StoredCallback[]; next?: string }>;
  get(id: string): Promise<StoredCallback | undefined>;
  counts(): Promise<Record<CallbackStatus, number>>;
  /** Cancels a pending callback (a keep-my-place one leaves its queue). NOT_FOUND / CONFLICT (not pending) as DomainErrors. */
  cancel(id: string, actor: string, reason: string): Promise<StoredCallback>;
  /** Not dialled before `atMs` (inside the calling window; a time past the deadline is refused naming the field). */
  reschedule(id: string, atMs: number, actor: string): Promise<StoredCallback>;
}
