// The arithmetic of the live figures (issue 5): which counters an event adds to, and the figures a
// sum of counters gives. No I/O: the Redis store keeps the counters in per-minute and per-day
// buckets and sums them; everything it shows is computed here.
//
// Answer rate (接通率) must stay ≥ 95 % (art. 13 of seeds/002), below 90 % is a failure the
// authority reports (art. 29); a person answers within 15 s (GB/T 33358-2016).

import { CENTRE_FIGURES, type FigureEvent, type QueueFigures } from '../ports/figures.js';

/** The counters kept per queue and bucket; every figure is computed from their sums. */
export const TALLY_FIELDS = [
  'offered',
  'answered',
  /** Answered within the service-level target (15 s). */
  'answeredInTarget',
  /** Sum of the waits of the answered calls. */
  'waitMs',
  /** Abandoned after the short-abandon threshold. */
  'abandoned',
  'shortAbandoned',
  'overflowed',
  'handled',
  /** Sum of talk + wrap-up of the handled calls. */
  'handleMs',
  'busyMs',
  'staffedMs',
] as const;
export type TallyField = (typeof TALLY_FIELDS)[number];
export type Tally = Record<TallyField, number>;

export interface Increment {
  /** A queue id, or CENTRE_FIGURES. */
  scope: string;
  field: TallyField;
  by: number;
}

export interface FigureRules {
  /** Abandoned in less than this: a short abandon (counted apart, out of the answer rate). */
  shortAbandonMs: number;
  /** Answered within this (inclusive): inside the service level (GB/T 33358-2016: 15 s). */
  serviceLevelMs: number;
}

export type FigureWindow = QueueFigures['window'];

export const emptyTally = (): Tally => Object.fromEntries(TALLY_FIELDS.map((f) => [f, 0])) as Tally;

const nonNegative = (ms: number) => Math.max(0, Math.round(ms));

/**
 * The counters an event adds to: its queue's and the centre's. The centre counts an overflowed
 * call once offered (offered − overflowed), as the call is offered again where it went.
 */
export function incrementsOf(event: FigureEvent, rules: FigureRules): Increment[] {
  const out: Increment[] = [];
  const both = (queue: string, field: TallyField, by: number) => {
    out.push({ scope: queue, field, by });
    if (queue !== CENTRE_FIGURES) out.push({ scope: CENTRE_FIGURES, field, by });
  };
  switch (event.type) {
    case 'offered':
      both(event.queue, 'offered', 1);
      break;
    case 'answered': {
      const wait = nonNegative(event.waitMs);
      both(event.queue, 'answered', 1);
      both(event.queue, 'waitMs', wait);
      if (wait <= rules.serviceLevelMs) both(event.queue, 'answeredInTarget', 1);
      break;
    }
    case 'abandoned':
      both(event.queue, nonNegative(event.waitMs) < rules.shortAbandonMs ? 'shortAbandoned' : 'abandoned', 1);
      break;
    case 'overflowed':
      both(event.queue, 'overflowed', 1);
      break;
    case 'handled':
      both(event.queue, 'handled', 1);
      both(event.queue, 'handleMs', nonNegative(event.talkMs) + nonNegative(event.wrapMs));
      break;
    case 'agent-time': {
      // An agent serving several queues counts in each of them, and once for the centre.
      const busy = nonNegative(event.busyMs);
      const staffed = nonNegative(event.staffedMs);
      for (const q of new Set(event.queues)) {
        if (q === CENTRE_FIGURES) continue;
        out.push({ scope: q, field: 'busyMs', by: busy }, { scope: q, field: 'staffedMs', by: staffed });
      }
      out.push({ scope: CENTRE_FIGURES, field: 'busyMs', by: busy }, { scope: CENTRE_FIGURES, field: 'staffedMs', by: staffed });
      break;
    }
  }
  return out.filter((i) => i.by !== 0);
}

/** Adds `from` into `into` (the sum of buckets). */
export function addTally(into: Tally, from: Partial<Tally>): Tally {
  for (const f of TALLY_FIELDS) into[f] += from[f] ?? 0;
  return into;
}

/** The calls the answer rate is judged on: offered, less short abandons and overflow. */
export const judgedCalls = (t: Pick<QueueFigures, 'offered' | 'shortAbandoned' | 'overflowed'>): number =>
  t.offered - t.shortAbandoned - t.overflowed;

const ratio = (part: number, whole: number): number | undefined => (whole > 0 ? Math.min(1, part / whole) : undefined);
const mean = (sumMs: number, count: number): number | undefined => (count > 0 ? sumMs / count / 1000 : undefined);

/**
 * The figures of one queue over one window. Events are counted in the minute they happened, so an
 * answer may fall in the window while its offer fell before it: the rates are capped at 1.
 * Mean wait is that of the answered calls (average speed of answer).
 */
export function figuresOf(queue: string, window: FigureWindow, t: Tally): QueueFigures {
  const judged = judgedCalls(t);
  return {
    queue,
    window,
    offered: t.offered,
    answered: t.answered,
    abandoned: t.abandoned,
    shortAbandoned: t.shortAbandoned,
    overflowed: t.overflowed,
    answerRate: ratio(t.answered, judged),
    serviceLevel: ratio(t.answeredInTarget, judged),
    meanWaitSec: mean(t.waitMs, t.answered),
    meanHandleSec: mean(t.handleMs, t.handled),
    occupancy: ratio(t.busyMs, t.staffedMs),
  };
}

/** Queue order for display: queue ids in order, the centre last. */
export function byQueue(a: QueueFigures, b: QueueFigures): number {
  if (a.queue === b.queue) return a.window === b.window ? 0 : a.window === 'rolling-15m' ? -1 : 1;
  if (a.queue === CENTRE_FIGURES) return 1;
  if (b.queue === CENTRE_FIGURES) return -1;
  return a.queue < b.queue ? -1 : 1;
}

/** Zero rows, both windows, for configured queues with nothing recorded yet. */
export function withQueues(figures: QueueFigures[], queues: readonly string[]): QueueFigures[] {
  const seen = new Set(figures.map((f) => f.queue));
  const out = [...figures];
  for (const q of queues)
    if (!seen.has(q)) for (const w of ['rolling-15m', 'today'] as const) out.push(figuresOf(q, w, emptyTally()));
  return out.sort(byQueue);
}
