import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../src/adapters/http/server.js';
import { adminRoutes } from '../../src/adapters/http/routes/admin.js';
import { RedisAbuseLimits } from '../../src/adapters/redis/redis-abuse-limits.js';
import { RedisAuditLog } from '../../src/adapters/redis/redis-audit-log.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

const TOKEN = 'test-admin-token-0123456789';

// The interim supervisor endpoints (until issue 5's users and roles), over HTTP with app.inject
// and a real redis-server behind them.
describe('admin endpoints', () => {
  let redis: TestRedis;
  let app: FastifyInstance;
  beforeAll(async () => {
    redis = await startRedis();
    const keys = new RedisKeys(`t-${randomUUID()}:`);
    const client = redis.client();
    const audit = new RedisAuditLog(client, keys);
    const limits = new RedisAbuseLimits(client, keys, audit, { intake: { max: 5, windowSeconds: 60 }, call: { max: 5, windowSeconds: 60 }, maxRestrictionDays: 30 });
    app = await buildHttpServer({ log: silentLogger(), bodyLimitBytes: 65536, routes: [adminRoutes({ token: TOKEN, limits, audit })] });
  });
  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  const auth = { authorization: `Bearer ${TOKEN}`, 'x-hotline-actor': 'zhang.san' };
  const key = encodeURIComponent('tel:+8613800138000');

  it('answers 404 everywhere when no token is configured', async () => {
    const off = await buildHttpServer({
      log: silentLogger(),
      bodyLimitBytes: 65536,
      routes: [adminRoutes({ token: '', limits: {} as never, audit: {} as never })],
    });
    for (const url of ['/v1/admin/restrictions', '/v1/admin/audit', `/v1/admin/restrictions/${key}`]) {
      const res = await off.inject({ method: 'GET', url, headers: { authorization: 'Bearer ' } });
      expect(res.statusCode).toBe(404);
    }
    await off.close();
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong-token-0123456789' }],
    ['a token one character short', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('401 with %s, nothing changed', async (_what, headers) => {
    for (const [method, url] of [
      ['GET', '/v1/admin/restrictions'],
      ['PUT', `/v1/admin/restrictions/${key}`],
      ['DELETE', `/v1/admin/restrictions/${key}`],
      ['GET', '/v1/admin/audit'],
    ] as const) {
      const res = await app.inject({ method, url, headers: { ...headers, 'x-hotline-actor': 'x' }, ...(method === 'PUT' ? { payload: { reason: 'r', minutes: 5 } } : {}) });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    const list = await app.inject({ method: 'GET', url: '/v1/admin/restrictions', headers: auth });
    expect(list.json().restrictions).toEqual([]);
  });

  it.each([
    ['reason', { minutes: 10 }, auth],
    ['until', { reason: '骚扰' }, auth],
    ['until', { reason: '骚扰', minutes: 10, until: '2030-01-01T00:00:00Z' }, auth],
    ['until', { reason: '骚扰', until: '明天' }, auth],
    ['until', { reason: '骚扰', until: '2020-01-01T00:00:00Z' }, auth],
    ['minutes', { reason: '骚扰', minutes: 0 }, auth],
    ['minutes', { reason: '骚扰', minutes: '10' }, auth],
    ['colour', { reason: '骚扰', minutes: 10, colour: 'red' }, auth],
    ['x-hotline-actor', { reason: '骚扰', minutes: 10 }, { authorization: auth.authorization }],
  ])('400 naming %s on bad input', async (field, payload, headers) => {
    const res = await app.inject({ method: 'PUT', url: `/v1/admin/restrictions/${key}`, headers, payload });
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
    expect(put.json()).toMatchObject({ citizenKey: 'tel:+8613800138000', reason: '反复拨打辱骂话务员', setBy: 'supervisor:zhang.san (admin token)' });
    expect(Date.parse(put.json().until) - Date.now()).toBeGreaterThan(29 * 60_000);

    const one = await app.inject({ method: 'GET', url: `/v1/admin/restrictions/${key}`, headers: auth });
    expect(one.json().reason).toBe('反复拨打辱骂话务员');
    const list = await app.inject({ method: 'GET', url: '/v1/admin/restrictions', headers: auth });
    expect(list.json().restrictions.map((r: { citizenKey: string }) => r.citizenKey)).toEqual(['tel:+8613800138000']);

    const del = await app.inject({ method: 'DELETE', url: `/v1/admin/restrictions/${key}?note=${encodeURIComponent('已核实误拨')}`, headers: { ...auth, 'x-hotline-actor': 'li.si' } });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/v1/admin/restrictions/${key}`, headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/v1/admin/restrictions/${key}`, headers: auth })).statusCode).toBe(404);

    const audit = await app.inject({ method: 'GET', url: `/v1/admin/audit?target=${key}`, headers: auth });
    expect(audit.statusCode).toBe(200);
    expect(audit.json().entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['restriction.lift', 'supervisor:li.si (admin token)'],
      ['restriction.set', 'supervisor:zhang.san (admin token)'],
    ]);
    const exported = await app.inject({ method: 'GET', url: '/v1/admin/audit?format=jsonl', headers: auth });
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const lines = exported.body.trim().split('\n').map((l) => JSON.parse(l) as { action: string });
    expect(lines.map((l) => l.action)).toEqual(['restriction.set', 'restriction.lift']);
  });

  it('400 naming the query field on a bad audit query', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/admin/audit?limit=abc', headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'limit' });
  });
});
