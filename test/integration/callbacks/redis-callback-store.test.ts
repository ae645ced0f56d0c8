// The callback store (issue 6) on a real redis-server: one pending callback per number, the
// compare-and-set save, the ready sets in arrival order with due times, the atomic grant between
// two clients, in-flight counts, ended records leaving the dialler's indexes, the supervisors'
// list with filters and a cursor, retention, and bad input named by field.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisCallbackStore } from '../../../src/adapters/redis/redis-callback-store.js';
import { HotlineError } from '../../../src/core/errors.js';
import type { StoredCallback } from '../../../src/core/ports/callbacks.js';
import { storedCallback } from '../../builders/callback.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);

function fresh(options: { retentionMs?: number; promotePerCall?: number } = {}) {
  const keys = new RedisKeys(`t-${randomUUID().slice(0, 8)}:`);
  const client = redis.client();
  return { keys, client, store: new RedisCallbackStore(client, keys, { retentionMs: options.retentionMs ?? 7 * 86_400_000, ...(options.promotePerCall ? { promotePerCall: options.promotePerCall } : {}) }) };
}

async function created(store: RedisCallbackStore, overrides: Partial<StoredCallback> = {}): Promise<StoredCallback> {
  const cb = storedCallback(overrides);
  expect(await store.create(cb)).toBe(true);
  return cb;
}

async function fieldOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HotlineError && err.code === 'INVALID_FIELD') return err.field;
    throw err;
  }
  throw new Error('no error');
}

describe('RedisCallbackStore', () => {
  it('keeps one pending callback per number: a second create for the citizen is refused until the first ends', async () => {
    const { store } = fresh();
    const first = await created(store, { requestedAt: T0 });
    const again = storedCallback({ number: first.number, citizenKey: first.citizenKey, requestedAt: T0 + 1000 });
    expect(await store.create(again)).toBe(false);
    expect(await store.get(again.id)).toBeUndefined();
    expect((await store.pendingFor(first.citizenKey))?.id).toBe(first.id);

    const ended = await store.save({ ...first, status: 'reached' });
    expect(ended?.revision).toBe(1);
    expect(await store.pendingFor(first.citizenKey)).toBeUndefined();
    expect(await store.create(again)).toBe(true);
    expect((await store.pendingFor(first.citizenKey))?.id).toBe(again.id);
    // The ended one cannot come back to pending beside the new one.
    await expect(store.save({ ...ended!, status: 'pending' })).rejects.toMatchObject({ code: 'CONFLICT' });
    // The same id twice is a conflict, not a silent overwrite.
    await expect(store.create({ ...first, citizenKey: 'tel:+8613900000001', number: '+8613900000001' })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('save is a compare-and-set: a stale revision is refused and changes nothing', async () => {
    const { store } = fresh();
    const cb = await created(store);
    const a = await store.save({ ...cb, notBefore: T0 + 60_000 });
    expect(a?.revision).toBe(1);
    expect(await store.save({ ...cb, status: 'cancelled' })).toBeUndefined();
    const now = await store.get(cb.id);
    expect(now).toMatchObject({ revision: 1, status: 'pending', notBefore: T0 + 60_000 });
    const b = await store.save({ ...now!, status: 'cancelled', endReason: 'supervisor' });
    expect(b).toMatchObject({ revision: 2, status: 'cancelled' });
    expect(await store.get(cb.id)).toEqual(b);
    await expect(store.save(storedCallback())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('ready lists busy-time callbacks in arrival order across queues, at most perQueue per queue, each once', async () => {
    const { store } = fresh();
    const c3 = await created(store, { requestedAt: T0 + 3000, queues: ['general'] });
    const c1 = await created(store, { requestedAt: T0 + 1000, queues: ['enterprise', 'general'] });
    const c2 = await created(store, { requestedAt: T0 + 2000, queues: ['enterprise'] });
    const c4 = await created(store, { requestedAt: T0 + 4000, queues: ['general'] });
    await created(store, { requestedAt: T0 + 500, queues: ['general'], kind: 'keep-place' });
    await created(store, { requestedAt: T0 + 600, queues: ['counselling'] });

    const all = await store.ready(['general', 'enterprise'], T0 + 10_000, 10);
    expect(all.map((c) => c.id)).toEqual([c1.id, c2.id, c3.id, c4.id]);
    const two = await store.ready(['general', 'enterprise'], T0 + 10_000, 2);
    // general: c1, c3; enterprise: c1 (seen), c2.
    expect(two.map((c) => c.id)).toEqual([c1.id, c2.id, c3.id]);
    expect(await store.ready(['counselling'], T0, 5)).toHaveLength(1);
    expect(await store.ready([], T0, 5)).toEqual([]);
  });

  it('ready respects the due time (retry backoff) and notBefore (reschedule): a callback waits until then, then takes its arrival place', async () => {
    const { store } = fresh();
    const early = await created(store, { requestedAt: T0 + 1000 });
    const late = await created(store, { requestedAt: T0 + 2000 });
    const backoff = await store.save({ ...early, attempts: [{ number: 1, at: T0 + 5000, outcome: 'no-answer' }], dueAtMs: T0 + 605_000 });
    const rescheduled = await store.save({ ...late, notBefore: T0 + 3600_000, dueAtMs: T0 + 2000 });
    expect(backoff && rescheduled).toBeTruthy();

    expect(await store.ready(['general'], T0 + 600_000, 10)).toEqual([]);
    expect((await store.ready(['general'], T0 + 605_000, 10)).map((c) => c.id)).toEqual([early.id]);
    // Once promoted it stays ready; the rescheduled one joins at its own (later) arrival place.
    expect((await store.ready(['general'], T0 + 3600_000, 10)).map((c) => c.id)).toEqual([early.id, late.id]);
    // A new save with a due time in the future takes it out again.
    const cur = await store.get(early.id);
    await store.save({ ...cur!, dueAtMs: T0 + 7200_000 });
    expect((await store.ready(['general'], T0 + 3600_000, 10)).map((c) => c.id)).toEqual([late.id]);
  });

  it('promotion is bounded per call and catches up over calls', async () => {
    const { store } = fresh({ promotePerCall: 3 });
    for (let i = 0; i < 7; i++) await created(store, { requestedAt: T0 + i, dueAtMs: T0 + 1000 });
    expect(await store.ready(['general'], T0 + 1000, 100)).toHaveLength(3);
    expect(await store.ready(['general'], T0 + 1000, 100)).toHaveLength(6);
    expect(await store.ready(['general'], T0 + 1000, 100)).toHaveLength(7);
  });

  it('grant is atomic: two clients granting the same callbacks concurrently, round after round, exactly one wins each', async () => {
    const { keys, store } = fresh();
    const other = new RedisCallbackStore(redis.client(), keys, { retentionMs: 86_400_000 });
    const rounds = 200;
    const cbs: StoredCallback[] = [];
    for (let i = 0; i < rounds; i++) cbs.push(await created(store, { requestedAt: T0 + i, queues: ['general', 'enterprise'] }));
    const results = await Promise.all(
      cbs.map((cb, i) =>
        Promise.all([store.grant(cb.id, 'general', T0 + 10_000 + i), other.grant(cb.id, i % 2 ? 'enterprise' : 'general', T0 + 10_000 + i)]),
      ),
    );
    for (const [a, b] of results) expect(Number(!!a) + Number(!!b)).toBe(1);
    const winner = results[0]![0] ?? results[0]![1];
    expect(winner).toMatchObject({ revision: 1, granted: { atMs: T0 + 10_000 } });
    expect(await store.inFlight()).toBe(rounds);
    expect(await store.ready(['general', 'enterprise'], T0 + 100_000, 10)).toEqual([]);
    // Granted callbacks are not granted again.
    expect(await other.grant(cbs[0]!.id, 'general', T0 + 20_000)).toBeUndefined();
  });

  it("grant keeps to the decision's in-flight ceiling across clients granting at once; keep-my-place callbacks are not counted", async () => {
    const { keys, store } = fresh();
    const other = new RedisCallbackStore(redis.client(), keys, { retentionMs: 86_400_000 });
    const cbs: StoredCallback[] = [];
    for (let i = 0; i < 6; i++) cbs.push(await created(store, { requestedAt: T0 + i, queues: ['general'] }));
    // Each client decided on the same figures (nothing in flight): three dials, ceiling 3.
    const results = await Promise.all(cbs.map((cb, i) => (i % 2 ? other : store).grant(cb.id, 'general', T0 + 10_000, 3)));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await store.inFlight()).toBe(3);
    await expect(store.grant(cbs[0]!.id, 'general', T0, -1)).rejects.toMatchObject({ code: 'INVALID_FIELD', field: 'maxInFlight' });
    // Without a ceiling (a caller that judged the cap itself) the grant goes through.
    const left = cbs.find((_, i) => !results[i])!;
    expect(await store.grant(left.id, 'general', T0 + 10_000)).toBeDefined();
  });

  it('granted and active callbacks are out of ready and counted in flight until the attempt is recorded', async () => {
    const { store } = fresh();
    const a = await created(store, { requestedAt: T0 + 1 });
    const b = await created(store, { requestedAt: T0 + 2 });
    const keep = await created(store, { requestedAt: T0 + 3, kind: 'keep-place' });
    const granted = await store.grant(a.id, 'general', T0 + 100);
    expect(granted).toMatchObject({ id: a.id, revision: 1, granted: { queue: 'general', atMs: T0 + 100 } });
    expect(await store.inFlight()).toBe(1);
    expect((await store.ready(['general'], T0 + 200, 10)).map((c) => c.id)).toEqual([b.id]);
    await expect(store.grant(b.id, 'counselling', T0)).rejects.toMatchObject({ code: 'INVALID_FIELD', field: 'queue' });

    // The attempt starts (active), then ends with no answer and a backoff.
    const active = await store.save({ ...granted!, active: { attempt: 1, callId: 'cb-leg-1', owner: 'gw-a', startedAtMs: T0 + 150 } });
    expect(active).toBeDefined();
    expect((await store.get(a.id))?.granted).toEqual({ queue: 'general', atMs: T0 + 100 });
    expect(await store.inFlight()).toBe(1);
    expect(await store.grant(a.id, 'general', T0 + 200)).toBeUndefined();
    const { active: _a, granted: _g, ...rest } = active!;
    const done = await store.save({ ...rest, attempts: [{ number: 1, at: T0 + 200, outcome: 'no-answer', callId: 'cb-leg-1' }], dueAtMs: T0 + 600_200 });
    expect(done?.granted).toBeUndefined();
    expect(await store.inFlight()).toBe(0);
    expect((await store.ready(['general'], T0 + 600_200, 10)).map((c) => c.id)).toEqual([a.id, b.id]);

    // A keep-place callback being placed does not count (it is served in its turn, not at idle time).
    await store.save({ ...keep, active: { attempt: 1, callId: 'kp-1', owner: 'gw-a', startedAtMs: T0 } });
    expect(await store.inFlight()).toBe(0);
  });

  it('a final status leaves every index but the lists and counts', async () => {
    const { keys, client, store } = fresh();
    const finals = ['reached', 'failed', 'cancelled', 'overdue'] as const;
    const cbs: StoredCallback[] = [];
    for (const [i, status] of finals.entries()) {
      const cb = await created(store, { requestedAt: T0 + i, queues: ['general', 'enterprise'] });
      const g = i % 2 ? await store.grant(cb.id, 'general', T0) : cb;
      const { granted: _g, ...rest } = g!;
      cbs.push((await store.save({ ...rest, status }))!);
    }
    expect(await store.ready(['general', 'enterprise'], T0 + 1e9, 10)).toEqual([]);
    expect(await store.inFlight()).toBe(0);
    for (const cb of cbs) expect(await store.pendingFor(cb.citizenKey)).toBeUndefined();
    expect(await client.hlen(keys.callbackPendingByCitizen)).toBe(0);
    expect(await client.zcard(keys.callbackLater)).toBe(0);
    expect(await store.counts()).toEqual({ pending: 0, reached: 1, failed: 1, cancelled: 1, overdue: 1 });
    expect((await store.list({})).items.map((c) => c.status)).toEqual(['overdue', 'cancelled', 'failed', 'reached']);
    // Ended records expire; a pending one never does.
    expect(await client.pttl(keys.callbackRecord(cbs[0]!.id))).toBeGreaterThan(6 * 86_400_000);
    const pending = await created(store);
    expect(await client.pttl(keys.callbackRecord(pending.id))).toBe(-1);
  });

  it('ended records and their list entries go after the retention, pending ones stay', async () => {
    const { keys, client, store } = fresh({ retentionMs: 150 });
    const ended = await created(store, { requestedAt: T0 });
    await store.save({ ...ended, status: 'cancelled' });
    const pending = await created(store, { requestedAt: T0 + 1 });
    expect((await store.counts()).cancelled).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await store.counts()).toMatchObject({ cancelled: 0, pending: 1 });
    expect(await client.exists(keys.callbackRecord(ended.id))).toBe(0);
    expect((await store.list({})).items.map((c) => c.id)).toEqual([pending.id]);
    expect(await client.zcard(keys.callbackList('all'))).toBe(1);
  });

  it('lists newest request first with filters, and pages with a cursor that stays stable while records are added', async () => {
    const { store } = fresh();
    const made: StoredCallback[] = [];
    for (let i = 0; i < 30; i++) {
      const cb = await created(store, {
        requestedAt: T0 + i * 1000,
        queues: i % 3 === 0 ? ['enterprise', 'general'] : ['general'],
        kind: i % 5 === 0 ? 'keep-place' : 'busy-time',
      });
      made.push(i % 4 === 0 ? (await store.save({ ...cb, status: 'failed', endReason: 'attempts-used' }))! : cb);
    }
    const newestFirst = [...made].reverse();
    const ids = (cbs: StoredCallback[]) => cbs.map((c) => c.id);

    expect(ids((await store.list({})).items)).toEqual(ids(newestFirst));
    expect(ids((await store.list({ status: ['failed'] })).items)).toEqual(ids(newestFirst.filter((c) => c.status === 'failed')));
    expect(ids((await store.list({ status: ['failed', 'pending'], kind: 'keep-place' })).items)).toEqual(ids(newestFirst.filter((c) => c.kind === 'keep-place')));
    expect(ids((await store.list({ queue: 'enterprise', status: ['pending'] })).items)).toEqual(
      ids(newestFirst.filter((c) => c.queues.includes('enterprise') && c.status === 'pending')),
    );
    expect(ids((await store.list({ number: made[7]!.number })).items)).toEqual([made[7]!.id]);
    expect(ids((await store.list({ fromMs: T0 + 10_000, toMs: T0 + 20_000 })).items)).toEqual(ids(newestFirst.filter((c) => c.requestedAt >= T0 + 10_000 && c.requestedAt < T0 + 20_000)));
    expect(ids((await store.list({ fromMs: T0 + 10_000, toMs: T0 + 20_000, kind: 'busy-time' })).items)).toEqual(
      ids(newestFirst.filter((c) => c.requestedAt >= T0 + 10_000 && c.requestedAt < T0 + 20_000 && c.kind === 'busy-time')),
    );

    // Pages of 7, with records added (newer and older) between pages: no repeats, no gaps.
    const seen: string[] = [];
    let page = await store.list({ limit: 7 });
    seen.push(...ids(page.items));
    let added = 0;
    while (page.next) {
      await created(store, { requestedAt: T0 + 100_000 + added });
      added++;
      page = await store.list({ limit: 7, cursor: page.next });
      seen.push(...ids(page.items));
    }
    expect(seen).toEqual(ids(newestFirst));
    // Filtered pages too.
    const busy: string[] = [];
    let p = await store.list({ kind: 'busy-time', status: ['pending'], limit: 4 });
    busy.push(...ids(p.items));
    while (p.next) {
      p = await store.list({ kind: 'busy-time', status: ['pending'], limit: 4, cursor: p.next });
      busy.push(...ids(p.items));
    }
    const whole = await store.list({ kind: 'busy-time', status: ['pending'], limit: 500 });
    expect(whole.next).toBeUndefined();
    expect(busy).toEqual(ids(whole.items));
    expect(busy).toHaveLength(newestFirst.filter((c) => c.kind === 'busy-time' && c.status === 'pending').length + added);
  });

  it('bad input is an INVALID_FIELD error naming the field', async () => {
    const { store } = fresh();
    expect(await fieldOf(store.list({ limit: 501 }))).toBe('limit');
    expect(await fieldOf(store.list({ limit: 0 }))).toBe('limit');
    expect(await fieldOf(store.list({ limit: 2.5 }))).toBe('limit');
    expect(await fieldOf(store.list({ status: ['pending', 'lost' as never] }))).toBe('status.1');
    expect(await fieldOf(store.list({ kind: 'later' as never }))).toBe('kind');
    expect(await fieldOf(store.list({ number: '13812345678' }))).toBe('number');
    expect(await fieldOf(store.list({ queue: 'a,b' }))).toBe('queue');
    expect(await fieldOf(store.list({ fromMs: -1 }))).toBe('fromMs');
    expect(await fieldOf(store.list({ fromMs: 10, toMs: 5 }))).toBe('toMs');
    expect(await fieldOf(store.list({ cursor: 'not-a-cursor' }))).toBe('cursor');
    expect(await fieldOf(store.get('nope'))).toBe('id');
    expect(await fieldOf(store.create(storedCallback({ number: '12345' })))).toBe('number');
    expect(await fieldOf(store.create(storedCallback({ queues: [] })))).toBe('queues');
    expect(await fieldOf(store.create(storedCallback({ queues: ['ok', 'bad|queue'] })))).toBe('queues.1');
    expect(await fieldOf(store.create(storedCallback({ status: 'done' as never })))).toBe('status');
    expect(await fieldOf(store.create(storedCallback({ dueAtMs: Number.NaN })))).toBe('dueAtMs');
    expect(await fieldOf(store.ready(['general'], T0, 0))).toBe('perQueue');
    expect(await fieldOf(store.ready(['general', ''], T0, 1))).toBe('queues.1');
    expect(await fieldOf(store.grant(storedCallback().id, 'general', Number.POSITIVE_INFINITY))).toBe('nowMs');
  });
});
