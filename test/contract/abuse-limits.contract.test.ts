// The in-memory fake the IVR tests use must behave like the Redis store the gateway runs with
// (STYLE.md: a fake of a port passes the same contract tests as the real adapter).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbuseLimits } from '../../src/core/ports/abuse-limits.js';
import { InMemoryAbuseLimits } from '../../src/adapters/memory/in-memory-abuse-limits.js';
import { RedisAbuseLimits } from '../../src/adapters/redis/redis-abuse-limits.js';
import { RedisAuditLog } from '../../src/adapters/redis/redis-audit-log.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

const generous = { intake: { max: 1000, windowSeconds: 3600 }, call: { max: 1000, windowSeconds: 3600 }, maxRestrictionDays: 90 };

const implementations: [string, () => AbuseLimits][] = [
  ['InMemoryAbuseLimits', () => new InMemoryAbuseLimits()],
  [
    'RedisAbuseLimits',
    () => {
      const keys = new RedisKeys(`contract-${randomUUID()}:`);
      const client = redis.client();
      return new RedisAbuseLimits(client, keys, new RedisAuditLog(client, keys), generous);
    },
  ],
];

describe.each(implementations)('AbuseLimits contract: %s', (_name, make) => {
  const citizen = 'tel:+8613800001234';

  it('lets an unrestricted citizen through for intakes and calls', async () => {
    const limits = make();
    expect(await limits.check(citizen, 'intake')).toEqual({ allowed: true });
    expect(await limits.check(citizen, 'call')).toEqual({ allowed: true });
    expect(await limits.get(citizen)).toBeUndefined();
  });

  it('refuses a restricted citizen on every kind, naming the restriction, until it is lifted', async () => {
    const limits = make();
    const until = new Date(Date.now() + 3_600_000);
    const r = await limits.restrict(citizen, { reason: '多次无故占线', until, by: 'supervisor:li' });
    expect(r).toMatchObject({ citizenKey: citizen, reason: '多次无故占线', setBy: 'supervisor:li' });
    expect(Date.parse(r.until)).toBe(until.getTime());
    for (const kind of ['intake', 'call'] as const) {
      const verdict = await limits.check(citizen, kind);
      expect(verdict.allowed).toBe(false);
      expect(verdict).toMatchObject({ why: 'restricted', restriction: { citizenKey: citizen } });
    }
    expect((await limits.list()).map((x) => x.citizenKey)).toContain(citizen);
    expect(await limits.check('tel:+8613800009999', 'intake')).toEqual({ allowed: true }); // others unaffected
    await limits.lift(citizen, 'supervisor:li', '已核实');
    expect(await limits.get(citizen)).toBeUndefined();
    expect(await limits.check(citizen, 'call')).toEqual({ allowed: true });
  });

  it('lets a restriction lapse by itself at its end', async () => {
    const limits = make();
    await limits.restrict(citizen, { reason: '骚扰座席', until: new Date(Date.now() + 600), by: 'supervisor:wang' });
    expect((await limits.check(citizen, 'call')).allowed).toBe(false);
    await sleep(800);
    expect(await limits.get(citizen)).toBeUndefined();
    expect(await limits.check(citizen, 'call')).toEqual({ allowed: true });
    expect((await limits.list()).map((x) => x.citizenKey)).not.toContain(citizen);
  });
});
