import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisActiveCalls } from '../../src/adapters/redis/redis-active-calls.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
const keys = () => new RedisKeys(`t${Math.random().toString(36).slice(2, 8)}:`);

describe('active calls in Redis (shared overload count)', () => {
  it('two gateway instances admitting at once never exceed the capacity together', async () => {
    const k = keys();
    const a = new RedisActiveCalls(redis.client(), k, 60_000);
    const b = new RedisActiveCalls(redis.client(), k, 60_000);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).admit(`call-${i}`, 25)));
    expect(results.filter((r) => r.admitted)).toHaveLength(25);
    expect(await a.count()).toBe(25);
    // An emergency transfer is counted in above capacity.
    expect(await b.admit('emergency-1', 25, true)).toEqual({ admitted: true, active: 26 });
    await a.release('call-1');
    expect(await b.count()).toBe(25);
  });

  it('a crashed instance’s calls lapse with their lease; a live instance keeps renewing its own', async () => {
    const k = keys();
    const crashed = new RedisActiveCalls(redis.client(), k, 400);
    const live = new RedisActiveCalls(redis.client(), k, 400);
    live.start(() => undefined);
    await crashed.admit('dead-1', 10);
    await live.admit('alive-1', 10);
    await sleep(1000);
    expect(await live.count()).toBe(1);
    expect((await live.admit('alive-2', 2)).admitted).toBe(true); // dead-1 no longer takes a place
    live.stop();
  });
});
