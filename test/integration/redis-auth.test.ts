import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisLoginThrottle, RedisUserStore } from '../../src/adapters/redis/redis-user-store.js';
import { RedisDeskPresence } from '../../src/adapters/redis/redis-desk-presence.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { seedUser } from '../helpers/people.js';

// The user store, login throttle and desk presence on a real redis-server.
describe('people in Redis', () => {
  let redis: TestRedis;
  let keys: RedisKeys;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis.stop());
  const fresh = () => (keys = new RedisKeys(`t-${randomUUID()}:`));

  it('usernames are unique; concurrent updates from two connections never lose a change', async () => {
    fresh();
    const a = new RedisUserStore(redis.client(), keys);
    const b = new RedisUserStore(redis.client(), keys);
    await seedUser(a, 'a1001', ['agent'], { skills: {}, endpoint: { kind: 'user', user: '1' } });
    expect(await b.create({ ...(await a.get('a1001'))!, displayName: 'dup' })).toBe(false);
    // 40 updates racing, each adding its own skill: all 40 must be there afterwards.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).update('a1001', (u) => ({
          ...u,
          agent: { ...u.agent!, skills: { ...u.agent!.skills, [`s${i}`]: 1 } },
        })),
      ),
    );
    expect(Object.keys((await a.get('a1001'))!.agent!.skills)).toHaveLength(40);
    expect(await a.update('nobody', (u) => u)).toBeUndefined();
    expect((await b.list()).map((u) => u.username)).toEqual(['a1001']);
  });

  it('locks a username after its limit and an address after its own (higher) limit, each for the lockout', async () => {
    fresh();
    const t = new RedisLoginThrottle(redis.client(), keys, {
      maxFailuresPerUser: 3,
      maxFailuresPerAddress: 5,
      windowMs: 60_000,
      lockoutMs: 120_000,
    });
    expect(await t.failed('u1', '10.0.0.1')).toBe(0);
    expect(await t.failed('u1', '10.0.0.1')).toBe(0);
    const locked = await t.failed('u1', '10.0.0.1');
    expect(locked).toBeGreaterThan(110_000);
    expect(await t.lockedFor('u1', '10.0.0.2')).toBeGreaterThan(110_000);
    expect(await t.lockedFor('u2', '10.0.0.1')).toBe(0);
    // Other usernames from the same address: the address locks at its own limit.
    await t.failed('u2', '10.0.0.1');
    expect(await t.failed('u3', '10.0.0.1')).toBeGreaterThan(110_000);
    expect(await t.lockedFor('u4', '10.0.0.1')).toBeGreaterThan(110_000);
    expect(await t.lockedFor('u4', '10.0.0.9')).toBe(0);
    // A success clears the username's count (not a lockout already in force elsewhere).
    await t.failed('u5', '10.0.0.9');
    await t.succeeded('u5');
    expect(await redis.client().exists(keys.loginFailures('user', 'u5'))).toBe(0);
  });

  it('desk presence: the last claim wins; release only frees the desk for the connection holding it', async () => {
    fresh();
    const p = new RedisDeskPresence(redis.client(), keys);
    await p.claim('a1', 'conn-1', 10_000);
    await p.claim('a1', 'conn-2', 10_000);
    expect(await p.renew('a1', 'conn-1', 10_000)).toBe(false);
    expect(await p.renew('a1', 'conn-2', 10_000)).toBe(true);
    expect(await p.release('a1', 'conn-1')).toBe(false);
    expect(await p.release('a1', 'conn-2')).toBe(true);
    expect(await p.release('a1', 'conn-2')).toBe(true); // nobody holds it: free to log out
  });
});
