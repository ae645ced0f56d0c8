// Busy-time callbacks (忙时回拨, art. 13 of seeds/002; 国办函〔2025〕66号 for missed calls) and
// keep-my-place callbacks, as policy with no I/O: who gets one, one pending per number, attempts
// with backoff inside the calling window, the deadline, the outcomes. Issue 6. The dialling itself
// needs the ACD (issue 5): reserve the agent first, then dial the citizen (README "Callbacks").
import { nextOpening, type CallingWindow } from '../schedule/calling-window.js';
import { retryDelayMs, type RetryPolicy } from '../schedule/retry-policy.js';

/** keep-place: the caller's place in the queue is kept (virtual hold); busy-time: dialled at idle time. */
export type CallbackKind = 'keep-place' | 'busy-time';
/** How the callback came about: the IVR key, abandoning after a long wait, refused at overload (SIP front), a fault. */
export type CallbackOrigin = 'requested' | 'abandoned' | 'overload' | 'fault';
/**
 * The citizen's answer to an attempt; `failed`: a fault of ours or the carrier's (retried like no
 * answer); `interrupted`: the gateway placing it stopped mid-call (it counts as an attempt and is
 * retried after the backoff, never redialled at once).
 */
export type CallbackOutcome = 'reached' | 'no-answer' | 'busy' | 'invalid-number' | 'refused' | 'failed' | 'interrupted';
export type CallbackStatus = 'pending' | 'reached' | 'failed' | 'cancelled' | 'overdue';
/** Every kind and status, for validating what supervisors ask for (HTTP, ws) and for counts. */
export const CALLBACK_KINDS = ['keep-place', 'busy-time'] as const satisfies readonly CallbackKind[];
export const CALLBACK_STATUSES = ['pending', 'reached', 'failed', 'cancelled', 'overdue'] as const satisfies readonly CallbackStatus[];

export interface CallbackAttempt {
  number: number;
  at: number;
  outcome: CallbackOutcome;
  /** The attempt's call and recording (every attempt is kept with its recording). */
  callId?: string;
  recordingId?: string;
}

export interface PendingCallback {
  citizenKey: string;
  /** E.164. */
  number: string;
  kind: CallbackKind;
  origins: CallbackOrigin[];
  /** The queues it belongs to (idle time is judged on them), first the one it came from. */
  queues: string[];
  /** The calls that asked for it (repeats merge here). */
  callIds: string[];
  /** The first request: arrival order. */
  requestedAt: number;
  /** After it the callback is reported overdue. */
  deadline: number;
  attempts: CallbackAttempt[];
  status: CallbackStatus;
  /** Why it ended when not reached: attempts-used, invalid-number, refused, citizen-got-through, deadline … */
  endReason?: string;
}

export interface CallbackPolicy {
  window: CallingWindow;
  retry: RetryPolicy;
  deadlineMs: number;
  /** A caller who abandons after waiting longer than this gets a busy-time callback. */
  abandonedAfterMs: number;
}

export interface CallbackAsk {
  citizenKey: string;
  /** E.164, or undefined when the caller withheld their number. */
  number?: string;
  kind: CallbackKind;
  origin: CallbackOrigin;
  queue: string;
  callId: string;
  at: number;
  /** How long the caller waited (abandoned calls). */
  waitedMs?: number;
  /** The call was an emergency (110/119/120/122 matter or key): it never waits for a callback. */
  emergency: boolean;
  /** Restricted under the abuse limits (art. 34): not called back. */
  restricted: boolean;
}

export type CallbackAdmission =
  | { action: 'create'; callback: PendingCallback }
  | { action: 'merge'; callback: PendingCallback }
  | { action: 'refuse'; reason: 'emergency' | 'restricted' | 'short-wait' | 'no-number' };

/**
 * Whether this ask makes (or joins) a pending callback. One pending callback per number: a
 * repeat merges into it (its arrival time stays the first one's; a keep-place ask makes it
 * keep-place). An emergency never waits for a callback (it goes to the emergency line now); a
 * restricted caller is not called back; a short abandon (under abandonedAfterMs) is not a missed call.
 */
export function admitCallback(ask: CallbackAsk, existing: PendingCallback | undefined, policy: CallbackPolicy): CallbackAdmission {
  if (ask.emergency) return { action: 'refuse', reason: 'emergency' };
  if (ask.restricted) return { action: 'refuse', reason: 'restricted' };
  if (!ask.number) return { action: 'refuse', reason: 'no-number' };
  if (ask.origin === 'abandoned' && (ask.waitedMs ?? 0) <= policy.abandonedAfterMs) return { action: 'refuse', reason: 'short-wait' };
  if (existing && existing.status === 'pending') {
    return {
      action: 'merge',
      callback: {
        ...existing,
        kind: existing.kind === 'keep-place' || ask.kind === 'keep-place' ? 'keep-place' : 'busy-time',
        origins: existing.origins.includes(ask.origin) ? existing.origins : [...existing.origins, ask.origin],
        queues: existing.queues.includes(ask.queue) ? existing.queues : [...existing.queues, ask.queue],
        callIds: existing.callIds.includes(ask.callId) ? existing.callIds : [...existing.callIds, ask.callId],
      },
    };
  }
  return {
    action: 'create',
    callback: {
      citizenKey: ask.citizenKey,
      number: ask.number,
      kind: ask.kind,
      origins: [ask.origin],
      queues: [ask.queue],
      callIds: [ask.callId],
      requestedAt: ask.at,
      deadline: ask.at + policy.deadlineMs,
      attempts: [],
      status: 'pending',
    },
  };
}

/**
 * Hang-up causes that mean the call was dropped by a fault — the switch's, the network's or ours —
 * not ended by the citizen: such a call gets a busy-time callback (issue 6: "calls dropped by a
 * fault"). Q.850 causes as FreeSWITCH names them, and GONE_WHILE_DISCONNECTED, the FreeSWITCH
 * adapter's own cause for a call that ended while its Event Socket was down.
 */
export const FAULT_HANGUP_CAUSES: ReadonlySet<string> = new Set([
  'GONE_WHILE_DISCONNECTED',
  'MEDIA_TIMEOUT',
  'NORMAL_TEMPORARY_FAILURE',
  'RECOVERY_ON_TIMER_EXPIRE',
  'DESTINATION_OUT_OF_ORDER',
  'NETWORK_OUT_OF_ORDER',
  'SWITCH_CONGESTION',
  'SYSTEM_SHUTDOWN',
  'CRASH',
]);

/** The citizen got through on their own (an agent answered their call): the callback is cancelled. */
export function citizenGotThrough(cb: PendingCallback): PendingCallback {
  return cb.status === 'pending' ? { ...cb, status: 'cancelled', endReason: 'citizen-got-through' } : cb;
}

/** After an attempt: reached ends it; an invalid number or a refusal ends it; no answer/busy retry until the attempts are used. */
export function recordAttempt(cb: PendingCallback, attempt: Omit<CallbackAttempt, 'number'>, policy: CallbackPolicy): PendingCallback {
  const attempts = [...cb.attempts, { ...attempt, number: cb.attempts.length + 1 }];
  const next = { ...cb, attempts };
  switch (attempt.outcome) {
    case 'reached':
      return { ...next, status: 'reached' };
    case 'invalid-number':
    case 'refused':
      return { ...next, status: 'failed', endReason: attempt.outcome };
    default:
      return attempts.length >= policy.retry.maxAttempts ? { ...next, status: 'failed', endReason: 'attempts-used' } : next;
  }
}

/**
 * The earliest time the next attempt may start: at once for the first (idle time decides the
 * rest), after the backoff for the others, always inside the calling window; undefined when that
 * falls at or after the deadline (then it is overdue) or the callback is not pending.
 */
export function nextAttemptAt(cb: PendingCallback, policy: CallbackPolicy, now: number): number | undefined {
  if (cb.status !== 'pending') return undefined;
  const last = cb.attempts.at(-1);
  const earliest = last ? last.at + retryDelayMs(policy.retry, cb.attempts.length) : cb.requestedAt;
  const at = nextOpening(policy.window, Math.max(now, earliest));
  return at < cb.deadline ? at : undefined;
}

/** A pending callback that can no longer be attempted before its deadline is reported overdue. */
export function overdue(cb: PendingCallback, policy: CallbackPolicy, now: number): PendingCallback {
  if (cb.status !== 'pending') return cb;
  if (now >= cb.deadline || nextAttemptAt(cb, policy, now) === undefined) return { ...cb, status: 'overdue', endReason: 'deadline' };
  return cb;
}

/** Arrival order: the first request's time, then the citizen key (a stable order for equal times). */
export function byArrival(a: PendingCallback, b: PendingCallback): number {
  return a.requestedAt - b.requestedAt || (a.citizenKey < b.citizenKey ? -1 : a.citizenKey > b.citizenKey ? 1 : 0);
}
