import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../src/app/gateway.js';
import type { Config } from '../../../src/config/schema.js';
import type { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { clockAt, resultOf, startSurveyGateway, surveyCallsTo } from '../../helpers/surveys.js';

let redis: TestRedis;
let gw: RunningGateway;
let config: Config;
let sim: SimulatedSwitch;
// Three seconds before the calling window (08:00 Asia/Shanghai) opens.
const clock = clockAt('2026-11-23T07:59:57+08:00');
const OPENS = Date.parse('2026-11-23T08:00:00+08:00');

beforeAll(async () => {
  redis = await startRedis();
  ({ gw, config, sim } = await startSurveyGateway(redis.url, clock));
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

describe('the calling window (08:00–21:00 Asia/Shanghai)', () => {
  it('a deadline that falls before the window opens: no call, reported no response at once', async () => {
    clock.set('2026-11-23T07:59:57+08:00');
    // The deadline is on the survey clock too; the control port checks it against that clock.
    const deadline = '2026-11-23T07:59:59.900+08:00';
    expect(await gw.devCore!.requestSurvey({ workOrderId: 'WO-TOO-LATE', phone: '13812341002', deadline })).toBe('accepted');
    const result = await resultOf(config, 'WO-TOO-LATE', 5000);
    expect(result).toMatchObject({ outcome: 'OUTCOME_NO_RESPONSE', channel: 'CHANNEL_NONE', reason: 'deadline' });
    expect(result.attempts ?? 0).toBe(0); // proto3 JSON leaves zeros out
    expect(surveyCallsTo(sim, '13812341002')).toHaveLength(0);
  });
  it('keeps a request made before 08:00 and dials it only when the window opens', async () => {
    clock.set('2026-11-23T07:59:57+08:00');
    sim.endpoint('gateway:carrier/13812341001', { answer: 'answer', script: [{ atMs: 60, press: '1' }] });
    expect(await gw.devCore!.requestSurvey({ workOrderId: 'WO-EARLY', phone: '13812341001' })).toBe('accepted');
    await sleep(1500);
    expect(surveyCallsTo(sim, '13812341001')).toHaveLength(0);
    const result = await resultOf(config, 'WO-EARLY', 15_000);
    expect(result).toMatchObject({ outcome: 'OUTCOME_RATED', rating: 'RATING_VERY_SATISFIED' });
    const calls = surveyCallsTo(sim, '13812341001');
    expect(calls).toHaveLength(1);
    // The dial, on the survey clock, is not before the window opened.
    expect(Date.parse(calls[0]!.createdAt) + clock.offsetMs).toBeGreaterThanOrEqual(OPENS);
  });

});
