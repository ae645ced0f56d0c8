// The callback service (issue 6) on a real redis-server: its store, its BullMQ jobs, the ACD and
// the figures are real; the desk that places an attempt is a scripted double (the composed
// gateway's placement is tested in busy-hour.test.ts). Asks, merges and refusals; the citizen
// getting through; idle-time grants in arrival order, held outside the window and when the live
// answer rate needs the agents; retries with backoff; an attempt cut off by a dead gateway;
// supervisors' cancel and reschedule.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisAcd } from '../../../src/adapters/redis/redis-acd.js';
import { RedisCallbackStore } from '../../../src/adapters/redis/redis-callback-store.js';
import { RedisCallCenterFigures } from '../../../src/adapters/redis/redis-call-center-figures.js';
import { BullmqKeyedSchedule } from '../../../src/adapters/queue/bullmq-keyed-schedule.js';
import { acdPolicy } from '../../../src/config/acd.js';
import { loadConfig } from '../../../src/config/load.js';
import { callbackPolicy } from '../../../src/core/callbacks/idle-dialling.js';
import { byArrival } from '../../../src/core/callbacks/callback.js';
import type { CallbackDialResult } from '../../../src/core/ports/callbacks.js';
import type { CallDetailRecord } from '../../../src/core/calls/call-record.js';
import type { CallRecorder } from '../../../src/services/call-recorder.js';
import { CallbackService, type CallbackAskInput, type CallbackPlacement, type PlacementResult } from '../../../src/services/callback-service.js';
import { eventually } from '../../helpers/gateway.js';
import { silentLogger } from '../../helpers/logger.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { allDayZone } from '../../helpers/callbacks.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** The desk's part, scripted: each placement answers with the next outcome (reached when none is left). */
class ScriptedDesk {
  readonly placed: CallbackPlacement[] = [];
  constructor(private readonly outcomes: CallbackDialResult['outcome'][] = []) {}
  async place(p: CallbackPlacement): Promise<PlacementResult> {
    this.placed.push(p);
    if (!(await p.dialling({ agentId: 'robot', switchId: 'sim' }))) return { placed: false, why: 'cancelled' };
    const outcome = this.outcomes.shift() ?? 'reached';
    return { placed: true, agentId: 'robot', result: { outcome, callId: p.callId, ...(outcome === 'reached' ? { recordingId: p.callId } : {}) } };
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A desk whose placements wait (their agents stay taken) until released. */
class HeldDesk {
  readonly placed: CallbackPlacement[] = [];
  private release!: () => void;
  private readonly released = new Promise<void>((r) => (this.release = r));
  async place(p: CallbackPlacement): Promise<PlacementResult> {
    this.placed.push(p);
    await Promise.race([this.released, new Promise((r) => p.signal.addEventListener('abort', r, { once: true }))]);
    return { placed: false, why: 'released' };
  }
  done(): void {
    this.release();
  }
}

function setUp(options: { desk?: ScriptedDesk | HeldDesk; window?: { start: string; end: string; timeZone: string }; retryMs?: number; keys?: RedisKeys; clockAheadMs?: number } = {}) {
  const config = loadConfig({}).config;
  const keys = options.keys ?? new RedisKeys(`cs-${randomUUID().slice(0, 8)}:`);
  const client = redis.client();
  const clock = { now: () => Date.now() + (options.clockAheadMs ?? 0) };
  const log = silentLogger();
  const policy = callbackPolicy({
    ...config.callbacks,
    window: options.window ?? { start: '00:00', end: '23:59', timeZone: allDayZone() },
    retry: { maxAttempts: 3, firstDelayMs: options.retryMs ?? 300, factor: 1, maxDelayMs: options.retryMs ?? 300 },
    idle: { maxWaiting: 0, minFreeAgents: 2 },
  });
  const acd = new RedisAcd(client, keys, acdPolicy(config.acd));
  const store = new RedisCallbackStore(client, keys, { retentionMs: 3600_000 });
  const figures = new RedisCallCenterFigures(client, keys, { shortAbandonMs: 5000, serviceLevelMs: 15_000, dayRetentionDays: 1 });
  const desk = options.desk ?? new ScriptedDesk();
  const records: CallDetailRecord[] = [];
  const recorder: CallRecorder = { record: async (r) => void records.push(r) };
  const bound: { service?: CallbackService } = {};
  const schedule = new BullmqKeyedSchedule({ redisUrl: redis.url, prefix: keys.bullPrefix, queueName: 'callbacks', jobPrefix: 'callback', what: 'callback', clock, process: (id) => bound.service!.process(id), concurrency: 10, lockDurationMs: 2000, stalledIntervalMs: 2000, log });
  const service = (bound.service = new CallbackService({ store, schedule, acd, figures, placer: () => desk, policy, queues: ['general', 'enterprise'], readyPerQueue: 4, watchMs: 50, instanceId: 'gw-test', attemptRecords: { recorder, callerIdNumber: '12345' }, clock, log }));
  schedule.start();
  cleanups.push(async () => {
    await service.stop();
    await schedule.close(true);
  });
  return { service, store, acd, figures, desk, schedule, records, keys };
}

let seq = 0;
const ask = (over: Partial<CallbackAskInput> = {}): CallbackAskInput => {
  const n = `1391234${String(1000 + ++seq)}`;
  return { citizenKey: `tel:+86${n}`, number: `+86${n}`, kind: 'busy-time', origin: 'abandoned', queue: 'general', callId: `call-${seq}`, waitedMs: 30_000, emergency: false, restricted: false, ...over };
};

describe('CallbackService', () => {
  it('keeps one pending callback per number: a repeat merges (keep-my-place wins), emergencies, restricted callers, withheld numbers and short waits are refused', async () => {
    const { service, store } = setUp();
    const first = ask();
    expect(await service.ask(first)).toBe('created');
    const place = { queue: 'general', priority: 'normal' as const, enqueuedAtMs: Date.now() - 60_000 };
    expect(await service.ask({ ...first, callId: 'again', kind: 'keep-place', origin: 'requested', place })).toBe('existing');
    const cb = (await store.pendingFor(first.citizenKey))!;
    expect(cb).toMatchObject({ kind: 'keep-place', origins: ['abandoned', 'requested'], callIds: [first.callId, 'again'], place });
    expect(await service.ask(ask({ emergency: true }))).toBe('refused');
    expect(await service.ask(ask({ restricted: true }))).toBe('refused');
    const { number: _n, ...withheld } = ask();
    expect(await service.ask(withheld)).toBe('refused');
    expect(await service.ask(ask({ waitedMs: 3000 }))).toBe('refused');
    // Only the first citizen has a callback (its job may already have placed it: the scripted desk reaches everyone).
    expect((await store.list({})).items.map((c) => c.number)).toEqual([first.number]);
  });

  it('cancels the pending callback of a citizen who got through on their own', async () => {
    const { service, store } = setUp();
    const a = ask();
    await service.ask(a);
    await service.gotThrough(a.citizenKey);
    const [cb] = (await store.list({ number: a.number! })).items;
    expect(cb).toMatchObject({ status: 'cancelled', endReason: 'citizen-got-through' });
    expect(await store.pendingFor(a.citizenKey)).toBeUndefined();
  });

  it('grants busy-time dials at idle time only, in arrival order, one agent at a time, behind every live caller', async () => {
    const { service, store, acd, desk } = setUp();
    const asks = [ask(), ask(), ask()];
    for (const a of asks) await service.ask(a);
    // Nobody free: not idle.
    expect(await service.idleRound()).toEqual([]);
    const t = Date.now();
    await acd.login('a1', { general: 1 }, t);
    await acd.login('a2', { general: 1 }, t);
    // A live caller waiting: not idle either.
    await acd.enqueue({ callId: 'live-1', queue: 'general', priority: 'normal', enqueuedAtMs: t, owner: 'gw-x' });
    expect(await service.idleRound()).toEqual([]);
    await acd.remove('live-1');
    // Idle: one dial (two free, one must stay free), the oldest first; placed behind live callers.
    const granted: string[] = [];
    for (const [i, a] of asks.entries()) {
      const [id] = await eventually(() => service.idleRound(), (g) => g.length > 0, 10_000);
      granted.push(id!);
      await eventually(() => store.get(id!), (c) => c?.status === 'reached', 10_000);
      expect(desk.placed[i]).toMatchObject({ queue: 'general', priority: 'callback', callback: { number: a.number } });
    }
    const ids = await Promise.all(asks.map(async (a) => (await store.list({ number: a.number! })).items[0]!.id));
    expect(granted).toEqual(ids);
    expect(await store.inFlight()).toBe(0);
  });

  it('two gateways deciding at the same moment on different views grant no more than the in-flight cap between them', async () => {
    const desk = new HeldDesk();
    cleanups.push(async () => desk.done());
    const a = setUp({ desk });
    // The second gateway's clock runs 10 s ahead: the first callback, rescheduled 5 s on, is due for it only.
    const b = setUp({ desk, keys: a.keys, clockAheadMs: 10_000 });
    for (let i = 0; i < 6; i++) await a.service.ask(ask());
    const first = (await a.store.list({})).items.sort(byArrival)[0]!;
    await a.service.reschedule(first.id, Date.now() + 5000, 'ban.zhang');
    const t = Date.now();
    for (const agent of ['a1', 'a2', 'a3', 'a4']) await a.acd.login(agent, { general: 1 }, t);
    // Four free, two must stay free: ⌊0.5 × 4⌋ = 2 in flight at most — for the centre, not per
    // gateway. One decides on the 2nd and 3rd callback, the other on the 1st and 2nd.
    const [ga, gb] = await Promise.all([a.service.idleRound(), b.service.idleRound()]);
    expect(ga.length + gb.length).toBe(2);
    expect(await a.store.inFlight()).toBe(2);
  });

  it('holds the dials outside the calling window and while the live answer rate needs every agent (art. 13)', async () => {
    const closed = setUp({ window: { start: '00:00', end: '00:01', timeZone: allDayZone() } });
    await closed.service.ask(ask());
    const t = Date.now();
    await closed.acd.login('b1', { general: 1 }, t);
    await closed.acd.login('b2', { general: 1 }, t);
    expect(await closed.service.idleRound()).toEqual([]);

    const busy = setUp();
    await busy.service.ask(ask());
    await busy.acd.login('c1', { general: 1 }, t);
    await busy.acd.login('c2', { general: 1 }, t);
    // 30 live calls offered in the last 15 minutes, 28 answered (93 %): a callback could cost a live answer.
    for (let i = 0; i < 30; i++) {
      await busy.figures.record({ type: 'offered', queue: 'general', callId: `l${i}`, atMs: t - 60_000 });
      if (i < 28) await busy.figures.record({ type: 'answered', queue: 'general', callId: `l${i}`, atMs: t - 50_000, waitMs: 5000 });
    }
    expect(await busy.service.idleRound()).toEqual([]);
  });

  it('retries a callback nobody answered after the backoff, and records every attempt', async () => {
    const { service, store, acd } = setUp({ desk: new ScriptedDesk(['no-answer', 'busy']), retryMs: 300 });
    const a = ask();
    await service.ask(a);
    await acd.login('d1', { general: 1 }, Date.now());
    await acd.login('d2', { general: 1 }, Date.now());
    const id = (await store.pendingFor(a.citizenKey))!.id;
    const done = await eventually(
      async () => {
        await service.idleRound();
        return store.get(id);
      },
      (c) => c?.status !== 'pending',
      15_000,
    );
    expect(done!.status).toBe('reached');
    expect(done!.attempts.map((x) => x.outcome)).toEqual(['no-answer', 'busy', 'reached']);
    expect(done!.attempts[1]!.at - done!.attempts[0]!.at).toBeGreaterThanOrEqual(300);
  });

  it('records an attempt a dead gateway cut off as interrupted, with its call record, and dials again only after the backoff', async () => {
    const { service, store, schedule, records } = setUp({ retryMs: 60_000 });
    const a = ask();
    await service.ask(a);
    const cb = (await store.pendingFor(a.citizenKey))!;
    // Another gateway had the agent on the phone and the citizen ringing when it died.
    const dialledAtMs = Date.now() - 20_000;
    const saved = await store.save({ ...cb, granted: { queue: 'general', atMs: Date.now() }, active: { attempt: 1, callId: 'leg-1', owner: 'gw-dead', startedAtMs: dialledAtMs - 5000, dialledAtMs, agentId: 'a2001', switchId: 'fs1' } });
    expect(saved).toBeDefined();
    await schedule.wake(cb.id);
    const after = await eventually(() => store.get(cb.id), (c) => (c?.attempts.length ?? 0) > 0, 10_000);
    expect(after).toMatchObject({ status: 'pending', attempts: [{ number: 1, outcome: 'interrupted', callId: 'leg-1' }] });
    expect(after!.active).toBeUndefined();
    expect(after!.granted).toBeUndefined();
    // Its call is archived (art. 17): how it ended is not known, only that it had been dialled.
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      callId: 'leg-1',
      switchId: 'fs1',
      direction: 'outbound',
      caller: '12345',
      dialled: a.number,
      disposition: 'interrupted',
      agentId: 'a2001',
      arrivedTime: new Date(dialledAtMs).toISOString(),
      entry: { kind: 'callback', context: { callbackId: cb.id, attempt: '1' } },
    });
    expect(records[0]!.durationSec).toBeGreaterThanOrEqual(20);
    expect(records[0]!.answeredTime).toBeUndefined();
    // Not ready again before the backoff.
    expect((await store.ready(['general'], Date.now(), 4)).map((c) => c.id)).not.toContain(cb.id);
  });

  it('a placement a dead gateway cut off before dialling is no attempt and no call: no record, placed again', async () => {
    const { service, store, schedule, records, desk } = setUp();
    const a = ask();
    await service.ask(a);
    const cb = (await store.pendingFor(a.citizenKey))!;
    // The dead gateway had the callback's virtual call waiting for an agent; nobody was dialled.
    await store.save({ ...cb, granted: { queue: 'general', atMs: Date.now() }, active: { attempt: 1, callId: 'leg-0', owner: 'gw-dead', startedAtMs: Date.now() } });
    await schedule.wake(cb.id);
    const done = await eventually(() => store.get(cb.id), (c) => c?.status === 'reached', 15_000);
    expect(done!.attempts.map((x) => x.outcome)).toEqual(['reached']);
    expect(desk.placed).toHaveLength(1);
    expect(records).toEqual([]);
  });

  it('lets supervisors cancel and reschedule, refusing what cannot be done with the field named', async () => {
    const { service, store } = setUp();
    const a = ask();
    await service.ask(a);
    const id = (await store.pendingFor(a.citizenKey))!.id;
    const later = Date.now() + 3600_000;
    await expect(service.reschedule(id, Date.now() + 48 * 3600_000, 'ban.zhang')).rejects.toMatchObject({ code: 'INVALID_FIELD', field: 'at' });
    const moved = await service.reschedule(id, later, 'ban.zhang');
    expect(moved).toMatchObject({ notBefore: later, history: [{ actor: 'ban.zhang', action: 'reschedule' }] });
    expect((await store.ready(['general'], Date.now(), 4)).map((c) => c.id)).not.toContain(id);
    const cancelled = await service.cancel(id, 'ban.zhang', '市民来电表示已解决');
    expect(cancelled).toMatchObject({ status: 'cancelled', endReason: 'cancelled-by-supervisor' });
    expect(cancelled.history!.at(-1)).toMatchObject({ actor: 'ban.zhang', action: 'cancel', detail: '市民来电表示已解决' });
    await expect(service.cancel(id, 'ban.zhang', 'again')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.cancel(ulid(), 'ban.zhang', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
