import { createHash, createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { smsUplinkRoutes } from '../../../src/adapters/http/routes/sms-uplink.js';
import { BullmqSmsAckQueue } from '../../../src/adapters/queue/bullmq-sms-ack-queue.js';
import { AliyunSmsProvider } from '../../../src/adapters/sms/aliyun-sms.js';
import { TencentSmsProvider } from '../../../src/adapters/sms/tencent-sms.js';
import { HotlineError } from '../../../src/core/errors.js';
import type { SmsProvider } from '../../../src/core/ports/sms-provider.js';
import type { IntakeJudge } from '../../../src/services/intake-acceptor.js';
import { SmsInbox } from '../../../src/services/sms-inbox.js';
import { channelsHarness, stubJudge, type ChannelsHarness } from '../../helpers/channels-app.js';
import { silentLogger } from '../../helpers/logger.js';
import { startProviderStandIn, until } from '../../helpers/provider-standin.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

const SECRET = 'cb-secret-0123456789abcdef';
const templates = { accepted: 'SMS_ACCEPTED', emergency: 'SMS_EMERGENCY', outOfScope: 'SMS_SCOPE', restricted: 'SMS_RESTRICTED' };
const ALIYUN_OK = { Code: 'OK', Message: 'OK', BizId: '900619746936498440^0', RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990' };
const TENCENT_OK = { Response: { SendStatusSet: [{ SerialNo: '5000:1045710669157053657849499619', PhoneNumber: '+8613812345678', Code: 'Ok', Message: 'send success' }], RequestId: 'a0aabda6-cf91-4f3e-a81f-9198114a2279' } };

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

interface Rig {
  h: ChannelsHarness;
  acks: BullmqSmsAckQueue;
  aliyunApi: Awaited<ReturnType<typeof startProviderStandIn>>;
  tencentApi: Awaited<ReturnType<typeof startProviderStandIn>>;
  providers: Map<SmsProvider['id'], SmsProvider>;
  prefix: string;
  close(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  while (rigs.length) await rigs.pop()!.close();
});

async function rig(options: { judge?: IntakeJudge; failFirst?: number; startWorker?: boolean; allowFrom?: string[]; trustProxy?: string[] } = {}): Promise<Rig> {
  const aliyunApi = await startProviderStandIn(ALIYUN_OK, options.failFirst ?? 0);
  const tencentApi = await startProviderStandIn(TENCENT_OK, options.failFirst ?? 0);
  const aliyun = new AliyunSmsProvider({ endpoint: aliyunApi.url, accessKeyId: 'LTAI-test', accessKeySecret: 'aliyun-secret', regionId: 'cn-hangzhou', signName: '鹤壁12345', templates, timeoutMs: 2000 });
  const tencent = new TencentSmsProvider({ endpoint: tencentApi.url, secretId: 'AKID-test', secretKey: 'tencent-secret', region: 'ap-guangzhou', sdkAppId: '1400006666', signName: '鹤壁12345', templates, timeoutMs: 2000 });
  const providers = new Map<SmsProvider['id'], SmsProvider>([
    ['aliyun', aliyun],
    ['tencent', tencent],
  ]);
  const client = redis.client();
  const prefix = `s${Math.random().toString(36).slice(2, 8)}:`;
  let acks!: BullmqSmsAckQueue;
  const h = await channelsHarness(
    client,
    ({ acceptor, keys }) => {
      acks = new BullmqSmsAckQueue({ redisUrl: redis.url, prefix: keys.bullPrefix, providers, attempts: 8, backoffMs: 50, log: silentLogger() });
      if (options.startWorker !== false) acks.start();
      const gate = async (phone: string) => (await client.set(keys.smsNotice(phone), '1', 'EX', 3600, 'NX')) === 'OK';
      return [
        smsUplinkRoutes({
          endpoints: [
            { provider: aliyun, secret: SECRET, allowFrom: options.allowFrom ?? ['127.0.0.0/8', '::1/128'] },
            { provider: tencent, secret: SECRET, allowFrom: [] },
          ],
          inbox: new SmsInbox(acceptor, acks, gate, silentLogger()),
          maxBodyBytes: 65536,
        }),
      ];
    },
    { judge: options.judge ?? stubJudge, prefix, ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}) },
  );
  const r: Rig = {
    h,
    acks,
    aliyunApi,
    tencentApi,
    providers,
    prefix,
    async close() {
      await acks.close();
      await h.close();
      await aliyunApi.close();
      await tencentApi.close();
    },
  };
  rigs.push(r);
  return r;
}

let seq = 1_700_000_000;
const aliyunItem = (content: string, phone = '13812345678') => ({
  phone_number: phone,
  send_time: '2026-11-22 12:00:00',
  content,
  sign_name: '鹤壁12345',
  dest_code: '1234',
  sequence_id: ++seq,
});
const pushAliyun = (r: Rig, body: unknown, secret = SECRET, remoteAddress = '127.0.0.1') =>
  r.h.app.inject({ method: 'POST', url: `/v1/channels/sms/aliyun?secret=${encodeURIComponent(secret)}`, payload: body as object, remoteAddress });
const pushTencent = (r: Rig, body: unknown, secret = SECRET) =>
  r.h.app.inject({ method: 'POST', url: `/v1/channels/sms/tencent?secret=${encodeURIComponent(secret)}`, payload: body as object });

/** Aliyun's signature, recomputed here from the documentation (RPC, signature version 1.0). */
function verifyAliyunRequest(body: string, accessKeySecret: string): Record<string, string> {
  const params = Object.fromEntries(new URLSearchParams(body));
  const { Signature, ...rest } = params;
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const canonical = Object.keys(rest).sort().map((k) => `${enc(k)}=${enc(rest[k]!)}`).join('&');
  const expected = createHmac('sha1', accessKeySecret + '&').update(`POST&%2F&${enc(canonical)}`).digest('base64');
  expect(Signature).toBe(expected);
  return params;
}

/** Tencent's TC3-HMAC-SHA256, recomputed here from the documentation. */
function verifyTencentRequest(headers: Record<string, string | string[] | undefined>, body: string, secretKey: string): void {
  const ts = Number(headers['x-tc-timestamp']);
  const date = new Date(ts * 1000).toISOString().slice(0, 10);
  const h = (s: string) => createHash('sha256').update(s).digest('hex');
  const canonical = `POST\n/\n\ncontent-type:${headers['content-type']}\nhost:${headers.host}\n\ncontent-type;host\n${h(body)}`;
  const toSign = `TC3-HMAC-SHA256\n${ts}\n${date}/sms/tc3_request\n${h(canonical)}`;
  const k = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();
  const sig = createHmac('sha256', k(k(k('TC3' + secretKey, date), 'sms'), 'tc3_request')).update(toSign).digest('hex');
  expect(headers.authorization).toBe(`TC3-HMAC-SHA256 Credential=AKID-test/${date}/sms/tc3_request, SignedHeaders=content-type;host, Signature=${sig}`);
  expect(headers['x-tc-action']).toBe('SendSms');
}

describe('SMS uplink: Aliyun', () => {
  it('accepts each message of a push once, answers as Aliyun asks, and texts the intake number back', async () => {
    const r = await rig();
    const push = [aliyunItem('我家小区门口的路灯坏了'), aliyunItem('另外，小区垃圾好几天没人清运', '13912345678')];
    const res = await pushAliyun(r, push);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ code: 0, msg: '接收成功' });
    expect(await r.h.depth()).toBe(2);
    const first = (await r.h.intakeByKey(`sms:aliyun:${push[0]!.sequence_id}`))!;
    expect(first.channel).toBe('CHANNEL_SMS');
    expect(first.citizen.phone).toBe('+8613812345678');
    expect(first.content.text).toBe('我家小区门口的路灯坏了');

    // Aliyun re-pushes (it retries after 1, 5, 10 minutes when it saw no 200): nothing new
    // (sent as text/plain here: JSON is read whatever the content type says).
    const again = await r.h.app.inject({ method: 'POST', url: `/v1/channels/sms/aliyun?secret=${SECRET}`, payload: JSON.stringify(push), headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect(again.json()).toEqual({ code: 0, msg: '接收成功' });
    expect(await r.h.depth()).toBe(2);

    await until(() => r.aliyunApi.succeeded().length === 2, 15_000, 'two acknowledgements');
    await new Promise((res2) => setTimeout(res2, 300));
    expect(r.aliyunApi.requests.length).toBe(2);
    const sent = r.aliyunApi.succeeded().map((q) => verifyAliyunRequest(q.body, 'aliyun-secret'));
    const toFirst = sent.find((p) => p.PhoneNumbers === '13812345678')!;
    expect(toFirst).toMatchObject({ Action: 'SendSms', SignName: '鹤壁12345', TemplateCode: 'SMS_ACCEPTED', Version: '2017-05-25' });
    expect(JSON.parse(toFirst.TemplateParam!)).toEqual({ intakeId: first.intakeId });
  });

  it('retries the acknowledgement until the provider comes back', async () => {
    const r = await rig({ failFirst: 3 });
    const item = aliyunItem('楼上漏水');
    expect((await pushAliyun(r, [item])).statusCode).toBe(200);
    await until(() => r.aliyunApi.succeeded().length === 1, 20_000, 'acknowledgement after failures');
    expect(r.aliyunApi.requests.map((q) => q.status)).toEqual([500, 500, 500, 200]);
    await until(async () => (await r.acks.counts()).completed === 1, 5000, 'job completed');
  });

  it('keeps the acknowledgement in Redis across a restart of the sender', async () => {
    const r = await rig({ startWorker: false });
    expect((await pushAliyun(r, [aliyunItem('公交站牌被撞坏')])).statusCode).toBe(200);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.aliyunApi.requests.length).toBe(0);
    // A new gateway process: a fresh queue object on the same Redis picks the job up.
    const restarted = new BullmqSmsAckQueue({ redisUrl: redis.url, prefix: `${r.prefix}bull`, providers: r.providers, attempts: 8, backoffMs: 50, log: silentLogger() });
    restarted.start();
    try {
      await until(() => r.aliyunApi.succeeded().length === 1, 15_000, 'acknowledgement after restart');
    } finally {
      await restarted.close();
    }
  });

  it('an emergency is texted the number to call', async () => {
    const r = await rig();
    await pushAliyun(r, [aliyunItem('楼下饭店着火了')]);
    await until(() => r.aliyunApi.succeeded().length === 1, 15_000, 'emergency sms');
    const p = verifyAliyunRequest(r.aliyunApi.succeeded()[0]!.body, 'aliyun-secret');
    expect(p.TemplateCode).toBe('SMS_EMERGENCY');
    expect(JSON.parse(p.TemplateParam!)).toMatchObject({ line: '119' });
  });

  it('a restricted citizen is told once, however often they text', async () => {
    const r = await rig({
      judge: () => {
        throw new HotlineError('RATE_LIMITED', '您的号码已被暂停受理至 2026-11-30，如有紧急情况请拨打 110。');
      },
    });
    for (let i = 0; i < 3; i++) expect((await pushAliyun(r, [aliyunItem(`第${i}次`)])).statusCode).toBe(200);
    await until(() => r.aliyunApi.succeeded().length === 1, 15_000, 'restricted notice');
    await new Promise((res) => setTimeout(res, 300));
    expect(r.aliyunApi.requests.length).toBe(1);
    expect(verifyAliyunRequest(r.aliyunApi.requests[0]!.body, 'aliyun-secret').TemplateCode).toBe('SMS_RESTRICTED');
    expect(await r.h.depth()).toBe(0);
  });

  it('refuses a wrong secret (401), a stranger address (403) and bad bodies (400), storing and sending nothing', async () => {
    const r = await rig();
    const item = aliyunItem('测试');
    expect((await pushAliyun(r, [item], 'wrong-secret')).statusCode).toBe(401);
    expect((await r.h.app.inject({ method: 'POST', url: '/v1/channels/sms/aliyun', payload: [item] })).statusCode).toBe(401);
    expect((await pushAliyun(r, [item], SECRET, '203.0.113.9')).statusCode).toBe(403);
    const missing = await pushAliyun(r, [{ ...item, sequence_id: undefined }]);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().field).toBe('0.sequence_id');
    const badPhone = await pushAliyun(r, [{ ...item, phone_number: '12' }]);
    expect(badPhone.statusCode).toBe(400);
    const notJson = await r.h.app.inject({ method: 'POST', url: `/v1/channels/sms/aliyun?secret=${SECRET}`, payload: '[{"phone_number":', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    const big = await pushAliyun(r, [{ ...item, content: '长'.repeat(40_000) }]);
    expect(big.statusCode).toBe(413);
    expect(await r.h.depth()).toBe(0);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.aliyunApi.requests.length).toBe(0);
  });

  it('judges the allowlist on the real client: X-Forwarded-For only from a trusted proxy, never forged by a stranger', async () => {
    const viaProxy = (r: Rig, from: string, forwardedFor: string) =>
      r.h.app.inject({
        method: 'POST',
        url: `/v1/channels/sms/aliyun?secret=${SECRET}`,
        payload: [aliyunItem('路灯不亮')],
        remoteAddress: from,
        headers: { 'x-forwarded-for': forwardedFor },
      });
    const proxied = await rig({ allowFrom: ['198.51.100.0/24'], trustProxy: ['10.0.0.2'] });
    expect((await viaProxy(proxied, '10.0.0.2', '198.51.100.7')).statusCode).toBe(200);
    expect((await viaProxy(proxied, '10.0.0.2', '203.0.113.9')).statusCode).toBe(403);
    // Not the trusted proxy: its X-Forwarded-For is ignored, the TCP peer is judged.
    expect((await viaProxy(proxied, '10.0.0.3', '198.51.100.7')).statusCode).toBe(403);
    const direct = await rig({ allowFrom: ['198.51.100.0/24'] });
    expect((await viaProxy(direct, '203.0.113.9', '198.51.100.7')).statusCode).toBe(403);
    expect(await proxied.h.depth()).toBe(1);
  });
});

describe('SMS uplink: Tencent Cloud', () => {
  it('deduplicates by number, time and text, answers {"result":0,"errmsg":"OK"}, and texts back with a TC3 signature', async () => {
    const r = await rig();
    const body = { extend: '', mobile: '13812345678', nationcode: '86', sign: '鹤壁12345', text: '淇滨大道有个井盖没了', time: 1_763_800_000 };
    const res = await pushTencent(r, body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ result: 0, errmsg: 'OK' });
    expect((await pushTencent(r, body)).json()).toEqual({ result: 0, errmsg: 'OK' });
    expect(await r.h.depth()).toBe(1);
    // The same words a minute later are a new message.
    await pushTencent(r, { ...body, time: body.time + 60 });
    expect(await r.h.depth()).toBe(2);

    await until(() => r.tencentApi.succeeded().length === 2, 15_000, 'tencent acknowledgements');
    const q = r.tencentApi.succeeded()[0]!;
    verifyTencentRequest(q.headers, q.body, 'tencent-secret');
    const sent = JSON.parse(q.body) as { PhoneNumberSet: string[]; TemplateId: string; TemplateParamSet: string[]; SmsSdkAppId: string };
    expect(sent).toMatchObject({ PhoneNumberSet: ['+8613812345678'], TemplateId: 'SMS_ACCEPTED', SmsSdkAppId: '1400006666' });
    expect(sent.TemplateParamSet[0]).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('names the missing field', async () => {
    const r = await rig();
    const res = await pushTencent(r, { mobile: '13812345678', nationcode: '86', sign: 'x', text: 'y' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('time');
    expect(await r.h.depth()).toBe(0);
  });
});
