// The ACD store on a real redis-server: routing order, offers, releases and the races the issue
// names (a caller hanging up during an offer, lapsed offers swept twice, two dispatchers at once).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import type { AcdPolicy, QueueDef } from '../../src/core/acd/model.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const tiers = [
  { afterSec: 0, maxLevel: 1 },
  { afterSec: 20, maxLevel: 3 },
];
const queue = (id: string, skill = id, extra: Partial<QueueDef> = {}): QueueDef => ({ id, name: id, kind: 'general', skill, tiers, announceEverySec: 30, callbackOfferAfterSec: 90, ...extra });

function policy(extra: Partial<AcdPolicy> = {}): AcdPolicy {
  return {
    general: 'general',
    queues: new Map([queue('general'), queue('enterprise'), queue('counselling')].map((q) => [q.id, q])),
    leaderDuty: {},
    offerTimeoutMs: 10_000,
    wrapUpMs: 0,
    afterMissedOffer: 'not-ready',
    estimate: { recentCalls: 5, defaultHandleSec: 200 },
    ...extra,
  };
}

function store(extra: Partial<AcdPolicy> = {}, batch?: number): { acd: RedisAcd; keys: RedisKeys } {
  const keys = new RedisKeys(`t-${randomUUID().slice(0, 8)}:`);
  return { acd: new RedisAcd(redis.client(), keys, policy(extra), batch), keys };
}

const T0 = 1_800_000_000_000;
const call = (callId: string, at: number, q = 'general', priority: 'normal' | 'critical' | 'emergency-transfer' | 'callback' = 'normal') => ({
  callId,
  queue: q,
  priority,
  enqueuedAtMs: at,
  owner: 'gw-a',
});

describe('RedisAcd (real redis-server)', () => {
  it('orders callers by priority then arrival, and entering again keeps the place', async () => {
    const { acd } = store();
    expect(await acd.enqueue(call('n1', T0))).toEqual({ position: 1 });
    expect(await acd.enqueue(call('n2', T0 + 10))).toEqual({ position: 2 });
    expect(await acd.enqueue(call('c1', T0 + 20, 'general', 'critical'))).toEqual({ position: 1 });
    expect(await acd.enqueue(call('e1', T0 + 30, 'general', 'emergency-transfer'))).toEqual({ position: 1 });
    expect(await acd.enqueue(call('n1', T0 + 99))).toEqual({ position: 3 });
    expect((await acd.waiting('general')).map((c) => c.callId)).toEqual(['e1', 'c1', 'n1', 'n2']);
    expect(await acd.position('n2')).toEqual({ queue: 'general', position: 4 });
    expect(await acd.position('nobody')).toBeUndefined();
  });

  it('serves every live caller before a busy-time callback, and counts only live callers as waiting (idle-time callbacks)', async () => {
    const { acd } = store();
    await acd.enqueue(call('cb-1', T0, 'general', 'callback'));
    await acd.enqueue(call('live-late', T0 + 60_000));
    expect((await acd.waiting('general')).map((c) => c.callId)).toEqual(['live-late', 'cb-1']);
    await acd.login('a1', { general: 1, enterprise: 2 }, T0);
    expect(await acd.load(['general', 'enterprise', 'counselling'])).toEqual([
      { queue: 'general', waiting: 1, freeAgents: 1 },
      { queue: 'enterprise', waiting: 0, freeAgents: 1 },
      { queue: 'counselling', waiting: 0, freeAgents: 0 },
    ]);
    const [r] = await acd.dispatch(['general'], T0 + 61_000);
    expect(r?.callId).toBe('live-late');
    expect(await acd.load(['general'])).toEqual([{ queue: 'general', waiting: 0, freeAgents: 0 }]);
    await expect(acd.load(['nowhere'])).rejects.toThrow(/unknown queue nowhere/);
  });

  it('offers a call to the best level within reach, longest idle first, and widens reach with waiting', async () => {
    const { acd } = store();
    await acd.login('lvl2-old', { general: 2 }, T0 - 50_000);
    await acd.login('lvl1-new', { general: 1 }, T0 - 1_000);
    // Agent ids are usernames, dots included (zhang.san).
    await acd.login('lvl1.old', { general: 1 }, T0 - 9_000);
    await acd.enqueue(call('a', T0));
    await acd.enqueue(call('b', T0 + 1));
    await acd.enqueue(call('c', T0 + 2));
    const r = await acd.dispatch(['general'], T0 + 5_000);
    expect(r.map((x) => [x.callId, x.agentId])).toEqual([
      ['a', 'lvl1.old'],
      ['b', 'lvl1-new'],
    ]);
    expect(r[0]).toMatchObject({ queue: 'general', owner: 'gw-a', offerExpiresAtMs: T0 + 15_000, waitedMs: 5_000 });
    // c reaches level 2 only after 20 s of waiting.
    expect(await acd.dispatch(['general'], T0 + 19_000)).toEqual([]);
    expect((await acd.dispatch(['general'], T0 + 20_002)).map((x) => [x.callId, x.agentId])).toEqual([['c', 'lvl2-old']]);
    expect((await acd.status('lvl2-old')).state).toBe('reserved');
    expect(await acd.waiting('general')).toEqual([]);
  });

  it('serves queues in one order: an emergency transfer in one queue before an earlier normal caller in another', async () => {
    const { acd } = store();
    await acd.enqueue(call('normal-early', T0, 'enterprise'));
    await acd.enqueue(call('emergency-late', T0 + 5_000, 'general', 'emergency-transfer'));
    await acd.login('both', { general: 1, enterprise: 1 }, T0);
    const [r] = await acd.dispatch(['enterprise', 'general'], T0 + 6_000);
    expect(r!.callId).toBe('emergency-late');
    // The agent, now reserved, is out of every skill's line.
    expect(await acd.dispatch(['enterprise', 'general'], T0 + 6_000)).toEqual([]);
  });

  it('lets a lower-priority caller who waited longer reach an agent the head cannot yet', async () => {
    const { acd } = store();
    await acd.enqueue(call('normal-long', T0));
    await acd.enqueue(call('critical-new', T0 + 25_000, 'general', 'critical'));
    await acd.login('level3', { general: 3 }, T0);
    const r = await acd.dispatch(['general'], T0 + 26_000);
    expect(r.map((x) => x.callId)).toEqual(['normal-long']);
  });

  it('releases the agent at once when the caller hangs up during the offer, keeping their idle time', async () => {
    const { acd, keys } = store();
    await acd.login('ag', { general: 1 }, T0 - 60_000);
    await acd.login('other', { general: 1 }, T0 - 1_000);
    await acd.enqueue(call('gone', T0));
    const [r] = await acd.dispatch(['general'], T0 + 1_000);
    expect(r!.agentId).toBe('ag');
    expect(await acd.remove('gone')).toEqual({ releasedAgent: 'ag' });
    expect(await acd.status('ag')).toMatchObject({ state: 'available', sinceMs: T0 - 60_000 });
    expect(await acd.accept('ag', 'gone', T0 + 2_000)).toBe(false);
    expect(await acd.lapsed(T0 + 60_000)).toEqual([]);
    expect(await redis.client().exists(keys.acdCall('gone'))).toBe(0);
    // Still first in the idle line.
    await acd.enqueue(call('next', T0 + 3_000));
    expect((await acd.dispatch(['general'], T0 + 3_000))[0]!.agentId).toBe('ag');
    // A waiting call leaves without releasing anyone.
    await acd.enqueue(call('w', T0 + 4_000));
    expect(await acd.remove('w')).toEqual({});
  });

  it('accepts only a live offer: not after it lapsed, not by another agent', async () => {
    const { acd } = store();
    await acd.login('ag', { general: 1 }, T0);
    await acd.login('intruder', { enterprise: 1 }, T0);
    await acd.enqueue(call('x', T0));
    const [r] = await acd.dispatch(['general'], T0);
    expect(await acd.accept('intruder', 'x', T0 + 1)).toBe(false);
    expect(await acd.accept('ag', 'x', r!.offerExpiresAtMs)).toBe(false);
    expect(await acd.accept('ag', 'x', r!.offerExpiresAtMs - 1)).toBe(true);
    expect(await acd.status('ag')).toMatchObject({ state: 'on-call', callId: 'x' });
    // Answered: leaving the queue (the IVR's bridge) does not touch the agent.
    expect(await acd.remove('x')).toEqual({});
    expect((await acd.status('ag')).state).toBe('on-call');
  });

  it('puts a declined or lapsed call back at the head, and a lapsed offer swept by two instances is released once', async () => {
    const { acd } = store();
    await acd.login('ag', { general: 1 }, T0);
    await acd.enqueue(call('first', T0));
    const [r] = await acd.dispatch(['general'], T0 + 1_000);
    await acd.enqueue(call('later', T0 + 2_000));
    const lapsed = await acd.lapsed(r!.offerExpiresAtMs);
    expect(lapsed).toEqual([r]);
    expect(await acd.lapsed(r!.offerExpiresAtMs - 1)).toEqual([]);
    const then = { state: 'not-ready' as const, reason: 'missed-offer' as const };
    await Promise.all([acd.release('ag', 'first', r!.offerExpiresAtMs, then), acd.release('ag', 'first', r!.offerExpiresAtMs, then)]);
    expect((await acd.waiting('general')).map((c) => c.callId)).toEqual(['first', 'later']);
    expect(await acd.status('ag')).toMatchObject({ state: 'not-ready', reason: 'missed-offer' });
    expect(await acd.lapsed(T0 + 10 ** 6)).toEqual([]);
    // Declined with "available": the agent goes to the back of the idle line.
    await acd.login('b', { general: 1 }, T0 + 5_000);
    await acd.setState('ag', 'available', T0 + 6_000);
    expect((await acd.dispatch(['general'], T0 + 7_000)).map((x) => [x.callId, x.agentId])).toEqual([
      ['first', 'b'],
      ['later', 'ag'],
    ]);
    await acd.release('b', 'first', T0 + 8_000, { state: 'available' });
    expect(await acd.status('b')).toMatchObject({ state: 'available', sinceMs: T0 + 8_000 });
    expect((await acd.waiting('general')).map((c) => c.callId)).toEqual(['first']);
  });

  it('refuses agent-chosen states while an offer rings or a call is on, and wraps up after a call', async () => {
    const { acd } = store({ wrapUpMs: 30_000 });
    await acd.login('ag', { general: 1 }, T0);
    await acd.enqueue(call('x', T0));
    await acd.dispatch(['general'], T0);
    expect((await acd.setState('ag', 'not-ready', T0 + 1, 'break')).state).toBe('reserved');
    await acd.accept('ag', 'x', T0 + 2_000);
    expect((await acd.setState('ag', 'available', T0 + 3_000)).state).toBe('on-call');
    expect(await acd.endCall('ag', T0 + 122_000)).toMatchObject({ state: 'wrap-up', sinceMs: T0 + 122_000 });
    await acd.enqueue(call('y', T0 + 123_000));
    expect(await acd.dispatch(['general'], T0 + 151_999)).toEqual([]);
    // Wrap-up over: available again by itself, idle from the end of wrap-up.
    const [r] = await acd.dispatch(['general'], T0 + 152_000);
    expect(r).toMatchObject({ callId: 'y', agentId: 'ag' });
    // y waits: the mean handle time is the 120 s talked plus 30 s wrap-up.
    await acd.release('ag', 'y', T0 + 153_000, { state: 'not-ready', reason: 'break' });
    const s = await acd.standing('y');
    expect(s).toMatchObject({ queue: 'general', state: 'waiting', position: 1, staffed: 1, available: 0, meanHandleSec: 150, estimatedWaitSec: 75 });
  });

  it('moves a call to another queue keeping its arrival time (overflow)', async () => {
    const { acd } = store();
    await acd.enqueue(call('g-late', T0 + 50_000));
    await acd.enqueue(call('ent', T0, 'enterprise'));
    expect(await acd.move('ent', 'general')).toEqual({ position: 1 });
    expect((await acd.waiting('general')).map((c) => c.callId)).toEqual(['ent', 'g-late']);
    expect(await acd.waiting('enterprise')).toEqual([]);
    expect(await acd.move('ent', 'counselling', 'emergency-transfer')).toEqual({ position: 1 });
    expect((await acd.standing('ent'))!.enqueuedAtMs).toBe(T0);
  });

  it('puts an offered call back at the head when its agent logs out', async () => {
    const { acd } = store();
    await acd.login('ag', { general: 1 }, T0);
    await acd.enqueue(call('x', T0));
    await acd.dispatch(['general'], T0);
    expect((await acd.logout('ag', T0 + 1)).state).toBe('logged-out');
    expect(await acd.position('x')).toEqual({ queue: 'general', position: 1 });
    expect(await acd.agents()).toEqual([]);
    expect(await acd.lapsed(T0 + 10 ** 6)).toEqual([]);
  });

  it('rejects bad input with an error naming the field', async () => {
    const { acd } = store();
    await expect(acd.enqueue(call('x', T0, 'nope'))).rejects.toMatchObject({ code: 'INVALID_FIELD', field: 'queue' });
    await expect(acd.login('a b', { general: 1 }, T0)).rejects.toMatchObject({ field: 'agentId' });
    await expect(acd.login('a', { general: 0 }, T0)).rejects.toMatchObject({ field: 'skills.general' });
    await expect(acd.login('a', {}, T0)).rejects.toMatchObject({ field: 'skills' });
    await expect(acd.dispatch(['nope'], T0)).rejects.toMatchObject({ field: 'queues' });
    await expect(acd.move('x', 'nope')).rejects.toMatchObject({ field: 'toQueue' });
    // A call answered or gone meanwhile (an overflow racing an answer) is no error.
    expect(await acd.move('nobody', 'general')).toEqual({ position: 0 });
    await expect(acd.setState('a', 'not-ready', T0)).rejects.toMatchObject({ field: 'reason' });
  });

  it('never gives one agent two calls when dispatchers race, however the batches split', async () => {
    const { acd, keys } = store({}, 3);
    const twin = new RedisAcd(redis.client(), keys, policy(), 2);
    for (let i = 0; i < 40; i++) await acd.login(`a${i}`, { general: 1 + (i % 3), enterprise: 1 }, T0 - i);
    for (let i = 0; i < 60; i++) await acd.enqueue(call(`c${i}`, T0 + i, i % 2 ? 'general' : 'enterprise'));
    const results = await Promise.all([...Array(6)].map((_, i) => (i % 2 ? acd : twin).dispatch(['general', 'enterprise'], T0 + 30_000)));
    const all = results.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all.map((r) => r.agentId)).size).toBe(40);
    expect(new Set(all.map((r) => r.callId)).size).toBe(40);
  });

  describe('named reservations (transfers to another agent)', () => {
    const answered = async (acd: RedisAcd, agentId: string, callId: string, at: number) => {
      await acd.enqueue(call(callId, at));
      const [r] = await acd.dispatch(['general'], at);
      expect(r).toMatchObject({ callId, agentId });
      expect(await acd.accept(agentId, callId, at + 1)).toBe(true);
      await acd.remove(callId); // the IVR's leave-queue on the bridge
    };

    it('a consult hold keeps the agent out of dispatch until join: then on the call, the first agent in wrap-up', async () => {
      const { acd } = store({ wrapUpMs: 30_000 });
      await acd.login('one', { general: 1 }, T0 - 10_000);
      await answered(acd, 'one', 'x', T0);
      await acd.login('two', { general: 1 }, T0 - 5_000);
      const hold = await acd.reserve('two', T0 + 1_000, { kind: 'consult', callId: 'x', owner: 'gw-a', queue: 'general' });
      expect(hold).toEqual({ callId: 'x', agentId: 'two', queue: 'general', owner: 'gw-a', offerExpiresAtMs: 0, waitedMs: 0 });
      expect(await acd.status('two')).toMatchObject({ state: 'reserved', callId: 'x' });
      // Held: a new caller is not offered to them; not swept, not accepted as an offer.
      await acd.enqueue(call('y', T0 + 2_000));
      expect(await acd.dispatch(['general'], T0 + 2_000)).toEqual([]);
      expect(await acd.lapsed(T0 + 10 ** 7)).toEqual([]);
      expect(await acd.accept('two', 'x', T0 + 2_001)).toBe(false);
      // Held once only; another call's join is refused.
      expect(await acd.reserve('two', T0 + 2_002, { kind: 'consult', callId: 'x', owner: 'gw-a' })).toBeUndefined();
      expect(await acd.join('two', 'other', T0 + 2_003, 'one')).toBe(false);
      expect(await acd.join('two', 'x', T0 + 3_000, 'one')).toBe(true);
      expect(await acd.status('two')).toMatchObject({ state: 'on-call', callId: 'x', sinceMs: T0 + 3_000 });
      expect(await acd.status('one')).toMatchObject({ state: 'wrap-up', sinceMs: T0 + 3_000 });
      // The first agent's endCall after the join changes nothing.
      expect(await acd.endCall('one', T0 + 3_500)).toMatchObject({ state: 'wrap-up', sinceMs: T0 + 3_000 });
      expect(await acd.dispatch(['general'], T0 + 4_000)).toEqual([]);
      // The second agent's hang-up: their wrap-up, their talk time in the queue's handle times.
      expect(await acd.endCall('two', T0 + 63_000)).toMatchObject({ state: 'wrap-up' });
      expect((await acd.standing('y'))!.meanHandleSec).toBe(Math.round((2.999 + 60) / 2 + 30)); // one talked from the accept (T0 + 1) to the join
    });

    it('a consult hold released: available again in their old place of the idle line, the call untouched', async () => {
      const { acd, keys } = store();
      await acd.login('one', { general: 1 }, T0 - 10_000);
      await answered(acd, 'one', 'x', T0);
      await acd.login('two', { general: 1 }, T0 - 9_000);
      await acd.login('three', { general: 1 }, T0 - 1_000);
      expect(await acd.reserve('two', T0 + 1_000, { kind: 'consult', callId: 'x', owner: 'gw-a' })).toBeDefined();
      await acd.release('two', 'x', T0 + 2_000, { state: 'available' });
      expect(await acd.status('two')).toMatchObject({ state: 'available', sinceMs: T0 - 9_000 });
      expect(await acd.status('one')).toMatchObject({ state: 'on-call', callId: 'x' });
      expect(await redis.client().exists(keys.acdCall('x'))).toBe(0);
      expect(await acd.join('two', 'x', T0 + 3_000, 'one')).toBe(false);
      await acd.enqueue(call('y', T0 + 4_000));
      expect((await acd.dispatch(['general'], T0 + 4_000)).map((r) => r.agentId)).toEqual(['two']);
    });

    it('an offer to a named agent: the first agent wraps up in the same step; a decline puts the call at the head of its queue', async () => {
      const { acd } = store({ wrapUpMs: 30_000 });
      await acd.login('one', { general: 1 }, T0 - 10_000);
      await answered(acd, 'one', 'x', T0);
      await acd.login('busy', { general: 1 }, T0);
      await acd.setState('busy', 'not-ready', T0, 'break');
      const offer = (agentId: string, from = 'one') => acd.reserve(agentId, T0 + 5_000, { kind: 'offer', call: call('x', T0), from });
      expect(await offer('busy')).toBeUndefined();
      expect(await offer('nobody')).toBeUndefined();
      expect(await acd.status('one')).toMatchObject({ state: 'on-call', callId: 'x' });
      await acd.login('two', { general: 1 }, T0 - 5_000);
      // Only the agent talking on the call can pass it on (one call, one agent).
      expect(await offer('two', 'busy')).toBeUndefined();
      const r = await offer('two');
      expect(r).toEqual({ callId: 'x', agentId: 'two', queue: 'general', owner: 'gw-a', offerExpiresAtMs: T0 + 15_000, waitedMs: 5_000 });
      expect(await acd.status('one')).toMatchObject({ state: 'wrap-up', sinceMs: T0 + 5_000 });
      expect(await acd.status('two')).toMatchObject({ state: 'reserved', callId: 'x' });
      expect(await acd.standing('x')).toMatchObject({ state: 'reserved', enqueuedAtMs: T0 });
      // Offered to one agent: a second named offer is refused.
      await acd.login('three', { general: 1 }, T0);
      expect(await acd.reserve('three', T0 + 5_001, { kind: 'offer', call: call('x', T0) })).toBeUndefined();
      // Declined: at the head of the queue, ahead of a later caller, first arrival kept.
      await acd.enqueue(call('later', T0 + 1_000));
      await acd.release('two', 'x', T0 + 6_000, { state: 'not-ready', reason: 'missed-offer' });
      expect((await acd.waiting('general')).map((c) => [c.callId, c.enqueuedAtMs])).toEqual([
        ['x', T0],
        ['later', T0 + 1_000],
      ]);
      // Lapsed offers are swept as any.
      const [again] = await acd.dispatch(['general'], T0 + 7_000);
      expect(again).toMatchObject({ callId: 'x', agentId: 'three' });
    });

    it('an offer to a named agent accepted is a call like any; a waiting call can be offered by name too', async () => {
      const { acd } = store();
      await acd.login('one', { general: 1 }, T0 - 10_000);
      await answered(acd, 'one', 'x', T0);
      await acd.login('two', { general: 1 }, T0);
      const r = await acd.reserve('two', T0 + 1_000, { kind: 'offer', call: call('x', T0), from: 'one' });
      expect(await acd.lapsed(r!.offerExpiresAtMs)).toEqual([r]);
      expect(await acd.accept('two', 'x', T0 + 2_000)).toBe(true);
      expect(await acd.status('two')).toMatchObject({ state: 'on-call', callId: 'x' });
      expect(await acd.lapsed(T0 + 10 ** 7)).toEqual([]);
      await acd.enqueue(call('w', T0 + 3_000));
      // One only available agent for a waiting call; a caller who hangs up releases them at once.
      await acd.setState('one', 'available', T0 + 3_000);
      const w = await acd.reserve('one', T0 + 4_000, { kind: 'offer', call: call('w', T0 + 3_000) });
      expect(w).toMatchObject({ callId: 'w', agentId: 'one', waitedMs: 1_000 });
      expect(await acd.waiting('general')).toEqual([]);
      expect(await acd.remove('w')).toEqual({ releasedAgent: 'one' });
      // A call nobody talks on and that waits nowhere cannot be offered (no zombie call).
      expect(await acd.reserve('one', T0 + 5_000, { kind: 'offer', call: call('gone', T0) })).toBeUndefined();
    });

    it("ending a call leaves the call's entry alone when it no longer names the agent (requeued after the agent's phone failed)", async () => {
      const { acd } = store();
      await acd.login('one', { general: 1 }, T0);
      await acd.enqueue(call('x', T0));
      await acd.dispatch(['general'], T0);
      await acd.accept('one', 'x', T0 + 1);
      // OwnedCalls.backToQueue: out and in again with the first arrival time, then the agent's call ends.
      await acd.remove('x');
      await acd.enqueue(call('x', T0));
      await acd.endCall('one', T0 + 2);
      expect(await acd.waiting('general')).toEqual([call('x', T0)]);
      expect(await acd.standing('x')).toMatchObject({ state: 'waiting', position: 1 });
    });

    it('rejects bad input naming the field', async () => {
      const { acd } = store();
      await expect(acd.reserve('a b', T0, { kind: 'consult', callId: 'x', owner: 'gw-a' })).rejects.toMatchObject({ field: 'agentId' });
      await expect(acd.reserve('a', T0, { kind: 'offer', call: call('x', T0, 'nope') })).rejects.toMatchObject({ field: 'call.queue' });
      await expect(acd.reserve('a', T0, { kind: 'consult', callId: 'x', owner: 'gw-a', queue: 'nope' })).rejects.toMatchObject({ field: 'queue' });
      await expect(acd.reserve('a', T0, { kind: 'other' } as never)).rejects.toMatchObject({ field: 'kind' });
    });

    it('a named reservation racing dispatches never gives one agent two calls or one call two agents', async () => {
      for (let round = 0; round < 20; round++) {
        const { acd, keys } = store();
        const twin = new RedisAcd(redis.client(), keys, policy(), 1);
        await acd.login('one', { general: 1 }, T0 - 100);
        await answered(acd, 'one', 'talk', T0 - 50);
        await acd.login('target', { general: 1 }, T0 - 10);
        for (let i = 0; i < 3; i++) await acd.enqueue(call(`q${i}`, T0 + i));
        const consult = round % 2 === 0;
        const [named, ...dispatched] = await Promise.all([
          consult
            ? acd.reserve('target', T0 + 10, { kind: 'consult', callId: 'talk', owner: 'gw-a' })
            : acd.reserve('target', T0 + 10, { kind: 'offer', call: call('q2', T0 + 2) }),
          twin.dispatch(['general'], T0 + 10),
          acd.dispatch(['general'], T0 + 10),
        ]);
        const offers = dispatched.flat();
        const target = await acd.status('target');
        // Exactly one of them has the target, and the target is reserved for that one call.
        expect(offers.filter((r) => r.agentId === 'target').length + (named ? 1 : 0)).toBe(1);
        expect(target.state).toBe('reserved');
        expect(target.callId).toBe(named ? named.callId : offers.find((r) => r.agentId === 'target')!.callId);
        if (named && !consult) expect(offers.map((r) => r.callId)).not.toContain('q2');
      }
    });
  });
});
