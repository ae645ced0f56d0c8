// The supervisors' callback queue over the composed gateway (issue 6): real HTTP and real ws
// clients, real login and roles, a real redis-server; the CallbackAdmin is a test double of the
// callback service over the real RedisCallbackStore (test/helpers/callback-admin.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisAuditLog } from '../../../src/adapters/redis/redis-audit-log.js';
import { RedisCallbackStore } from '../../../src/adapters/redis/redis-callback-store.js';
import { RedisUserStore } from '../../../src/adapters/redis/redis-user-store.js';
import type { StoredCallback } from '../../../src/core/ports/callbacks.js';
import { storedCallback } from '../../builders/callback.js';
import { StoreBackedCallbackAdmin } from '../../helpers/callback-admin.js';
import { DeskClient } from '../../helpers/desk-client.js';
import { testConfig } from '../../helpers/gateway.js';
import { silentLogger } from '../../helpers/logger.js';
import { login, seedUser } from '../../helpers/people.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);

describe('supervisors’ callback API (HTTP and desk ws)', () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  let base: string;
  let store: RedisCallbackStore;
  let admin: StoreBackedCallbackAdmin;
  let audit: RedisAuditLog;
  const made: StoredCallback[] = [];
  const tokens: Record<string, string> = {};
  const clients: DeskClient[] = [];

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const auditOf = async (action: string) => (await audit.list({ limit: 1000 })).filter((e) => e.action === action);

  beforeAll(async () => {
    redis = await startRedis();
    const config = testConfig({ HOTLINE_REDIS_URL: redis.url });
    const keys = new RedisKeys(config.redis.keyPrefix);
    store = new RedisCallbackStore(redis.client(), new RedisKeys(`cbapi-${randomUUID().slice(0, 6)}:`), { retentionMs: 86_400_000 });
    admin = new StoreBackedCallbackAdmin(store);
    gw = await startGateway(config, silentLogger(), { callbacks: admin });
    base = gw.url;
    const users = new RedisUserStore(redis.client(), keys);
    audit = new RedisAuditLog(redis.client(), keys);
    const people = { 'ban.zhang': ['supervisor'], 'qc.li': ['quality'], 'sj.wang': ['auditor'], 'a1001': ['agent'], 'gly.zhao': ['admin'] } as const;
    for (const [u, roles] of Object.entries(people)) {
      await seedUser(users, u, [...roles], roles[0] === 'agent' ? { skills: { general: 1 }, endpoint: { kind: 'user', user: '1001' } } : undefined);
      tokens[u] = await login(base, u);
    }
    for (let i = 0; i < 12; i++) {
      const cb = storedCallback({ requestedAt: T0 + i * 60_000, queues: i % 2 ? ['general'] : ['enterprise', 'general'], kind: i % 4 === 3 ? 'keep-place' : 'busy-time' });
      expect(await store.create(cb)).toBe(true);
      made.push(cb);
    }
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await gw?.stop();
    await redis?.stop();
  });

  it('lets supervisors, quality inspectors and auditors read the queue — every read audited — and refuses agents and administrators (403, audited)', async () => {
    for (const u of ['ban.zhang', 'qc.li', 'sj.wang']) {
      const r = await call('GET', '/v1/callbacks', tokens[u]);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.items.map((c: StoredCallback) => c.id)).toEqual([...made].reverse().map((c) => c.id));
      // Numbers in full, as the recordings API shows the caller to the same roles.
      expect(r.json.items[0].number).toBe(made.at(-1)!.number);
    }
    const reads = await auditOf('callback.list');
    expect(reads.map((e) => e.actor).sort()).toEqual(['user:ban.zhang', 'user:qc.li', 'user:sj.wang']);
    expect(reads[0]!.details).toMatchObject({ count: 12 });

    for (const u of ['a1001', 'gly.zhao']) {
      const r = await call('GET', '/v1/callbacks', tokens[u]);
      expect(r.status).toBe(403);
      expect(r.json).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('班长') });
    }
    expect((await call('GET', '/v1/callbacks')).status).toBe(401);
    // Reading is not managing: a quality inspector cannot cancel.
    const qc = await call('POST', `/v1/callbacks/${made[0]!.id}/cancel`, tokens['qc.li'], { reason: '测试' });
    expect(qc.status).toBe(403);
    expect(qc.json.message).toContain('班长（supervisor）');
    const denied = await auditOf('access.denied');
    expect(denied.map((e) => e.actor)).toEqual(expect.arrayContaining(['user:a1001', 'user:gly.zhao', 'user:qc.li']));
    expect(admin.calls).toEqual([]);
  });

  it('filters and pages the list; the summary counts by status; one record by id', async () => {
    const t = tokens['ban.zhang'];
    const keepPlace = made.filter((c) => c.kind === 'keep-place').reverse();
    const r1 = await call('GET', '/v1/callbacks?kind=keep-place', t);
    expect(r1.json.items.map((c: StoredCallback) => c.id)).toEqual(keepPlace.map((c) => c.id));
    const r2 = await call('GET', `/v1/callbacks?queue=enterprise&status=pending&fromMs=${T0 + 120_000}&toMs=${T0 + 600_000}`, t);
    expect(r2.json.items.map((c: StoredCallback) => c.requestedAt)).toEqual([T0 + 480_000, T0 + 360_000, T0 + 240_000, T0 + 120_000]);
    const r3 = await call('GET', `/v1/callbacks?number=${encodeURIComponent(made[5]!.number)}`, t);
    expect(r3.json.items.map((c: StoredCallback) => c.id)).toEqual([made[5]!.id]);

    const pages: string[] = [];
    let page = await call('GET', '/v1/callbacks?limit=5&status=pending,cancelled', t);
    pages.push(...page.json.items.map((c: StoredCallback) => c.id));
    while (page.json.next) {
      page = await call('GET', `/v1/callbacks?limit=5&status=pending&status=cancelled&cursor=${page.json.next}`, t);
      pages.push(...page.json.items.map((c: StoredCallback) => c.id));
    }
    expect(pages).toEqual([...made].reverse().map((c) => c.id));

    const summary = await call('GET', '/v1/callbacks/summary', tokens['sj.wang']);
    expect(summary).toMatchObject({ status: 200, json: { counts: { pending: 12, reached: 0, failed: 0, cancelled: 0, overdue: 0 } } });
    const one = await call('GET', `/v1/callbacks/${made[2]!.id}`, tokens['qc.li']);
    expect(one.json).toMatchObject({ id: made[2]!.id, number: made[2]!.number, status: 'pending', revision: 0 });
    expect((await auditOf('callback.read')).at(0)).toMatchObject({ actor: 'user:qc.li', target: `callback:${made[2]!.id}`, details: { found: true } });
  });

  it('a bad query or body is a 400 naming the field, in Chinese', async () => {
    const t = tokens['ban.zhang'];
    const cases: [string, string][] = [
      ['/v1/callbacks?limit=501', 'limit'],
      ['/v1/callbacks?limit=abc', 'limit'],
      ['/v1/callbacks?status=pending,lost', 'status.1'],
      ['/v1/callbacks?kind=soon', 'kind'],
      ['/v1/callbacks?number=13812345678', 'number'],
      ['/v1/callbacks?fromMs=-5', 'fromMs'],
      ['/v1/callbacks?colour=red', 'colour'],
      ['/v1/callbacks?cursor=garbage', 'cursor'],
      ['/v1/callbacks?fromMs=10&toMs=5', 'toMs'],
      ['/v1/callbacks/not-an-id', 'id'],
    ];
    for (const [path, field] of cases) {
      const r = await call('GET', path, t);
      expect(r.status, path).toBe(400);
      expect(r.json, path).toMatchObject({ code: 'INVALID_FIELD', field });
      expect(r.json.message, path).toMatch(/[\u4e00-\u9fff]/);
    }
    const id = made[0]!.id;
    expect((await call('POST', `/v1/callbacks/${id}/cancel`, t, {})).json).toMatchObject({ code: 'INVALID_FIELD', field: 'reason' });
    expect((await call('POST', `/v1/callbacks/${id}/cancel`, t, { reason: '  ' })).json).toMatchObject({ field: 'reason' });
    expect((await call('POST', `/v1/callbacks/${id}/reschedule`, t, { at: 'tomorrow' })).json).toMatchObject({ code: 'INVALID_FIELD', field: 'at' });
    expect((await call('POST', `/v1/callbacks/${id}/reschedule`, t, { at: '2026-11-23T09:30:00' })).json).toMatchObject({ field: 'at' });
    expect((await call('POST', `/v1/callbacks/${id}/reschedule`, t, { at: '2026-11-23T09:30:00+08:00', extra: 1 })).json).toMatchObject({ field: 'extra' });
    expect(admin.calls).toEqual([]);
  });

  it('cancel and reschedule reach the admin and are audited; its errors map to 404, 409 and 400', async () => {
    const t = tokens['ban.zhang'];
    const at = '2026-11-23T15:30:00+08:00';
    const moved = await call('POST', `/v1/callbacks/${made[1]!.id}/reschedule`, t, { at });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ id: made[1]!.id, notBefore: Date.parse(at), revision: 1 });
    const cancelled = await call('POST', `/v1/callbacks/${made[3]!.id}/cancel`, t, { reason: '市民来电说明已解决' });
    expect(cancelled.json).toMatchObject({ status: 'cancelled', history: [{ actor: 'user:ban.zhang', action: 'cancel', detail: '市民来电说明已解决' }] });
    expect(admin.calls).toEqual([
      { method: 'reschedule', id: made[1]!.id, actor: 'user:ban.zhang', detail: Date.parse(at) },
      { method: 'cancel', id: made[3]!.id, actor: 'user:ban.zhang', detail: '市民来电说明已解决' },
    ]);

    const again = await call('POST', `/v1/callbacks/${made[3]!.id}/cancel`, t, { reason: '重复' });
    expect(again).toMatchObject({ status: 409, json: { code: 'CONFLICT' } });
    const missing = await call('POST', `/v1/callbacks/${storedCallback().id}/cancel`, t, { reason: '不存在' });
    expect(missing).toMatchObject({ status: 404, json: { code: 'NOT_FOUND', message: '没有该回拨记录' } });
    const late = await call('POST', `/v1/callbacks/${made[4]!.id}/reschedule`, t, { at: '2026-11-30T10:00:00+08:00' });
    expect(late).toMatchObject({ status: 400, json: { code: 'INVALID_FIELD', field: 'at' } });

    const cancels = await auditOf('callback.cancel');
    expect(cancels.map((e) => [e.target, e.details?.outcome])).toEqual(
      expect.arrayContaining([
        [`callback:${made[3]!.id}`, 'ok'],
        [`callback:${made[3]!.id}`, 'CONFLICT'],
        [expect.stringMatching(/^callback:/), 'NOT_FOUND'],
      ]),
    );
    expect(cancels.every((e) => e.actor === 'user:ban.zhang')).toBe(true);
    const reschedules = await auditOf('callback.reschedule');
    expect(reschedules.map((e) => e.details?.outcome).sort()).toEqual(['INVALID_FIELD', 'ok']);
    expect((await call('GET', '/v1/callbacks/summary', t)).json.counts).toMatchObject({ pending: 11, cancelled: 1 });
  });

  it('over the desk ws: supervisors list, cancel and reschedule; agents are refused; bad frames name the field', async () => {
    const sup = await DeskClient.connect(base, { token: tokens['ban.zhang'] });
    const agent = await DeskClient.connect(base, { token: tokens['a1001'] });
    clients.push(sup, agent);
    await sup.next((f) => f.type === 'hello');
    await agent.next((f) => f.type === 'hello');

    const list = await sup.request({ type: 'callbacks.list', status: ['pending'], queue: 'enterprise', limit: 2 });
    expect(list).toMatchObject({ type: 'result', ok: true });
    const detail = list.detail as { items: StoredCallback[]; next?: string };
    expect(detail.items.map((c) => c.id)).toEqual([made[10]!.id, made[8]!.id]);
    const second = await sup.request({ type: 'callbacks.list', status: ['pending'], queue: 'enterprise', limit: 2, cursor: detail.next });
    expect((second.detail as { items: StoredCallback[] }).items.map((c) => c.id)).toEqual([made[6]!.id, made[4]!.id]);

    const moved = await sup.request({ type: 'callback.reschedule', callbackId: made[6]!.id, at: '2026-11-23T16:00:00+08:00' });
    expect(moved).toMatchObject({ ok: true, detail: { callback: { id: made[6]!.id, notBefore: Date.parse('2026-11-23T16:00:00+08:00') } } });
    const cancelled = await sup.request({ type: 'callback.cancel', callbackId: made[8]!.id, reason: '重复来电已处理' });
    expect(cancelled).toMatchObject({ ok: true, detail: { callback: { status: 'cancelled' } } });
    const conflict = await sup.request({ type: 'callback.cancel', callbackId: made[8]!.id, reason: '再次取消' });
    expect(conflict).toMatchObject({ type: 'error', code: 'CONFLICT', message: expect.stringMatching(/[\u4e00-\u9fff]/) });
    const gone = await sup.request({ type: 'callback.reschedule', callbackId: storedCallback().id, at: '2026-11-23T16:00:00+08:00' });
    expect(gone).toMatchObject({ type: 'error', code: 'NOT_FOUND' });

    const bad = await sup.request({ type: 'callbacks.list', limit: 1000 });
    expect(bad).toMatchObject({ type: 'error', code: 'INVALID_FIELD', field: 'limit' });
    const badAt = await sup.request({ type: 'callback.reschedule', callbackId: made[6]!.id, at: 'soon' });
    expect(badAt).toMatchObject({ type: 'error', code: 'INVALID_FIELD', field: 'at' });
    const badCursor = await sup.request({ type: 'callbacks.list', cursor: 'zzz' });
    expect(badCursor).toMatchObject({ type: 'error', code: 'INVALID_FIELD', field: 'cursor' });

    for (const frame of [{ type: 'callbacks.list' }, { type: 'callback.cancel', callbackId: made[0]!.id, reason: '坐席不能取消' }]) {
      const refused = await agent.request(frame);
      expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: expect.stringContaining('班长') });
    }
    expect(admin.calls.filter((c) => c.actor !== 'user:ban.zhang')).toEqual([]);
    expect((await auditOf('callback.list')).filter((e) => e.actor === 'user:ban.zhang').length).toBeGreaterThanOrEqual(2);
    expect((await auditOf('callback.cancel')).map((e) => e.details?.outcome)).toEqual(expect.arrayContaining(['ok', 'CONFLICT']));
    expect((await audit.list({ limit: 1000 })).filter((e) => e.action === 'access.denied' && e.target.startsWith('ws callback')).length).toBe(2);
    expect(sup.invalid).toEqual([]);
  });
});
