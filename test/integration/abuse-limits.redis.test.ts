import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAbuseLimits } from '../../src/adapters/redis/redis-abuse-limits.js';
import { RedisAuditLog } from '../../src/adapters/redis/redis-audit-log.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { HotlineError } from '../../src/core/errors.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

// Art. 34 of seeds/002 on a real redis-server: sliding windows, restrictions that lapse by
// themselves, and an audit entry for every change.
describe('RedisAbuseLimits', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  const make = (intake = { max: 3, windowSeconds: 2 }) => {
    const keys = new RedisKeys(`t-${randomUUID()}:`);
    const client = redis.client();
    const audit = new RedisAuditLog(client, keys);
    const limits = new RedisAbuseLimits(client, keys, audit, { intake, call: { max: 1, windowSeconds: 60 }, maxRestrictionDays: 30 });
    return { limits, audit };
  };

  it('allows max attempts in the window, refuses the next with when to retry, and lets it in once the window slides', async () => {
    const { limits } = make();
    for (let i = 0; i < 3; i++) expect(await limits.check('tel:+8613800000001', 'intake')).toEqual({ allowed: true });
    const refused = await limits.check('tel:+8613800000001', 'intake');
    expect(refused).toMatchObject({ allowed: false, why: 'rate' });
    if (!refused.allowed && refused.why === 'rate') expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another citizen and another kind have their own windows.
    expect(await limits.check('tel:+8613800000002', 'intake')).toEqual({ allowed: true });
    expect(await limits.check('tel:+8613800000001', 'call')).toEqual({ allowed: true });
    await sleep(2100);
    expect(await limits.check('tel:+8613800000001', 'intake')).toEqual({ allowed: true });
  });

  it('a restriction refuses the citizen until it lapses by itself, and leaves the list then', async () => {
    const { limits } = make();
    const until = new Date(Date.now() + 1500);
    const r = await limits.restrict('wechat:oABC', { reason: '多次辱骂话务员', until, by: 'supervisor:li' });
    expect(r).toMatchObject({ citizenKey: 'wechat:oABC', reason: '多次辱骂话务员', setBy: 'supervisor:li', until: until.toISOString() });
    expect(await limits.check('wechat:oABC', 'intake')).toMatchObject({ allowed: false, why: 'restricted', restriction: { reason: '多次辱骂话务员' } });
    expect(await limits.check('wechat:oABC', 'call')).toMatchObject({ allowed: false, why: 'restricted' });
    expect((await limits.list()).map((x) => x.citizenKey)).toEqual(['wechat:oABC']);
    await sleep(1700);
    expect(await limits.get('wechat:oABC')).toBeUndefined();
    expect(await limits.check('wechat:oABC', 'intake')).toEqual({ allowed: true });
    expect(await limits.list()).toEqual([]);
  });

  it('every change is audited with the actor, newest first, and exported as JSON lines', async () => {
    const { limits, audit } = make();
    await limits.restrict('tel:+8613800000003', { reason: '恶意占线', until: new Date(Date.now() + 60_000), by: 'supervisor:wang' });
    await limits.restrict('tel:+8613800000003', { reason: '恶意占线（延长）', until: new Date(Date.now() + 120_000), by: 'supervisor:zhao' });
    await limits.lift('tel:+8613800000003', 'supervisor:li', '诉求人致歉');
    const entries = await audit.list({ target: 'tel:+8613800000003' });
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['restriction.lift', 'supervisor:li'],
      ['restriction.change', 'supervisor:zhao'],
      ['restriction.set', 'supervisor:wang'],
    ]);
    expect(entries[0]!.details).toMatchObject({ note: '诉求人致歉', previous: { reason: '恶意占线（延长）' } });
    const lines: string[] = [];
    for await (const l of audit.exportJsonLines()) lines.push(l);
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ action: 'restriction.set', actor: 'supervisor:wang', id: expect.stringMatching(/^\d+-\d+$/) });
    expect(await limits.check('tel:+8613800000003', 'intake')).toEqual({ allowed: true });
  });

  it('refuses a restriction that ends in the past or beyond the longest allowed, naming the field', async () => {
    const { limits, audit } = make();
    for (const until of [new Date(Date.now() - 1000), new Date(Date.now() + 31 * 86_400_000)]) {
      const err = await limits.restrict('tel:+8613800000004', { reason: 'x', until, by: 's' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HotlineError);
      expect(err).toMatchObject({ code: 'INVALID_FIELD', field: 'until' });
    }
    expect(await limits.get('tel:+8613800000004')).toBeUndefined();
    expect(await audit.list()).toEqual([]);
  });
});
