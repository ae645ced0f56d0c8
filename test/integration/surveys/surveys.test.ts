import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../../src/app/gateway.js';
import type { Config } from '../../../src/config/schema.js';
import type { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import { ControlClient } from '../../../src/dev-core/control-client.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { startProviderStandIn } from '../../helpers/provider-standin.js';
import { clockAt, resultOf, startSurveyGateway, surveyCallRecords, surveyCallsTo, surveyLines } from '../../helpers/surveys.js';
import { RedisUserStore } from '../../../src/adapters/redis/redis-user-store.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { login, seedUser } from '../../helpers/people.js';

let redis: TestRedis;
let gw: RunningGateway;
let config: Config;
let sim: SimulatedSwitch;
let provider: Awaited<ReturnType<typeof startProviderStandIn>>;
const SMS_SECRET = 'uplink-secret-123';

beforeAll(async () => {
  redis = await startRedis();
  provider = await startProviderStandIn({ Code: 'OK', Message: 'OK', BizId: 'biz-1' });
  // 10:00 in Shanghai on a weekday: inside the calling window.
  ({ gw, config, sim } = await startSurveyGateway(redis.url, clockAt('2026-11-23T10:00:00+08:00'), (c) => {
    c.surveys.sms.provider = 'aliyun';
    c.sms.aliyun.secret = SMS_SECRET;
    c.sms.aliyun.send = { ...c.sms.aliyun.send, endpoint: provider.url, accessKeyId: 'LTAI-test', accessKeySecret: 'secret', signName: '12345热线', templates: { ...c.sms.aliyun.send.templates, survey: 'SMS_SURVEY' } };
  }));
  await seedUser(new RedisUserStore(redis.client(), new RedisKeys(config.redis.keyPrefix)), 'duty.supervisor', ['supervisor']);
});
afterAll(async () => {
  await gw?.stop();
  await provider?.close();
  await redis?.stop();
});

const ask = (workOrderId: string, phone: string, extra: Record<string, unknown> = {}) => gw.devCore!.requestSurvey({ workOrderId, phone, ...extra });

describe('follow-up survey end to end (dev core → gRPC control → simulated call → result at the dev core)', () => {
  it('calls from 12345, asks the question, takes the rating key and reports it; a repeated request is a duplicate', async () => {
    sim.endpoint('gateway:carrier/13812340001', { answer: 'answer', script: [{ atMs: 60, press: '2' }] });
    expect(await ask('WO-RATED-1', '138 1234 0001')).toBe('accepted');
    expect(await ask('WO-RATED-1', '13812340001')).toBe('duplicate');
    const result = await resultOf(config, 'WO-RATED-1');
    expect(result).toMatchObject({ outcome: 'OUTCOME_RATED', rating: 'RATING_SATISFIED', channel: 'CHANNEL_PHONE', attempts: 1 });
    const calls = surveyCallsTo(sim, '13812340001');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ caller: '12345', direction: 'outbound' });
    const heard = sim.caller(calls[0]!.callId).heard.map((m) => m.split('/').at(-1));
    expect(heard).toEqual(['surveyQuestion.wav', 'surveyThanks.wav']);
    expect(await ask('WO-RATED-1', '13812340001')).toBe('duplicate');
    expect(surveyLines(config).filter((l) => l.result.workOrderId === 'WO-RATED-1')).toHaveLength(1);
    // The call has its call-detail record in the core: outbound from 12345, ended in the IVR (no
    // agent on a survey call), the rating among its facts.
    const [cdr] = await surveyCallRecords(config, 'WO-RATED-1');
    expect(cdr).toMatchObject({
      callId: calls[0]!.callId,
      direction: 'outbound',
      caller: '12345',
      dialled: '+8613812340001',
      entry: { kind: 'survey', context: { workOrderId: 'WO-RATED-1', attempt: '1' } },
      disposition: 'DISPOSITION_ENDED_IN_IVR',
      reason: 'answered-rated',
      hangupCause: 'NORMAL_CLEARING',
    });
    expect(cdr!.facts).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'survey.rated', detail: { rating: 'satisfied' } })]));
    // The whole call is recorded from the answer (art. 17), like every call: a supervisor reviews it
    // through the recordings API, and its checksum is the one in the call's record.
    const token = await login(gw.url, 'duty.supervisor');
    const meta = await fetch(`${gw.url}/v1/recordings/${calls[0]!.callId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(meta.status).toBe(200);
    const shown = (await meta.json()) as { sha256: string; bytes: number; entry: unknown; durationSec: number; audio: string };
    expect(shown).toMatchObject({ callId: calls[0]!.callId, caller: '+8613812340001', entry: { kind: 'survey', context: { workOrderId: 'WO-RATED-1', attempt: '1' } } });
    expect(shown.durationSec).toBeGreaterThan(0);
    const audio = Buffer.from(await (await fetch(`${gw.url}${shown.audio}`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    expect(audio.subarray(0, 4).toString()).toBe('RIFF');
    expect(shown.sha256).toBe(createHash('sha256').update(audio).digest('hex'));
    expect(Number(shown.bytes)).toBe(audio.length);
    expect((cdr!.recording as { sha256: string }).sha256).toBe(shown.sha256);
  });

  it('after a dissatisfied rating records the spoken reason and reports its checksum', async () => {
    sim.endpoint('gateway:carrier/13812340002', { answer: 'answer', script: [{ atMs: 60, press: '3' }, { atMs: 700, press: '#' }] });
    await ask('WO-DISSATISFIED', '13812340002');
    const result = await resultOf(config, 'WO-DISSATISFIED');
    expect(result).toMatchObject({ outcome: 'OUTCOME_RATED', rating: 'RATING_DISSATISFIED' });
    const rec = result.reasonRecording as { path: string; sha256: string; bytes: string };
    const file = readFileSync(rec.path);
    expect(rec.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(Number(rec.bytes)).toBe(file.length);
    const heard = sim.caller(surveyCallsTo(sim, '13812340002')[0]!.callId).heard.map((m) => m.split('/').at(-1));
    expect(heard).toEqual(['surveyQuestion.wav', 'surveyReason.wav', 'surveyThanks.wav']);
    const [cdr] = await surveyCallRecords(config, 'WO-DISSATISFIED');
    expect(cdr!.facts).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'survey.reason-recorded', detail: expect.objectContaining({ sha256: rec.sha256 }) })]));
    // The reason is its own clip; the whole call is recorded beside it.
    expect((cdr!.recording as { sha256: string; recordingId: string }).recordingId).toBe(cdr!.callId);
    expect((cdr!.recording as { sha256: string }).sha256).not.toBe(rec.sha256);
  });

  it('repeats the question once after an invalid key, then counts the attempt as unanswered; phone-only ends in no response', async () => {
    sim.endpoint('gateway:carrier/13812340003', { answer: 'answer', script: [{ atMs: 60, press: '7' }] });
    await ask('WO-NOKEY', '13812340003', { channelPreference: 'phone-only' });
    const result = await resultOf(config, 'WO-NOKEY');
    expect(result).toMatchObject({ outcome: 'OUTCOME_NO_RESPONSE', attempts: 2, reason: 'attempts-used' });
    expect(result.attemptLog!.map((a) => a.outcome)).toEqual(['answered-no-key', 'answered-no-key']);
    const first = sim.caller(surveyCallsTo(sim, '13812340003')[0]!.callId).heard.map((m) => m.split('/').at(-1));
    expect(first).toEqual(['surveyQuestion.wav', 'surveyInvalid.wav', 'surveyQuestion.wav']);
    expect(provider.requests.filter((r) => r.body.includes('13812340003'))).toHaveLength(0);
  });

  it('no answer after the retries → an SMS survey through the provider; the citizen’s reply digit is the rating', async () => {
    sim.endpoint('gateway:carrier/13912340004', { answer: 'no-answer' });
    await ask('WO-SMS', '13912340004');
    const sent = await (async () => {
      for (let i = 0; i < 400; i++) {
        const r = provider.requests.find((x) => x.body.includes('13912340004'));
        if (r) return r;
        await new Promise((res) => setTimeout(res, 25));
      }
      throw new Error('no survey SMS reached the provider stand-in');
    })();
    const form = new URLSearchParams(sent.body);
    expect(form.get('TemplateCode')).toBe('SMS_SURVEY');
    expect(JSON.parse(form.get('TemplateParam')!)).toEqual({ workOrderId: 'WO-SMS' });
    expect(surveyCallsTo(sim, '13912340004')).toHaveLength(0); // never answered: no call leg
    // The citizen answers "1" by SMS (Aliyun uplink push).
    const res = await gw.http.inject({
      method: 'POST',
      url: `/v1/channels/sms/aliyun?secret=${SMS_SECRET}`,
      payload: [{ phone_number: '13912340004', send_time: '2026-11-23 10:05:00', content: ' 1 ', sign_name: '12345热线', dest_code: '1', sequence_id: 9_001 }],
    });
    expect(res.statusCode).toBe(200);
    const result = await resultOf(config, 'WO-SMS');
    expect(result).toMatchObject({ outcome: 'OUTCOME_RATED', rating: 'RATING_VERY_SATISFIED', channel: 'CHANNEL_SMS', attempts: 2 });
    expect(result.attemptLog!.map((a) => a.outcome)).toEqual(['no-answer', 'no-answer', 'sms-queued']);
  });

  it('a restricted citizen is surveyed by SMS only (surveys.restricted: sms-only)', async () => {
    const put = await gw.http.inject({
      method: 'PUT',
      url: `/v1/admin/restrictions/${encodeURIComponent('tel:+8613912340005')}`,
      headers: { authorization: `Bearer ${await login(gw.url, 'duty.supervisor')}` },
      payload: { reason: '多次无故占线', minutes: 60 },
    });
    expect(put.statusCode).toBeLessThan(300);
    await ask('WO-RESTRICTED', '13912340005');
    await (async () => {
      for (let i = 0; i < 400 && !provider.requests.some((x) => x.body.includes('13912340005')); i++) await new Promise((r) => setTimeout(r, 25));
    })();
    expect(provider.requests.some((x) => x.body.includes('13912340005'))).toBe(true);
    expect(surveyCallsTo(sim, '13912340005')).toHaveLength(0);
  });

  it('a confidential citizen is never texted (surveys.confidential: phone-only): unanswered calls end in no response', async () => {
    sim.endpoint('gateway:carrier/13912340006', { answer: 'busy' });
    await ask('WO-CONFIDENTIAL', '13912340006', { confidential: true });
    const result = await resultOf(config, 'WO-CONFIDENTIAL');
    expect(result).toMatchObject({ outcome: 'OUTCOME_NO_RESPONSE', attempts: 2 });
    expect(result.attemptLog!.map((a) => a.outcome)).toEqual(['busy', 'busy']);
    expect(provider.requests.some((x) => x.body.includes('13912340006'))).toBe(false);
  });

  it('a call the citizen rejects ends the survey as refused, without retries', async () => {
    sim.endpoint('gateway:carrier/13912340007', { answer: 'reject' });
    await ask('WO-REFUSED', '13912340007');
    const result = await resultOf(config, 'WO-REFUSED');
    expect(result).toMatchObject({ outcome: 'OUTCOME_REFUSED', attempts: 1 });
    // Not answered is a call too: one record, not reached, with the switch's cause.
    const records = await surveyCallRecords(config, 'WO-REFUSED');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ direction: 'outbound', disposition: 'DISPOSITION_NOT_REACHED', reason: 'refused', hangupCause: 'CALL_REJECTED' });
    expect(records[0]!.answeredTime).toBeUndefined();
  });
});

describe('the control port', () => {
  it('refuses a request without the bearer token, or with another one: UNAUTHENTICATED, nothing stored', async () => {
    for (const token of [undefined, 'not-the-token-at-all-0123']) {
      const c = new ControlClient({ address: gw.surveys.control!.address.replace('0.0.0.0', '127.0.0.1'), ...(token ? { token } : {}) });
      await expect(c.requestSurvey({ workOrderId: 'WO-NOAUTH', phone: '13812349999' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      c.close();
    }
    const c = new ControlClient({ address: gw.surveys.control!.address.replace('0.0.0.0', '127.0.0.1'), token: gw.surveys.control!.token });
    expect(await c.requestSurvey({ workOrderId: 'WO-NOAUTH', phone: '13812349999', channelPreference: 'sms' })).toBe('accepted'); // it was never stored
    c.close();
  });

  it.each([
    [{ workOrderId: '', citizenPhone: '13812345678', deadline: 'future' }, 'work_order_id'],
    [{ workOrderId: 'WO 1;drop', citizenPhone: '13812345678', deadline: 'future' }, 'work_order_id'],
    [{ workOrderId: 'WO-BAD-1', citizenPhone: '12345', deadline: 'future' }, 'citizen_phone'],
    [{ workOrderId: 'WO-BAD-2', citizenPhone: 'call me', deadline: 'future' }, 'citizen_phone'],
    [{ workOrderId: 'WO-BAD-3', citizenPhone: '13812345678' }, 'deadline'],
    [{ workOrderId: 'WO-BAD-4', citizenPhone: '13812345678', deadline: '2020-01-01T00:00:00Z' }, 'deadline'],
  ])('bad fields → INVALID_ARGUMENT naming the field: %o', async (req: { workOrderId: string; citizenPhone: string; deadline?: string }, field) => {
    const c = new ControlClient({ address: gw.surveys.control!.address.replace('0.0.0.0', '127.0.0.1'), token: gw.surveys.control!.token });
    const body = { ...req, ...(req.deadline === 'future' ? { deadline: '2099-01-01T00:00:00Z' } : {}) };
    const err = (await c.raw(body).catch((e: unknown) => e)) as grpc.ServiceError;
    c.close();
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details.startsWith(`${field}:`)).toBe(true);
    expect(err.metadata.get('hotline-field')).toEqual([field]);
  });
});
