import { describe, expect, it } from 'vitest';
import type { HotlineError } from '../../../src/core/errors.js';
import { nextStep, parseSurveyRequest, type AttemptRecord, type SurveyPolicy, type SurveyRequest, type SurveyState } from '../../../src/core/surveys/survey.js';

const at = (local: string) => Date.parse(`${local}+08:00`);
const NOW = at('2026-11-23T10:00:00');
const policy: SurveyPolicy = {
  window: { start: '08:00', end: '21:00', timeZone: 'Asia/Shanghai' },
  retry: { maxAttempts: 3, firstDelayMs: 30 * 60_000, factor: 2, maxDelayMs: 4 * 3600_000 },
  confidential: 'phone-only',
  restricted: 'sms-only',
  smsEnabled: true,
};
const request = (over: Partial<SurveyRequest> = {}): SurveyRequest => ({
  workOrderId: 'WO1',
  phone: '+8613812345678',
  deadline: at('2026-11-26T18:00:00'),
  channelPreference: 'phone',
  confidential: false,
  requestedAt: NOW,
  ...over,
});
const state = (over: Partial<SurveyState> = {}): SurveyState => ({ request: request(), attempts: [], restricted: false, ...over });
const call = (number: number, outcome: AttemptRecord['outcome'], endedAt: number): AttemptRecord => ({ number, channel: 'phone', startedAt: endedAt - 30_000, endedAt, outcome });

describe('survey request validation', () => {
  const field = (input: Record<string, unknown>) => {
    try {
      parseSurveyRequest(input, NOW);
    } catch (err) {
      return (err as HotlineError).field;
    }
    return undefined;
  };
  const good = { workOrderId: 'WO20261123000001', citizenPhone: '138-1234-5678', deadline: '2026-11-26T10:00:00Z' };
  it('normalises the phone to E.164 and defaults the channel to phone', () => {
    expect(parseSurveyRequest(good, NOW)).toMatchObject({ phone: '+8613812345678', channelPreference: 'phone', confidential: false });
  });
  it.each([
    [{ workOrderId: undefined }, 'work_order_id'],
    [{ workOrderId: 'WO/1' }, 'work_order_id'],
    [{ workOrderId: 'x'.repeat(65) }, 'work_order_id'],
    [{ citizenPhone: '12345' }, 'citizen_phone'],
    [{ citizenPhone: '4008123123' }, 'citizen_phone'],
    [{ citizenPhone: 5 }, 'citizen_phone'],
    [{ deadline: 'tomorrow' }, 'deadline'],
    [{ deadline: '2026-11-23T01:59:59Z' }, 'deadline'],
    [{ channelPreference: 'CHANNEL_PREFERENCE_FAX' }, 'channel_preference'],
    [{ confidential: 'yes' }, 'confidential'],
  ])('%o → INVALID_FIELD %s', (bad, name) => {
    expect(field({ ...good, ...bad })).toBe(name);
  });
});

describe('survey policy: what happens next', () => {
  it('dials at once inside the window', () => {
    expect(nextStep(policy, state(), NOW)).toEqual({ do: 'dial', attempt: 1 });
  });

  it('waits for 08:00 when asked at night', () => {
    expect(nextStep(policy, state(), at('2026-11-23T22:15:00'))).toEqual({ do: 'wait', until: at('2026-11-24T08:00:00'), why: 'window' });
  });

  it('waits the backoff after an unanswered call, doubling, then moves a retry that would fall after 21:00 to the next morning', () => {
    const t1 = at('2026-11-23T10:00:00');
    expect(nextStep(policy, state({ attempts: [call(1, 'no-answer', t1)] }), t1 + 1000)).toEqual({ do: 'wait', until: t1 + 30 * 60_000, why: 'backoff' });
    const t2 = at('2026-11-23T20:30:00');
    expect(nextStep(policy, state({ attempts: [call(1, 'busy', t1), call(2, 'no-answer', t2)] }), t2 + 1000)).toEqual({ do: 'wait', until: at('2026-11-24T08:00:00'), why: 'window' });
  });

  it('dials the next attempt when its time has come', () => {
    const t1 = at('2026-11-23T10:00:00');
    expect(nextStep(policy, state({ attempts: [call(1, 'answered-no-key', t1)] }), t1 + 30 * 60_000)).toEqual({ do: 'dial', attempt: 2 });
  });

  it('after the last call attempt: an SMS to a mobile, no response for a landline', () => {
    const t = at('2026-11-23T12:00:00');
    const calls = [call(1, 'no-answer', t - 2), call(2, 'no-answer', t - 1), call(3, 'no-answer', t)];
    expect(nextStep(policy, state({ attempts: calls }), t + 1)).toEqual({ do: 'sms' });
    expect(nextStep(policy, state({ attempts: calls, request: request({ phone: '+863922345678' }) }), t + 1)).toMatchObject({ do: 'finish', outcome: 'no-response', reason: 'attempts-used' });
  });

  it('after the SMS, waits for the reply until the deadline, then no response', () => {
    const sms: AttemptRecord = { number: 1, channel: 'sms', startedAt: NOW, endedAt: NOW, outcome: 'sms-queued' };
    const s = state({ attempts: [sms], request: request({ channelPreference: 'sms' }) });
    expect(nextStep(policy, s, NOW + 1)).toEqual({ do: 'wait', until: s.request.deadline, why: 'sms-reply' });
    expect(nextStep(policy, s, s.request.deadline)).toEqual({ do: 'finish', outcome: 'no-response', channel: 'sms', reason: 'deadline' });
  });

  it('a rating finishes it, with the channel it came by', () => {
    expect(nextStep(policy, state({ rating: { rating: 'satisfied', channel: 'sms' } }), NOW)).toEqual({ do: 'finish', outcome: 'rated', channel: 'sms' });
  });

  it('an invalid number or a refused call ends it at once', () => {
    expect(nextStep(policy, state({ attempts: [call(1, 'invalid-number', NOW)] }), NOW + 1)).toMatchObject({ do: 'finish', outcome: 'invalid-number' });
    expect(nextStep(policy, state({ attempts: [call(1, 'refused', NOW)] }), NOW + 1)).toMatchObject({ do: 'finish', outcome: 'refused' });
  });

  it('never starts anything at or after the deadline', () => {
    const s = state({ request: request({ deadline: at('2026-11-23T22:00:00') }) });
    expect(nextStep(policy, s, at('2026-11-23T21:30:00'))).toMatchObject({ do: 'finish', outcome: 'no-response', reason: 'deadline' });
    expect(nextStep(policy, s, at('2026-11-23T22:00:00'))).toMatchObject({ do: 'finish', outcome: 'no-response', reason: 'deadline' });
  });

  it('confidentiality and restrictions follow the configuration', () => {
    const t = at('2026-11-23T12:00:00');
    const calls = [call(1, 'no-answer', t - 2), call(2, 'no-answer', t - 1), call(3, 'no-answer', t)];
    // phone-only: no SMS for a confidential citizen
    expect(nextStep(policy, state({ attempts: calls, request: request({ confidential: true }) }), t + 1)).toMatchObject({ do: 'finish', outcome: 'no-response' });
    expect(nextStep({ ...policy, confidential: 'skip' }, state({ request: request({ confidential: true }) }), NOW)).toEqual({ do: 'finish', outcome: 'skipped', channel: 'none', reason: 'confidential' });
    expect(nextStep({ ...policy, confidential: 'sms-only' }, state({ request: request({ confidential: true }) }), NOW)).toEqual({ do: 'sms' });
    // sms-only for a restricted citizen; skip when so configured
    expect(nextStep(policy, state({ restricted: true }), NOW)).toEqual({ do: 'sms' });
    expect(nextStep({ ...policy, restricted: 'skip' }, state({ restricted: true }), NOW)).toMatchObject({ do: 'finish', outcome: 'skipped', reason: 'restricted' });
    // SMS only for a landline: nothing can reach them
    expect(nextStep(policy, state({ restricted: true, request: request({ phone: '+863922345678' }) }), NOW)).toMatchObject({ do: 'finish', outcome: 'skipped', reason: 'no-channel' });
  });

  it('an interrupted attempt counts and keeps the backoff (never redialled at once)', () => {
    const t = at('2026-11-23T10:00:00');
    expect(nextStep(policy, state({ attempts: [call(1, 'interrupted', t)] }), t + 1)).toMatchObject({ do: 'wait', why: 'backoff' });
  });
});
