import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerIntakeRoutes } from '../../../src/adapters/http/routes/partner-intakes.js';
import { smsUplinkRoutes } from '../../../src/adapters/http/routes/sms-uplink.js';
import { wechatRoutes } from '../../../src/adapters/http/routes/wechat.js';
import { RedisPendingPlaces } from '../../../src/adapters/redis/redis-pending-places.js';
import { RedisReplayGuard } from '../../../src/adapters/redis/redis-replay-guard.js';
import { AliyunSmsProvider } from '../../../src/adapters/sms/aliyun-sms.js';
import { TencentSmsProvider } from '../../../src/adapters/sms/tencent-sms.js';
import type { SmsAckQueue } from '../../../src/core/ports/sms-provider.js';
import { SmsInbox } from '../../../src/services/sms-inbox.js';
import { WechatInbox } from '../../../src/services/wechat-inbox.js';
import { channelsHarness, type ChannelsHarness } from '../../helpers/channels-app.js';
import { silentLogger } from '../../helpers/logger.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { messageXml, sign, wechatPost, wxEncrypt } from '../../helpers/wechat-client.js';

// Seeded, so a failure can be replayed: FUZZ_SEED=<seed> npx vitest run test/integration/channels/fuzz.test.ts
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
function mulberry32(a: number) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const NASTY = [
  '<',
  '>',
  '&',
  '"',
  "'",
  ']]>',
  '<![CDATA[',
  '<!--',
  '-->',
  '</xml>',
  '<xml>',
  '\u0000',
  '\uFFFF',
  '\uD800',
  '&amp;',
  '&#x0;',
  '&lt;',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"\\u0000"',
  'null',
  'true',
  '1e309',
  '-0',
  '9'.repeat(30),
  '中文',
  '😀',
  '\\',
  '\n',
  '<?xml version="1.0"?>',
  '<!DOCTYPE',
  '<!ENTITY',
];

function mutate(input: string): string {
  let s = input;
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < rounds; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const len = Math.floor(rnd() * 12);
    switch (Math.floor(rnd() * 6)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1:
        s = s.slice(0, at) + pick(NASTY) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + len).repeat(2 + Math.floor(rnd() * 3)) + s.slice(at + len);
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4:
        s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x3000)) + s.slice(at + 1);
        break;
      default:
        s = s.slice(0, at) + pick(NASTY) + s.slice(at + len);
    }
  }
  return s;
}

const account = {
  token: 'fuzz-token',
  appId: 'wxfuzz0000000001',
  aesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut',
};
const noAcks: SmsAckQueue = { enqueue: async () => undefined };
const templates = { accepted: 'a', emergency: 'b', outOfScope: 'c', restricted: 'd' };

let redis: TestRedis;
let plain: ChannelsHarness;
let safe: ChannelsHarness;
beforeAll(async () => {
  redis = await startRedis();
  const make = (aesKey: string) => {
    const client = redis.client();
    return channelsHarness(client, ({ acceptor, keys }) => [
      wechatRoutes({
        ...account,
        aesKey,
        maxBodyBytes: 16384,
        maxSkewSeconds: 300,
        inbox: new WechatInbox(
          acceptor,
          new RedisPendingPlaces(client, keys, 60),
          { welcome: '欢迎', menu: {}, replyDeadlineMs: 4000 },
          silentLogger(),
        ),
      }),
      smsUplinkRoutes({
        endpoints: [
          {
            provider: new AliyunSmsProvider({
              endpoint: 'http://127.0.0.1:9/',
              accessKeyId: '',
              accessKeySecret: '',
              regionId: 'x',
              signName: '',
              templates,
              timeoutMs: 100,
            }),
            secret: 'fuzz-secret',
            allowFrom: [],
          },
          {
            provider: new TencentSmsProvider({
              endpoint: 'http://127.0.0.1:9/',
              secretId: '',
              secretKey: '',
              region: 'x',
              sdkAppId: '',
              signName: '',
              templates,
              timeoutMs: 100,
            }),
            secret: 'fuzz-secret',
            allowFrom: [],
          },
        ],
        inbox: new SmsInbox(acceptor, noAcks, async () => true, silentLogger()),
        maxBodyBytes: 16384,
      }),
      partnerIntakeRoutes({
        acceptor,
        keys: new Map([['p', 'partner-secret-000000']]),
        replayGuard: new RedisReplayGuard(client, keys),
        maxSkewSeconds: 300,
        maxBodyBytes: 16384,
        maxContentChars: 2000,
      }),
    ]);
  };
  plain = await make('');
  safe = await make(account.aesKey);
});
afterAll(async () => {
  await plain.close();
  await safe.close();
  await redis.stop();
});

const seedXml = () =>
  messageXml({
    ToUserName: 'gh_fuzz',
    FromUserName: 'oFuzzUser0000000000000000001',
    CreateTime: 1763784000,
    MsgType: pick(['text', 'image', 'voice', 'location', 'link', 'event']),
    Content: '路灯坏了',
    MediaId: 'm1',
    Recognition: '噪音',
    Location_X: '35.1',
    Location_Y: '114.2',
    Label: '淇滨区',
    Title: 't',
    Url: 'https://x.cn',
    Event: 'subscribe',
    MsgId: String(Math.floor(rnd() * 1e15)),
  });

function expectClientOutcome(status: number, body: string, label: string, sent = '') {
  // Every answer is a success or a clear client error with a JSON error body; never a 5xx.
  expect(
    status,
    `${label} (seed ${SEED}): ${body.slice(0, 200)} ← ${JSON.stringify(sent.slice(0, 400))}`,
  ).toBeLessThan(500);
  if (status >= 400)
    expect(JSON.parse(body)).toMatchObject({
      statusCode: status,
      code: expect.any(String),
      message: expect.any(String),
    });
}

describe(`fuzzed bodies (seed ${SEED})`, () => {
  it('WeChat plain mode: 300 mutated XML documents', async () => {
    for (let i = 0; i < 300; i++) {
      const { query } = wechatPost(account, '<xml/>', 'plain');
      const res = await plain.app.inject({
        method: 'POST',
        url: '/v1/channels/wechat',
        query,
        payload: mutate(seedXml()),
        headers: { 'content-type': 'text/xml' },
      });
      expectClientOutcome(res.statusCode, res.body, 'wechat plain');
    }
  });

  it('WeChat safe mode: 300 mutated inner documents, correctly encrypted and signed, and 100 mutated envelopes', async () => {
    for (let i = 0; i < 300; i++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = String(i);
      const encrypt = wxEncrypt(account.aesKey, account.appId, mutate(seedXml()));
      const res = await safe.app.inject({
        method: 'POST',
        url: '/v1/channels/wechat',
        query: {
          signature: sign(account.token, timestamp, nonce),
          timestamp,
          nonce,
          encrypt_type: 'aes',
          msg_signature: sign(account.token, timestamp, nonce, encrypt),
        },
        payload: `<xml><ToUserName><![CDATA[gh_fuzz]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
        headers: { 'content-type': 'text/xml' },
      });
      expectClientOutcome(res.statusCode, res.body, 'wechat safe inner');
    }
    for (let i = 0; i < 100; i++) {
      const { query, payload } = wechatPost(account, seedXml(), 'safe');
      const res = await safe.app.inject({
        method: 'POST',
        url: '/v1/channels/wechat',
        query,
        payload: mutate(payload),
        headers: { 'content-type': 'text/xml' },
      });
      expectClientOutcome(res.statusCode, res.body, 'wechat safe envelope');
    }
  });

  it('SMS uplinks: 300 mutated JSON pushes to each provider', async () => {
    const aliyun = JSON.stringify([
      {
        phone_number: '13812345678',
        send_time: '2026-11-22 12:00:00',
        content: '噪音扰民',
        sign_name: 's',
        dest_code: '1',
        sequence_id: 42,
      },
    ]);
    const tencent = JSON.stringify({
      extend: '',
      mobile: '13812345678',
      nationcode: '86',
      sign: 's',
      text: '噪音扰民',
      time: 1763784000,
    });
    for (let i = 0; i < 300; i++) {
      for (const [path, seed] of [
        ['aliyun', aliyun],
        ['tencent', tencent],
      ] as const) {
        const payload = mutate(seed);
        const res = await plain.app.inject({
          method: 'POST',
          url: `/v1/channels/sms/${path}?secret=fuzz-secret`,
          payload,
          headers: { 'content-type': 'application/json' },
        });
        expectClientOutcome(res.statusCode, res.body, `sms ${path}`, payload);
      }
    }
  });

  it('partner API: 300 mutated JSON bodies, each correctly signed', async () => {
    const seed = JSON.stringify({
      source: 'app',
      externalId: 'F-1',
      content: '井盖丢失',
      citizen: { phone: '13812345678', userId: 'u1' },
      location: { latitude: 35.1, longitude: 114.2, datum: 'GCJ02' },
      incidentTime: '2026-11-22T08:00:00+08:00',
    });
    for (let i = 0; i < 300; i++) {
      const raw = mutate(seed);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(12).toString('hex');
      const signature = createHmac('sha256', 'partner-secret-000000')
        .update(`POST\n/v1/partner/intakes\n${timestamp}\n${nonce}\n${raw}`)
        .digest('hex');
      const res = await plain.app.inject({
        method: 'POST',
        url: '/v1/partner/intakes',
        payload: raw,
        headers: {
          'content-type': 'application/json',
          'x-hotline-partner': 'p',
          'x-hotline-timestamp': timestamp,
          'x-hotline-nonce': nonce,
          'x-hotline-signature': signature,
        },
      });
      expectClientOutcome(res.statusCode, res.body, 'partner', raw);
    }
  });
});
