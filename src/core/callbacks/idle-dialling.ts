// When busy-time callbacks are dialled (art. 13 of seeds/002: "忙时未及时接通的话务…应当在闲时回拨",
// with the answer rate ≥ 95 %): only at idle time, paced so the callbacks never pull the live
// answer rate below the target. Pure; the ACD (issue 5) supplies the figures and does the dialling.
import { insideWindow } from '../schedule/calling-window.js';
import { byArrival, nextAttemptAt, type CallbackPolicy, type PendingCallback } from './callback.js';

export interface IdlePolicy {
  /** A queue is idle with at most this many callers waiting (0: none). */
  maxWaiting: number;
  /** … and at least this many agents free; a dial takes one, so minFreeAgents − 1 stay free for live calls. */
  minFreeAgents: number;
}

export interface PacingPolicy {
  /** 0.95 (art. 13). */
  targetAnswerRate: number;
  /** Below this many live calls offered in the window the rate is not measured (quiet time). */
  minOffered: number;
  /** Callbacks in flight at most this share of the free agents (rounded down). */
  maxInFlightPerFreeAgent: number;
}

export interface QueueNow {
  queue: string;
  /** Live callers waiting now. */
  waiting: number;
  /** Agents free now (available, not reserved) who take this queue. */
  freeAgents: number;
}

export interface LiveAnswerFigures {
  /** Live calls offered over the pacing window, short abandons excluded (QueueFigures, rolling). */
  offered: number;
  answered: number;
}

export interface IdleDecisionInput {
  now: number;
  queues: QueueNow[];
  live: LiveAnswerFigures;
  /** Callbacks dialling or talking now (each holds an agent). */
  inFlight: number;
  /** Pending busy-time callbacks (any order; arrival order is applied here). */
  pending: PendingCallback[];
}

export interface IdleDecision {
  /** To dial now, in arrival order, each with the queue whose agent it takes (reserve that agent first). */
  dial: { callback: PendingCallback; queue: string }[];
  /** Why nothing (more) was dialled: outside-window, answer-rate, in-flight-cap, not-idle, none-due. */
  held?: string;
  /**
   * The most callbacks in flight this decision allows once its dials are granted (inFlight + dials):
   * each grant is refused past it, so decisions made at once elsewhere do not add to it.
   */
  ceiling?: number;
}

/**
 * The pacing rule, in full:
 * 1. Nothing outside the calling window.
 * 2. Rate guard: with at least minOffered live calls in the window, dial only k callbacks such that
 *    answered ÷ (offered + inFlight + k) ≥ target — the live answer rate stays at the target even
 *    if every callback in flight had cost one live call its answer. (Below minOffered it is quiet
 *    time and rules 3–4 protect the live calls.)
 * 3. Cap: inFlight + k ≤ ⌊maxInFlightPerFreeAgent × free agents of the callback queues⌋.
 * 4. Idle: a callback is dialled only while one of its queues has ≤ maxWaiting callers waiting and
 *    ≥ minFreeAgents free agents after the agents this decision already took; it takes one.
 * Callbacks are considered in arrival order; one that cannot go now (its queues busy) does not
 * block a later one whose queues are idle, but a later one never passes an earlier one of the same queue.
 */
export function decideIdleDialling(input: IdleDecisionInput, policy: CallbackPolicy & { idle: IdlePolicy; pacing: PacingPolicy }): IdleDecision {
  const { now } = input;
  if (!insideWindow(policy.window, now)) return { dial: [], held: 'outside-window' };
  const due = input.pending
    .filter((cb) => cb.kind === 'busy-time' && cb.status === 'pending')
    .filter((cb) => {
      const at = nextAttemptAt(cb, policy, now);
      return at !== undefined && at <= now;
    })
    .sort(byArrival);
  if (due.length === 0) return { dial: [], held: 'none-due' };

  const p = policy.pacing;
  let budget = Infinity;
  if (input.live.offered >= p.minOffered) {
    // answered / (offered + inFlight + k) ≥ target  ⇔  k ≤ answered / target − offered − inFlight
    budget = Math.floor(input.live.answered / p.targetAnswerRate - input.live.offered - input.inFlight + 1e-9);
    if (budget <= 0) return { dial: [], held: 'answer-rate' };
  }
  const byQueue = new Map(input.queues.map((q) => [q.queue, { ...q }]));
  const callbackQueues = new Set(due.flatMap((cb) => cb.queues));
  const free = [...callbackQueues].reduce((n, q) => n + (byQueue.get(q)?.freeAgents ?? 0), 0);
  const cap = Math.floor(p.maxInFlightPerFreeAgent * free) - input.inFlight;
  budget = Math.min(budget, cap);
  if (budget <= 0) return { dial: [], held: 'in-flight-cap' };

  const dial: IdleDecision['dial'] = [];
  const passed = new Set<string>(); // queues where an earlier callback had to wait
  for (const cb of due) {
    if (dial.length >= budget) return { dial, held: 'in-flight-cap', ceiling: input.inFlight + dial.length };
    const queue = cb.queues.find((name) => {
      const q = byQueue.get(name);
      return !passed.has(name) && !!q && q.waiting <= policy.idle.maxWaiting && q.freeAgents >= policy.idle.minFreeAgents;
    });
    if (!queue) {
      for (const name of cb.queues) passed.add(name);
      continue;
    }
    byQueue.get(queue)!.freeAgents -= 1;
    dial.push({ callback: cb, queue });
  }
  return dial.length ? { dial, ceiling: input.inFlight + dial.length } : { dial, held: 'not-idle' };
}

/**
 * Keep-my-place callbacks are served in their turn, not at idle time: when the callback's place
 * reaches the head of its queue and the ACD reserves an agent for it, the agent is rung first, then
 * the citizen (the Amazon Connect model). Inside the calling window only; outside it the place is
 * kept and the callback becomes a busy-time one for the next window.
 */
export function keepPlaceTurn(cb: PendingCallback, position: number, agentReserved: boolean, policy: CallbackPolicy, now: number): 'dial' | 'wait' | 'to-busy-time' {
  if (cb.kind !== 'keep-place' || cb.status !== 'pending') return 'wait';
  if (!insideWindow(policy.window, now)) return 'to-busy-time';
  return position === 1 && agentReserved ? 'dial' : 'wait';
}

/** The callbacks section of the configuration (config/default.yaml), as the policy takes it. */
export interface CallbackSettings {
  window: CallbackPolicy['window'];
  retry: CallbackPolicy['retry'];
  deadlineHours: number;
  abandonedAfterSeconds: number;
  idle: IdlePolicy;
  pacing: PacingPolicy & { windowMinutes: number };
}

export function callbackPolicy(s: CallbackSettings): CallbackPolicy & { idle: IdlePolicy; pacing: PacingPolicy; pacingWindowMs: number } {
  return {
    window: s.window,
    retry: s.retry,
    deadlineMs: s.deadlineHours * 3600_000,
    abandonedAfterMs: s.abandonedAfterSeconds * 1000,
    idle: s.idle,
    pacing: s.pacing,
    pacingWindowMs: s.pacing.windowMinutes * 60_000,
  };
}
