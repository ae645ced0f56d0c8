import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../src/app/gateway.js';
import type { Config } from '../../../src/config/schema.js';
import type { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { eventually } from '../../helpers/gateway.js';
import { clockAt, startSurveyGateway, surveyLines } from '../../helpers/surveys.js';

let redis: TestRedis;
const gateways: { gw: RunningGateway; config: Config; sim: SimulatedSwitch }[] = [];

beforeAll(async () => {
  redis = await startRedis();
  const prefix = `t2${Math.random().toString(36).slice(2, 8)}:`;
  const clock = clockAt('2026-11-23T15:00:00+08:00');
  for (let i = 0; i < 2; i++) {
    // Same Redis, same prefix: two instances of one centre.
    gateways.push(await startSurveyGateway(redis.url, clock, (c) => (c.surveys.concurrency = 5), { HOTLINE_REDIS_PREFIX: prefix }));
  }
});
afterAll(async () => {
  for (const g of gateways) await g.gw.stop();
  await redis?.stop();
});

describe('two gateway instances on one Redis', () => {
  it('share the surveys: each work order is dialled once, by one of them, and reported once', async () => {
    const N = 30;
    const phones = Array.from({ length: N }, (_, i) => `1381235${String(i).padStart(4, '0')}`);
    for (const g of gateways) for (const p of phones) g.sim.endpoint(`gateway:carrier/${p}`, { answer: 'answer', script: [{ atMs: 60, press: '1' }] });
    // The core asks each gateway for every survey (a retry through a load balancer, say).
    await Promise.all(
      phones.flatMap((p, i) => gateways.map((g) => g.gw.devCore!.requestSurvey({ workOrderId: `WO-TWO-${i}`, phone: p }))),
    );
    const results = await eventually(
      () => gateways.flatMap((g) => surveyLines(g.config)).filter((l) => l.result.workOrderId.startsWith('WO-TWO-')),
      (l) => l.length >= N,
      30_000,
    );
    expect(new Set(results.map((l) => l.result.workOrderId)).size).toBe(N);
    expect(results).toHaveLength(N);
    expect(results.every((l) => l.result.outcome === 'OUTCOME_RATED')).toBe(true);
    const dials = gateways.flatMap((g) => g.sim.allCalls().filter((c) => c.entry.kind === 'survey'));
    expect(dials).toHaveLength(N);
    expect(new Set(dials.map((c) => c.dialled)).size).toBe(N);
    // Both instances took part.
    expect(gateways.every((g) => g.sim.allCalls().some((c) => c.entry.kind === 'survey'))).toBe(true);
  });
});
