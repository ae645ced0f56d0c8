import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/adapters/redis/embedded-redis.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../helpers/logger.js';
import { until } from '../../helpers/provider-standin.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { field, messageXml, sign, wechatPost } from '../../helpers/wechat-client.js';

// The whole gateway from HOTLINE_* variables, over real sockets: the channels are switched on by
// their settings and their intakes reach the (development) work-order core.
const AES = 'GatewayKey0123456789abcdefghijklmnopqrstuvw';
let redis: TestRedis;
let gw: RunningGateway;
let base: string;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'hg-gw-'));
  const port = await freePort();
  const { config, unknownVariables } = loadConfig({
    HOTLINE_GRPC_PORT: '0', // a free control port (issue 6): test gateways run side by side
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(port),
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'calls.jsonl'),
    HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'surveys.jsonl'),
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
    HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_LOG_LEVEL: 'silent',
    HOTLINE_WECHAT_TOKEN: 'gw-token',
    HOTLINE_WECHAT_APPID: 'wxgateway0000001',
    HOTLINE_WECHAT_AES_KEY: AES,
    HOTLINE_SMS_TENCENT_SECRET: 'gw-sms-secret-0001',
    HOTLINE_PARTNER_KEYS: 'app1:gw-partner-secret-0001',
  });
  expect(unknownVariables).toEqual([]);
  gw = await startGateway(config, silentLogger());
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await gw?.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function delivered(intakeId: string) {
  await until(async () => (await (await fetch(`${base}/v1/intake/${intakeId}`)).json() as { status: string }).status === 'delivered', 15_000, 'delivery to the core');
}

describe('text channels in the running gateway', () => {
  it('WeChat safe mode over a real socket, delivered to the core', async () => {
    const { query, payload } = wechatPost({ token: 'gw-token', appId: 'wxgateway0000001', aesKey: AES }, messageXml({ ToUserName: 'gh_gw', FromUserName: 'oGatewayUser000000000000001', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '公园厕所没有水', MsgId: '6100000000000000001' }), 'safe');
    const res = await fetch(`${base}/v1/channels/wechat?${new URLSearchParams(query)}`, { method: 'POST', body: payload, headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(200);
    expect(field(await res.text(), 'Encrypt')).toBeTruthy();
    const ts = String(Math.floor(Date.now() / 1000));
    const verify = await fetch(`${base}/v1/channels/wechat?${new URLSearchParams({ signature: sign('gw-token', ts, '2'), timestamp: ts, nonce: '2', echostr: 'ok' })}`);
    expect(await verify.text()).toBe('ok');
    const id = await redis.client().get(new RedisKeys('hg:').idempotency('wechat:6100000000000000001'));
    await delivered(id!);
  });

  it('Tencent SMS uplink and the partner API are on; Aliyun, without a secret, is off', async () => {
    const sms = await fetch(`${base}/v1/channels/sms/tencent?secret=gw-sms-secret-0001`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extend: '', mobile: '13812345678', nationcode: '86', sign: 's', text: '路口红绿灯坏了', time: 1763784000 }),
    });
    expect(await sms.json()).toEqual({ result: 0, errmsg: 'OK' });
    expect((await fetch(`${base}/v1/channels/sms/aliyun?secret=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' })).status).toBe(404);

    const body = JSON.stringify({ source: 'app', externalId: 'GW-1', content: '小区停水三天了' });
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(10).toString('hex');
    const res = await fetch(`${base}/v1/partner/intakes`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-hotline-partner': 'app1',
        'x-hotline-timestamp': ts,
        'x-hotline-nonce': nonce,
        'x-hotline-signature': createHmac('sha256', 'gw-partner-secret-0001').update(`POST\n/v1/partner/intakes\n${ts}\n${nonce}\n${body}`).digest('hex'),
      },
    });
    expect(res.status).toBe(202);
    await delivered(((await res.json()) as { intakeId: string }).intakeId);
  });

  it('/healthz shows the acknowledgement SMS queue', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { checks: Record<string, unknown> };
    expect(health.checks.smsAcks).toMatchObject({ ok: true, failed: expect.any(Number), retrying: expect.any(Number) });
  });

  it('XML is taken only where WeChat posts it: the JSON API still refuses it', async () => {
    const res = await fetch(`${base}/v1/intake/web`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<xml><content>x</content></xml>' });
    expect(res.status).toBe(415);
  });
});
