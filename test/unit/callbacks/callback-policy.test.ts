import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { admitCallback, citizenGotThrough, nextAttemptAt, overdue, recordAttempt, type CallbackAsk, type PendingCallback } from '../../../src/core/callbacks/callback.js';
import { callbackPolicy, decideIdleDialling, keepPlaceTurn, type IdleDecisionInput } from '../../../src/core/callbacks/idle-dialling.js';

// The shipped defaults: 08:00–21:00 Asia/Shanghai, 3 attempts 10 min apart doubling to 1 h,
// overdue after 24 h, abandons after 10 s, idle = nobody waiting and ≥ 2 agents free, 95 %.
const policy = callbackPolicy(loadConfig({}).config.callbacks);
const at = (local: string) => Date.parse(`${local}+08:00`);
const T0 = at('2026-11-23T10:00:00');

const ask = (over: Partial<CallbackAsk> = {}): CallbackAsk => ({
  citizenKey: 'tel:+8613800000001',
  number: '+8613800000001',
  kind: 'busy-time',
  origin: 'abandoned',
  queue: 'general',
  callId: 'call-1',
  at: T0,
  waitedMs: 45_000,
  emergency: false,
  restricted: false,
  ...over,
});
const created = (over: Partial<CallbackAsk> = {}): PendingCallback => {
  const a = admitCallback(ask(over), undefined, policy);
  if (a.action !== 'create') throw new Error(`expected create, got ${a.action}`);
  return a.callback;
};

describe('who gets a callback', () => {
  it('a caller who abandoned after a long wait gets a busy-time callback, overdue 24 h later', () => {
    expect(created()).toMatchObject({ kind: 'busy-time', status: 'pending', deadline: T0 + 24 * 3600_000, origins: ['abandoned'], queues: ['general'] });
  });

  it.each([
    [{ emergency: true }, 'emergency'],
    [{ restricted: true }, 'restricted'],
    [{ number: undefined }, 'no-number'],
    [{ waitedMs: 10_000 }, 'short-wait'],
  ])('refused: %o → %s', (over, reason) => {
    expect(admitCallback(ask(over), undefined, policy)).toEqual({ action: 'refuse', reason });
  });

  it('an overload refusal and a fault get one whatever the wait', () => {
    expect(admitCallback(ask({ origin: 'overload', waitedMs: 0 }), undefined, policy).action).toBe('create');
    expect(admitCallback(ask({ origin: 'fault', waitedMs: 0 }), undefined, policy).action).toBe('create');
  });

  it('one pending callback per number: repeats merge, keep their first arrival, and keep-place wins', () => {
    const first = created();
    const again = admitCallback(ask({ at: T0 + 60_000, callId: 'call-2', origin: 'requested', kind: 'keep-place', queue: 'enterprise' }), first, policy);
    expect(again.action).toBe('merge');
    if (again.action !== 'merge') return;
    expect(again.callback).toMatchObject({ requestedAt: T0, kind: 'keep-place', origins: ['abandoned', 'requested'], queues: ['general', 'enterprise'], callIds: ['call-1', 'call-2'] });
  });

  it('is cancelled when the citizen gets through on their own', () => {
    expect(citizenGotThrough(created())).toMatchObject({ status: 'cancelled', endReason: 'citizen-got-through' });
    // …and a finished one stays as it was.
    const reached = recordAttempt(created(), { at: T0, outcome: 'reached' }, policy);
    expect(citizenGotThrough(reached).status).toBe('reached');
  });
});

describe('attempts, backoff, window, deadline', () => {
  it('outcomes: reached ends it; invalid number and refused end it; no answer and busy retry until the attempts are used', () => {
    expect(recordAttempt(created(), { at: T0, outcome: 'reached' }, policy).status).toBe('reached');
    expect(recordAttempt(created(), { at: T0, outcome: 'invalid-number' }, policy)).toMatchObject({ status: 'failed', endReason: 'invalid-number' });
    expect(recordAttempt(created(), { at: T0, outcome: 'refused' }, policy)).toMatchObject({ status: 'failed', endReason: 'refused' });
    let cb = created();
    for (const outcome of ['no-answer', 'busy'] as const) cb = recordAttempt(cb, { at: T0, outcome }, policy);
    expect(cb.status).toBe('pending');
    cb = recordAttempt(cb, { at: T0, outcome: 'no-answer' }, policy);
    expect(cb).toMatchObject({ status: 'failed', endReason: 'attempts-used' });
    expect(cb.attempts.map((a) => a.number)).toEqual([1, 2, 3]);
  });

  it('the next attempt waits the backoff (10 min, then 20 min) and never leaves the window', () => {
    const cb1 = recordAttempt(created(), { at: T0, outcome: 'no-answer' }, policy);
    expect(nextAttemptAt(cb1, policy, T0)).toBe(T0 + 10 * 60_000);
    const cb2 = recordAttempt(cb1, { at: T0 + 10 * 60_000, outcome: 'busy' }, policy);
    expect(nextAttemptAt(cb2, policy, T0 + 10 * 60_000)).toBe(T0 + 30 * 60_000);
    const late = recordAttempt(created({ at: at('2026-11-23T20:55:00') }), { at: at('2026-11-23T20:55:00'), outcome: 'no-answer' }, policy);
    expect(nextAttemptAt(late, policy, at('2026-11-23T20:55:00'))).toBe(at('2026-11-24T08:00:00'));
  });

  it('asked at night: the first attempt is the next morning', () => {
    expect(nextAttemptAt(created({ at: at('2026-11-23T23:30:00') }), policy, at('2026-11-23T23:30:00'))).toBe(at('2026-11-24T08:00:00'));
  });

  it('overdue when the deadline passes, or when no attempt fits before it', () => {
    const cb = created();
    expect(overdue(cb, policy, T0 + 1000).status).toBe('pending');
    expect(overdue(cb, policy, cb.deadline)).toMatchObject({ status: 'overdue', endReason: 'deadline' });
    // Asked at 20:59 with a 10-hour deadline: the window reopens after it.
    const short = { ...callbackPolicy({ ...loadConfig({}).config.callbacks, deadlineHours: 10 }) };
    const night = admitCallback(ask({ at: at('2026-11-23T20:59:00') }), undefined, short);
    if (night.action !== 'create') throw new Error('expected create');
    expect(overdue(night.callback, short, at('2026-11-23T21:00:00')).status).toBe('overdue');
  });
});

describe('idle-time dialling and pacing', () => {
  const pending = (n: number, start = T0 - 3600_000) =>
    Array.from({ length: n }, (_, i) => created({ citizenKey: `tel:+86138000000${String(i).padStart(2, '0')}`, number: `+86138000000${String(i).padStart(2, '0')}`, at: start + i * 1000, callId: `c${i}` }));
  const input = (over: Partial<IdleDecisionInput> = {}): IdleDecisionInput => ({
    now: T0,
    queues: [{ queue: 'general', waiting: 0, freeAgents: 10 }],
    live: { offered: 400, answered: 399 },
    inFlight: 0,
    pending: pending(10).reverse(),
    ...over,
  });

  it('dials in arrival order, one agent each, keeping minFreeAgents − 1 free and within the in-flight cap', () => {
    const d = decideIdleDialling(input(), policy);
    // cap: ⌊0.5 × 10 free⌋ = 5
    expect(d.dial.map((x) => x.callback.callIds[0])).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(d.held).toBe('in-flight-cap');
    // Granted one by one, each grant is refused once this many are in flight (two instances deciding at once).
    expect(d.ceiling).toBe(5);
    expect(decideIdleDialling(input({ inFlight: 3 }), policy)).toMatchObject({ ceiling: 5 });
    const few = decideIdleDialling(input({ queues: [{ queue: 'general', waiting: 0, freeAgents: 3 }], live: { offered: 0, answered: 0 } }), { ...policy, pacing: { ...policy.pacing, maxInFlightPerFreeAgent: 1 } });
    // 3 free, ≥ 2 free needed before each dial: two dials, one agent stays free for live calls.
    expect(few.dial).toHaveLength(2);
  });

  it('nothing while callers wait or too few agents are free', () => {
    expect(decideIdleDialling(input({ queues: [{ queue: 'general', waiting: 1, freeAgents: 10 }] }), policy)).toMatchObject({ dial: [], held: 'not-idle' });
    expect(decideIdleDialling(input({ queues: [{ queue: 'general', waiting: 0, freeAgents: 1 }] }), policy).dial).toHaveLength(0);
  });

  it('the rate guard: the live answer rate stays ≥ 95 % even if each callback in flight cost one live answer', () => {
    // 380 answered of 400: exactly 95 % — no room.
    expect(decideIdleDialling(input({ live: { offered: 400, answered: 380 } }), policy)).toMatchObject({ dial: [], held: 'answer-rate' });
    // 383 / (400 + 2 in flight + k) ≥ 0.95 ⇒ k ≤ 1.
    const d = decideIdleDialling(input({ live: { offered: 400, answered: 383 }, inFlight: 2 }), policy);
    expect(d.dial).toHaveLength(1);
    const rate = 383 / (400 + 2 + d.dial.length);
    expect(rate).toBeGreaterThanOrEqual(0.95);
    // Quiet time: fewer than minOffered live calls — the rate is not measured, idle rules apply.
    expect(decideIdleDialling(input({ live: { offered: 5, answered: 3 } }), policy).dial.length).toBeGreaterThan(0);
  });

  it('never outside the calling window, never before the backoff, and not keep-place ones', () => {
    expect(decideIdleDialling(input({ now: at('2026-11-23T21:30:00') }), policy)).toMatchObject({ dial: [], held: 'outside-window' });
    const tried = recordAttempt(pending(1)[0]!, { at: T0 - 60_000, outcome: 'no-answer' }, policy);
    const keep = created({ kind: 'keep-place', citizenKey: 'tel:+8613900000000', number: '+8613900000000' });
    expect(decideIdleDialling(input({ pending: [tried, keep] }), policy)).toMatchObject({ dial: [], held: 'none-due' });
  });

  it('a busy queue holds its own callbacks back but not another idle queue’s', () => {
    const [a, b] = pending(2);
    const bEnterprise = { ...b!, queues: ['enterprise'] };
    const d = decideIdleDialling(
      input({ pending: [a!, bEnterprise], queues: [{ queue: 'general', waiting: 2, freeAgents: 0 }, { queue: 'enterprise', waiting: 0, freeAgents: 4 }] }),
      policy,
    );
    expect(d.dial.map((x) => [x.callback.callIds[0], x.queue])).toEqual([['c1', 'enterprise']]);
  });

  it('keep-my-place callbacks are dialled in their turn, with the agent reserved first', () => {
    const keep = created({ kind: 'keep-place' });
    expect(keepPlaceTurn(keep, 2, false, policy, T0)).toBe('wait');
    expect(keepPlaceTurn(keep, 1, false, policy, T0)).toBe('wait');
    expect(keepPlaceTurn(keep, 1, true, policy, T0)).toBe('dial');
    expect(keepPlaceTurn(keep, 1, true, policy, at('2026-11-23T22:00:00'))).toBe('to-busy-time');
  });
});
