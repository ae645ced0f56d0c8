import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startIvr, type IvrHarness } from '../helpers/ivr-harness.js';

let redis: TestRedis;
let h: IvrHarness;
/** The caller's position in this queue, or undefined when they wait elsewhere or not at all. */
async function pos(queue: string, callId: string): Promise<number | undefined> {
  const p = await h.acd.position(callId);
  return p?.queue === queue ? p.position : undefined;
}

beforeAll(async () => {
  redis = await startRedis();
  // Nothing listens there: the work-order core is down for progress queries.
  h = await startIvr(redis, { queryAddress: `127.0.0.1:${await freePort()}` });
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

it('progress self-service with the core down: the caller hears it is unavailable and keeps their place', async () => {
  const ahead = h.sim.placeCall({ caller: '13800000001' });
  await ahead.waitForMedia('welcome');
  const c = h.sim.placeCall({ caller: '13800000002' });
  await c.waitForMedia('holdMusic');
  await c.press('2');
  await c.waitForMedia('progressAsk');
  await c.press('202611220000001');
  await c.waitForMedia('progressUnavailable');
  await c.waitForMedia('holdMusic', { nth: 2 });
  expect(await pos('general', c.callId)).toBe(2);
  expect((await h.calls.facts(c.callId)).find((f) => f.type === 'progress.queried')?.detail).toEqual({ outcome: 'unavailable' });
  await c.hangup();
  await ahead.hangup();
  expect(await h.cdrLines(c.callId)).toHaveLength(1);
});
