import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import type { FiguresUpdate } from '../../src/core/ports/figures.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, testConfig } from '../helpers/gateway.js';

let redis: TestRedis;
let gw: RunningGateway;

beforeAll(async () => {
  redis = await startRedis();
  const config = testConfig({ HOTLINE_REDIS_URL: redis.url });
  config.figures.feedIntervalMs = 500;
  gw = await startGateway(config, silentLogger());
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('live figures in the running gateway', () => {
  it('shows per-queue gauges in /metrics and pushes the alarm to subscribers', async () => {
    const updates: FiguresUpdate[] = [];
    gw.figures.feed.subscribe((u) => updates.push(u));
    const now = Date.now();
    // 24 calls to the general queue: 20 answered (16 within 15 s), 1 short abandon, 3 abandoned.
    for (let i = 0; i < 24; i++) {
      const callId = `m-${i}`;
      await gw.figures.store.record({ type: 'offered', queue: 'general', callId, atMs: now });
      if (i < 20) await gw.figures.store.record({ type: 'answered', queue: 'general', callId, atMs: now, waitMs: i < 16 ? 10_000 : 25_000 });
      else await gw.figures.store.record({ type: 'abandoned', queue: 'general', callId, atMs: now, waitMs: i === 20 ? 1_000 : 30_000 });
    }
    await gw.figures.store.record({ type: 'agent-time', agentId: 'A', queues: ['general'], atMs: now, busyMs: 48_000, staffedMs: 60_000 });

    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const window of ['rolling-15m', 'today']) {
      const l = `queue="general",window="${window}"`;
      expect(series(text, 'hotline_queue_offered_calls', l)).toBe(24);
      expect(series(text, 'hotline_queue_answered_calls', l)).toBe(20);
      expect(series(text, 'hotline_queue_abandoned_calls', l)).toBe(3);
      expect(series(text, 'hotline_queue_short_abandoned_calls', l)).toBe(1);
      expect(series(text, 'hotline_queue_answer_rate', l)).toBeCloseTo(20 / 23, 10);
      expect(series(text, 'hotline_queue_service_level', l)).toBeCloseTo(16 / 23, 10);
      expect(series(text, 'hotline_queue_mean_wait_seconds', l)).toBeCloseTo((16 * 10 + 4 * 25) / 20, 10);
      expect(series(text, 'hotline_queue_occupancy', l)).toBeCloseTo(0.8, 10);
    }
    expect(series(text, 'hotline_queue_answer_rate', 'queue="*",window="today"')).toBeCloseTo(20 / 23, 10);
    // Nothing handled yet: no handle-time series rather than a made-up zero.
    expect(series(text, 'hotline_queue_mean_handle_seconds', 'queue="general",window="today"')).toBeUndefined();
    expect(text).toContain('# HELP hotline_queue_answer_rate');

    // 87 % on 23 calls: critical, pushed once by the feed's own timer.
    const alarms = await eventually(
      () => updates.flatMap((u) => u.alarms),
      (a) => a.length >= 2,
      10_000,
    );
    expect(alarms.map((a) => `${a.queue}:${a.level}`)).toEqual(['general:critical', '*:critical']);
    expect(alarms[1]!.message).toContain('全中心近15分钟接通率86.9%');
    await eventually(() => updates.length, (n) => n >= 3, 10_000);
    expect(updates.flatMap((u) => u.alarms)).toHaveLength(2);
    expect(gw.figures.feed.latest()!.active).toHaveLength(2);
  });
});
