import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisCallCenterFigures } from '../../src/adapters/redis/redis-call-center-figures.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { AnswerRateAlarms } from '../../src/core/figures/alarms.js';
import type { FiguresUpdate } from '../../src/core/ports/figures.js';
import { FiguresFeedService } from '../../src/services/figures-feed.js';
import { memoryLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const alarmRules = { window: 'rolling-15m' as const, warningBelow: 0.95, criticalBelow: 0.9, minCalls: 20, clearMargin: 0.005 };
const names: Record<string, string> = { general: '综合队列', enterprise: '营商环境专席' };

function feed(client: Redis, clock: { now: number }) {
  const keys = new RedisKeys(`t${Math.random().toString(36).slice(2, 8)}:`);
  const store = new RedisCallCenterFigures(client, keys, { shortAbandonMs: 5_000, serviceLevelMs: 15_000, dayRetentionDays: 1, now: () => clock.now });
  const { log, lines } = memoryLogger('info');
  const service = new FiguresFeedService({
    figures: store,
    alarms: new AnswerRateAlarms(alarmRules, (q) => names[q] ?? q),
    intervalMs: 60_000,
    queues: () => ['enterprise', 'general'],
    log,
    now: () => clock.now,
  });
  const updates: FiguresUpdate[] = [];
  service.subscribe((u) => updates.push(u));
  return { store, service, updates, lines };
}

/** `n` calls offered now, `answered` of them answered after 6 s, the rest abandoned after 40 s. */
async function calls(store: RedisCallCenterFigures, clock: { now: number }, n: number, answered: number, tag: string) {
  for (let i = 0; i < n; i++) {
    const callId = `${tag}-${i}`;
    await store.record({ type: 'offered', queue: 'general', callId, atMs: clock.now });
    if (i < answered) await store.record({ type: 'answered', queue: 'general', callId, atMs: clock.now, waitMs: 6_000 });
    else await store.record({ type: 'abandoned', queue: 'general', callId, atMs: clock.now, waitMs: 40_000 });
  }
}

describe('figures feed for supervisors', () => {
  it('pushes every queue’s figures, raises an alarm once on crossing and clears it on recovery', async () => {
    const clock = { now: Date.parse('2026-11-22T01:00:00Z') };
    const { store, service, updates, lines } = feed(redis.client(), clock);

    await calls(store, clock, 20, 20, 'a');
    await service.tick();
    const first = updates.at(-1)!;
    expect(first.figures.map((f) => `${f.queue}/${f.window}`)).toEqual([
      'enterprise/rolling-15m', 'enterprise/today', 'general/rolling-15m', 'general/today', '*/rolling-15m', '*/today',
    ]);
    expect(first.figures.find((f) => f.queue === 'general')).toMatchObject({ offered: 20, answered: 20, answerRate: 1, serviceLevel: 1, meanWaitSec: 6 });
    expect(first.alarms).toEqual([]);

    // 20 more, 3 abandoned: 37 / 40 = 92.5 % for the queue and for the centre.
    clock.now += 60_000;
    await calls(store, clock, 20, 17, 'b');
    await service.tick();
    await service.tick();
    const raised = updates.flatMap((u) => u.alarms);
    expect(raised.map((a) => `${a.queue}:${a.level}`)).toEqual(['general:warning', '*:warning']);
    expect(raised[0]!.message).toContain('综合队列近15分钟接通率92.5%');
    expect(updates.at(-1)!.active).toHaveLength(2);
    expect(service.latest()).toBe(updates.at(-1));
    expect(lines().filter((l) => l.includes('接通率预警'))).toHaveLength(2);

    // Quarter of an hour later the bad minute has left the window: 40 answered of 40.
    clock.now += 15 * 60_000;
    await calls(store, clock, 40, 40, 'c');
    await service.tick();
    const last = updates.at(-1)!;
    expect(last.cleared.map((c) => c.queue)).toEqual(['general', '*']);
    expect(last.cleared[0]!.message).toContain('告警解除');
    expect(last.active).toEqual([]);
    expect(last.figures.find((f) => f.queue === 'general' && f.window === 'today')).toMatchObject({ offered: 80, answered: 77 });
  });

  it('a Redis outage skips a round (logged once) and keeps the last figures; the timer keeps going', async () => {
    const clock = { now: Date.parse('2026-11-22T02:00:00Z') };
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    const { service, updates, lines } = feed(client, clock);
    const ok = await service.tick();
    client.disconnect();
    expect(await service.tick()).toBeUndefined();
    expect(await service.tick()).toBeUndefined();
    expect(service.latest()).toBe(ok);
    expect(updates).toHaveLength(1);
    expect(lines().filter((l) => l.includes('could not be read'))).toHaveLength(1);
  });
});
