import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/adapters/http/server.js';
import { adminRoutes } from '../../src/adapters/http/routes/admin.js';
import { RedisAbuseLimits } from '../../src/adapters/redis/redis-abuse-limits.js';
import { RedisAuditLog } from '../../src/adapters/redis/redis-audit-log.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisLoginThrottle, RedisUserStore } from '../../src/adapters/redis/redis-user-store.js';
import { authRoutes } from '../../src/adapters/http/routes/auth.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { TokenSigner } from '../../src/services/auth/tokens.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { PASSWORD, seedUser } from '../helpers/people.js';

// The supervisor endpoints of art. 34 and the audit log, over HTTP with app.inject and a real
// redis-server behind them; people log in and the routes check their roles (issue 5).
describe('admin endpoints', () => {
  let redis: TestRedis;
  let app: FastifyInstance;
  let TOKEN: string;
  let auth: Record<string, string>;
  let lisi: Record<string, string>;
  let auditor: Record<string, string>;
  beforeAll(async () => {
    redis = await startRedis();
    const keys = new RedisKeys(`t-${randomUUID()}:`);
    const client = redis.client();
    const audit = new RedisAuditLog(client, keys);
    const limits = new RedisAbuseLimits(client, keys, audit, { intake: { max: 5, windowSeconds: 60 }, call: { max: 5, windowSeconds: 60 }, maxRestrictionDays: 30 });
    const users = new RedisUserStore(client, keys);
    const authService = new AuthService({
      users,
      throttle: new RedisLoginThrottle(client, keys, { maxFailuresPerUser: 5, maxFailuresPerAddress: 50, windowMs: 60_000, lockoutMs: 60_000 }),
      signer: new TokenSigner('a-test-secret-of-at-least-32-characters'),
      audit,
      tokenTtlMs: 600_000,
    });
    await seedUser(users, 'zhang.san', ['supervisor']);
    await seedUser(users, 'li.si', ['supervisor']);
    await seedUser(users, 'wang.wu', ['auditor']);
    app = await buildHttpServer({ log: silentLogger(), bodyLimitBytes: 65536, routes: [authRoutes({ auth: authService, audit }), adminRoutes({ auth: authService, limits, audit })] });
    const tokenOf = async (username: string) => (await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password: PASSWORD } })).json().token as string;
    TOKEN = await tokenOf('zhang.san');
    auth = { authorization: `Bearer ${TOKEN}` };
    lisi = { authorization: `Bearer ${await tokenOf('li.si')}` };
    auditor = { authorization: `Bearer ${await tokenOf('wang.wu')}` };
  });
  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  const key = encodeURIComponent('tel:+8613800138000');

  it('403 naming the missing role: an auditor may read restrictions but not set them; a supervisor may not read the audit log', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/admin/restrictions', headers: auditor })).statusCode).toBe(200);
    const put = await app.inject({ method: 'PUT', url: `/v1/admin/restrictions/${key}`, headers: auditor, payload: { reason: 'r', minutes: 5 } });
    expect(put.statusCode).toBe(403);
    expect(put.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('班长') });
    const read = await app.inject({ method: 'GET', url: '/v1/admin/audit', headers: auth });
    expect(read.statusCode).toBe(403);
    expect(read.json().message).toContain('审计员');
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789' }],
    ['a token one character short', { authorization: `Bearer ${'x'.repeat(20)}` }],
    ['another scheme', { authorization: `Basic ${'x'.repeat(20)}` }],
  ])('401 with %s, nothing changed', async (_what, headers) => {
    for (const [method, url] of [
      ['GET', '/v1/admin/restrictions'],
      ['PUT', `/v1/admin/restrictions/${key}`],
      ['DELETE', `/v1/admin/restrictions/${key}`],
      ['GET', '/v1/admin/audit'],
    ] as const) {
      const res = await app.inject({ method, url, headers, ...(method === 'PUT' ? { payload: { reason: 'r', minutes: 5 } } : {}) });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    const list = await app.inject({ method: 'GET', url: '/v1/admin/restrictions', headers: auth });
    expect(list.json().restrictions).toEqual([]);
  });

  it.each([
    ['reason', { minutes: 10 }, () => auth],
    ['until', { reason: '骚扰' }, () => auth],
    ['until', { reason: '骚扰', minutes: 10, until: '2030-01-01T00:00:00Z' }, () => auth],
    ['until', { reason: '骚扰', until: '明天' }, () => auth],
    ['until', { reason: '骚扰', until: '2020-01-01T00:00:00Z' }, () => auth],
    ['minutes', { reason: '骚扰', minutes: 0 }, () => auth],
    ['minutes', { reason: '骚扰', minutes: '10' }, () => auth],
    ['colour', { reason: '骚扰', minutes: 10, colour: 'red' }, () => auth],
  ])('400 naming %s on bad input', async (field, payload, headers) => {
    const res = await app.inject({ method: 'PUT', url: `/v1/admin/restrictions/${key}`, headers: headers(), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_FIELD', field });
    expect((await app.inject({ method: 'GET', url: `/v1/admin/restrictions/${key}`, headers: auth })).statusCode).toBe(404);
  });

  it('400 naming citizenKey for a key that is no citizen key', async () => {
    const res = await app.inject({ method: 'PUT', url: `/v1/admin/restrictions/${encodeURIComponent('13800138000')}`, headers: auth, payload: { reason: 'x', minutes: 5 } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'citizenKey' });
  });

  it('sets, reads, lists and lifts a restriction, each change in the audit log with the actor', async () => {
    const put = await app.inject({ method: 'PUT', url: `/v1/admin/restrictions/${key}`, headers: auth, payload: { reason: '反复拨打辱骂话务员', minutes: 30 } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ citizenKey: 'tel:+8613800138000', reason: '反复拨打辱骂话务员', setBy: 'user:zhang.san' });
    expect(Date.parse(put.json().until) - Date.now()).toBeGreaterThan(29 * 60_000);

    const one = await app.inject({ method: 'GET', url: `/v1/admin/restrictions/${key}`, headers: auth });
    expect(one.json().reason).toBe('反复拨打辱骂话务员');
    const list = await app.inject({ method: 'GET', url: '/v1/admin/restrictions', headers: auth });
    expect(list.json().restrictions.map((r: { citizenKey: string }) => r.citizenKey)).toEqual(['tel:+8613800138000']);

    const del = await app.inject({ method: 'DELETE', url: `/v1/admin/restrictions/${key}?note=${encodeURIComponent('已核实误拨')}`, headers: lisi });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/v1/admin/restrictions/${key}`, headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/restrictions/${key}`, headers: auth })).statusCode).toBe(404);

    const audit = await app.inject({ method: 'GET', url: `/v1/admin/audit?target=${key}`, headers: auditor });
    expect(audit.statusCode).toBe(200);
    const entries = audit.json().entries as { action: string; actor: string }[];
    expect(entries.filter((e) => e.action !== 'restriction.read').map((e) => [e.action, e.actor])).toEqual([
      ['restriction.lift', 'user:li.si'],
      ['restriction.set', 'user:zhang.san'],
    ]);
    // Reading a citizen's restriction is audited too (art. 25: access to a citizen's data).
    expect(entries[0]).toMatchObject({ action: 'restriction.read', actor: 'user:zhang.san' });
    const exported = await app.inject({ method: 'GET', url: '/v1/admin/audit?format=jsonl', headers: auditor });
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const lines = exported.body.trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor: string });
    const actions = lines.map((l) => l.action).filter((a) => a.startsWith('restriction.set') || a.startsWith('restriction.lift') || a.startsWith('audit.'));
    expect(actions).toEqual(['restriction.set', 'restriction.lift', 'audit.read', 'audit.export']);
    // Reading and exporting the audit log are audited, with the auditor as actor.
    expect(lines.filter((l) => l.action.startsWith('audit.')).every((l) => l.actor === 'user:wang.wu')).toBe(true);
  });

  it('400 naming the query field on a bad audit query', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/admin/audit?limit=abc', headers: auditor });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'limit' });
  });
});
