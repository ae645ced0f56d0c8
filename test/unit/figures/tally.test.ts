import { describe, expect, it } from 'vitest';
import { CENTRE_FIGURES, type FigureEvent } from '../../../src/core/ports/figures.js';
import { addTally, emptyTally, figuresOf, incrementsOf, withQueues, type Tally } from '../../../src/core/figures/tally.js';

const rules = { shortAbandonMs: 5_000, serviceLevelMs: 15_000 };

/** Sums events the way the store does: every increment into its scope's tally. */
function tallies(events: FigureEvent[]): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const e of events)
    for (const i of incrementsOf(e, rules)) {
      const t = out.get(i.scope) ?? emptyTally();
      t[i.field] += i.by;
      out.set(i.scope, t);
    }
  return out;
}
const figures = (events: FigureEvent[], queue = 'general') => figuresOf(queue, 'rolling-15m', tallies(events).get(queue) ?? emptyTally());

let seq = 0;
const offered = (queue = 'general'): FigureEvent => ({ type: 'offered', queue, callId: `c${++seq}`, atMs: 0 });
const answered = (waitMs: number, queue = 'general'): FigureEvent => ({ type: 'answered', queue, callId: `c${++seq}`, atMs: 0, waitMs });
const abandoned = (waitMs: number, queue = 'general'): FigureEvent => ({ type: 'abandoned', queue, callId: `c${++seq}`, atMs: 0, waitMs });
const times = (n: number, make: () => FigureEvent) => Array.from({ length: n }, make);

describe('live figures arithmetic', () => {
  it('a worked quarter hour: short abandons are counted apart and left out of the answer rate', () => {
    // 100 calls: 90 answered (78 within 8 s, 12 after 40 s), 6 gave up after 30 s, 4 hung up within 2 s.
    const f = figures([
      ...times(100, () => offered()),
      ...times(78, () => answered(8_000)),
      ...times(12, () => answered(40_000)),
      ...times(6, () => abandoned(30_000)),
      ...times(4, () => abandoned(2_000)),
    ]);
    expect(f).toMatchObject({ offered: 100, answered: 90, abandoned: 6, shortAbandoned: 4, overflowed: 0 });
    expect(f.answerRate).toBeCloseTo(90 / 96, 10); // 93.75 %, not 90 %
    expect(f.serviceLevel).toBeCloseTo(78 / 96, 10);
    expect(f.meanWaitSec).toBeCloseTo((78 * 8 + 12 * 40) / 90, 10);
  });

  it('answered at exactly 15 s is within the service level; 15.001 s is not (GB/T 33358-2016)', () => {
    const f = figures([...times(2, () => offered()), answered(15_000), answered(15_001)]);
    expect(f.serviceLevel).toBe(0.5);
    expect(f.answerRate).toBe(1);
  });

  it('an abandon at exactly the short-abandon threshold counts as a real abandon', () => {
    const f = figures([...times(2, () => offered()), abandoned(4_999), abandoned(5_000)]);
    expect(f).toMatchObject({ abandoned: 1, shortAbandoned: 1 });
    expect(f.answerRate).toBe(0);
  });

  it('an empty window has counts of zero and no rates, waits or occupancy', () => {
    expect(figures([])).toEqual({
      queue: 'general', window: 'rolling-15m', offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, overflowed: 0,
    });
    // Only short abandons: nothing to judge the answer rate on.
    expect(figures([offered(), abandoned(1_000)]).answerRate).toBeUndefined();
  });

  it('answers of calls offered before the window cannot push the rate over 100 %', () => {
    expect(figures([offered(), answered(3_000), answered(3_000)]).answerRate).toBe(1);
  });

  it('an overflowed call counts where it went: out of the first queue’s rate, once for the centre', () => {
    const t = tallies([
      offered('enterprise'), offered('enterprise'), answered(10_000, 'enterprise'),
      { type: 'overflowed', queue: 'enterprise', to: 'general', callId: 'x', atMs: 0 },
      offered('general'), answered(50_000, 'general'),
    ]);
    expect(figuresOf('enterprise', 'today', t.get('enterprise')!)).toMatchObject({ offered: 2, overflowed: 1, answerRate: 1 });
    const centre = figuresOf(CENTRE_FIGURES, 'today', t.get(CENTRE_FIGURES)!);
    expect(centre).toMatchObject({ offered: 3, overflowed: 1, answered: 2, answerRate: 1, serviceLevel: 0.5 });
  });

  it('handle time is talk plus wrap-up per handled call; occupancy is busy over staffed time', () => {
    const f = figures([
      { type: 'handled', queue: 'general', callId: 'a', agentId: 'A', atMs: 0, talkMs: 180_000, wrapMs: 60_000 },
      { type: 'handled', queue: 'general', callId: 'b', agentId: 'B', atMs: 0, talkMs: 100_000, wrapMs: 20_000 },
      { type: 'agent-time', agentId: 'A', queues: ['general', 'enterprise'], atMs: 0, busyMs: 45_000, staffedMs: 60_000 },
      { type: 'agent-time', agentId: 'B', queues: ['general'], atMs: 0, busyMs: 15_000, staffedMs: 60_000 },
    ]);
    expect(f.meanHandleSec).toBe(180);
    expect(f.occupancy).toBe(0.5);
    // An agent in two queues counts in each, and once for the centre.
    const t = tallies([{ type: 'agent-time', agentId: 'A', queues: ['general', 'enterprise'], atMs: 0, busyMs: 30_000, staffedMs: 60_000 }]);
    expect(t.get('enterprise')!.staffedMs).toBe(60_000);
    expect(t.get(CENTRE_FIGURES)!.staffedMs).toBe(60_000);
  });

  it('sums buckets field by field', () => {
    const a = { ...emptyTally(), offered: 3, answered: 2 };
    expect(addTally(a, { offered: 4, waitMs: 10 })).toMatchObject({ offered: 7, answered: 2, waitMs: 10 });
  });

  it('lists configured queues with nothing recorded as zero rows, the centre last', () => {
    const rows = withQueues([figuresOf(CENTRE_FIGURES, 'today', emptyTally()), figuresOf('b', 'today', emptyTally())], ['a', 'b']);
    expect(rows.map((r) => `${r.queue}/${r.window}`)).toEqual(['a/rolling-15m', 'a/today', 'b/today', '*/today']);
  });
});
