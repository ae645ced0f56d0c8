import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCallCenterFigures } from '../../src/adapters/redis/redis-call-center-figures.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { CENTRE_FIGURES, type FigureEvent, type QueueFigures } from '../../src/core/ports/figures.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** A store on its own connection and key prefix, with a clock the test moves. */
function stores(count: number, clock: { now: number }) {
  const keys = new RedisKeys(`t${Math.random().toString(36).slice(2, 8)}:`);
  const options = { shortAbandonMs: 5_000, serviceLevelMs: 15_000, dayRetentionDays: 2, now: () => clock.now };
  return { keys, list: Array.from({ length: count }, () => new RedisCallCenterFigures(redis.client(), keys, options)) };
}
const row = (rows: QueueFigures[], queue: string, window: QueueFigures['window']) => rows.find((r) => r.queue === queue && r.window === window);
const at = (iso: string) => Date.parse(iso);

describe('live figures in Redis', () => {
  it('two gateway instances add to the same figures; an event recorded twice counts once', async () => {
    const clock = { now: at('2026-11-22T02:10:30Z') };
    const {
      list: [a, b],
    } = stores(2, clock);
    const events: FigureEvent[] = [];
    for (let i = 0; i < 200; i++) {
      const atMs = clock.now - 60_000 + i * 100;
      events.push({ type: 'offered', queue: 'general', callId: `c${i}`, atMs });
      if (i % 10 === 0) events.push({ type: 'abandoned', queue: 'general', callId: `c${i}`, atMs: atMs + 20_000, waitMs: i % 20 === 0 ? 2_000 : 20_000 });
      else events.push({ type: 'answered', queue: 'general', callId: `c${i}`, atMs: atMs + 9_000, waitMs: i % 3 === 0 ? 30_000 : 9_000 });
    }
    // Half through each instance, at once; then every event again through the other (a retry).
    await Promise.all(events.map((e, i) => (i % 2 ? a! : b!).record(e)));
    await Promise.all(events.map((e, i) => (i % 2 ? b! : a!).record(e)));
    for (const store of [a!, b!]) {
      const rows = await store.snapshot(clock.now);
      const rolling = row(rows, 'general', 'rolling-15m')!;
      expect(rolling).toMatchObject({ offered: 200, answered: 180, abandoned: 10, shortAbandoned: 10, overflowed: 0 });
      expect(rolling.answerRate).toBeCloseTo(180 / 190, 10);
      // 60 of the answered waited 30 s (i % 3 === 0, not a multiple of 10): outside the 15 s.
      expect(rolling.serviceLevel).toBeCloseTo(120 / 190, 10);
      expect(row(rows, 'general', 'today')).toEqual({ ...rolling, window: 'today' });
      expect(row(rows, CENTRE_FIGURES, 'today')).toMatchObject({ offered: 200, answered: 180 });
    }
  });

  it('a call leaves the rolling 15 minutes at the 15th minute boundary and stays in today', async () => {
    const clock = { now: at('2026-11-22T06:00:30Z') };
    const {
      list: [store],
    } = stores(1, clock);
    await store!.record({ type: 'offered', queue: 'general', callId: 'x', atMs: clock.now });
    await store!.record({ type: 'answered', queue: 'general', callId: 'x', atMs: clock.now + 4_000, waitMs: 4_000 });
    clock.now = at('2026-11-22T06:14:59.999Z');
    expect(row(await store!.snapshot(clock.now), 'general', 'rolling-15m')).toMatchObject({ offered: 1, answered: 1, answerRate: 1 });
    clock.now = at('2026-11-22T06:15:00Z');
    const rows = await store!.snapshot(clock.now);
    expect(row(rows, 'general', 'rolling-15m')).toMatchObject({ offered: 0, answered: 0, answerRate: undefined, meanWaitSec: undefined });
    expect(row(rows, 'general', 'today')).toMatchObject({ offered: 1, answered: 1, meanWaitSec: 4 });
  });

  it('today starts at midnight Beijing time; the rolling window reaches across it', async () => {
    const clock = { now: at('2026-11-22T15:59:50Z') }; // 23:59:50 in Beijing
    const {
      list: [store],
    } = stores(1, clock);
    await store!.record({ type: 'offered', queue: 'general', callId: 'late', atMs: clock.now });
    await store!.record({ type: 'abandoned', queue: 'general', callId: 'late', atMs: clock.now + 9_000, waitMs: 9_000 });
    clock.now = at('2026-11-22T16:00:20Z'); // 00:00:20 the next day
    await store!.record({ type: 'offered', queue: 'general', callId: 'early', atMs: clock.now });
    const rows = await store!.snapshot(clock.now);
    expect(row(rows, 'general', 'today')).toMatchObject({ offered: 1, abandoned: 0 });
    expect(row(rows, 'general', 'rolling-15m')).toMatchObject({ offered: 2, abandoned: 1 });
    // The day before is still there, read at a time of that day.
    expect(row(await store!.snapshot(at('2026-11-22T15:59:59Z')), 'general', 'today')).toMatchObject({ offered: 1, abandoned: 1 });
  });

  it('buckets expire by themselves; an event too old for the rolling window still counts for its day', async () => {
    const clock = { now: at('2026-11-22T03:00:00Z') };
    const {
      keys,
      list: [store],
    } = stores(1, clock);
    const c = redis.client();
    await store!.record({ type: 'offered', queue: 'general', callId: 'a', atMs: clock.now });
    const minuteKey = keys.figuresMinute(Math.floor(clock.now / 60_000));
    const dayKey = keys.figuresDay('2026-11-22');
    expect(await c.pttl(minuteKey)).toBeGreaterThan(15 * 60_000);
    expect(await c.pttl(minuteKey)).toBeLessThanOrEqual(17 * 60_000);
    // Until the day ends (16:00Z) and two days of keeping after it.
    const dayTtl = await c.pttl(dayKey);
    expect(dayTtl).toBeGreaterThan(13 * 3_600_000 + 2 * 86_400_000 - 5_000);
    expect(dayTtl).toBeLessThanOrEqual(13 * 3_600_000 + 2 * 86_400_000);
    // Reported an hour late (an instance catching up): today, not the minute long gone.
    await store!.record({ type: 'offered', queue: 'general', callId: 'b', atMs: clock.now - 3_600_000 });
    expect(await c.exists(keys.figuresMinute(Math.floor((clock.now - 3_600_000) / 60_000)))).toBe(0);
    expect(row(await store!.snapshot(clock.now), 'general', 'today')!.offered).toBe(2);
  });

  it('occupancy and handle time from agent time and handled calls, the same through either instance', async () => {
    const clock = { now: at('2026-11-22T04:00:00Z') };
    const {
      list: [a, b],
    } = stores(2, clock);
    await a!.record({ type: 'agent-time', agentId: 'A', queues: ['general'], atMs: clock.now, busyMs: 40_000, staffedMs: 60_000 });
    await b!.record({ type: 'agent-time', agentId: 'B', queues: ['general'], atMs: clock.now, busyMs: 20_000, staffedMs: 60_000 });
    await b!.record({ type: 'handled', queue: 'general', callId: 'h', agentId: 'B', atMs: clock.now, talkMs: 95_000, wrapMs: 25_000 });
    const g = row(await a!.snapshot(clock.now), 'general', 'rolling-15m')!;
    expect(g.occupancy).toBe(0.5);
    expect(g.meanHandleSec).toBe(120);
  });
});
