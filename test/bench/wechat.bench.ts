// WeChat safe-mode throughput, end to end: HTTP (fastify inject) → signature checks → AES
// decrypt → XML parse → intake acceptor → durable Redis outbox → encrypted passive reply; as a
// ratio to the bare work every server must do anyway: AES-256-CBC decrypt + XML parse of the same
// messages in a loop. Both measured in this process on this machine.
import { createDecipheriv } from 'node:crypto';
import Fastify from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { wechatRoutes } from '../../src/adapters/http/routes/wechat.js';
import { RedisPendingPlaces } from '../../src/adapters/redis/redis-pending-places.js';
import { WechatInbox } from '../../src/services/wechat-inbox.js';
import { channelsHarness } from '../helpers/channels-app.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis } from '../helpers/redis-server.js';
import { messageXml, sign, wxEncrypt } from '../helpers/wechat-client.js';

const account = { token: 'bench-token', appId: 'wxbench000000001', aesKey: 'BenchKey0123456789abcdefghijklmnopqrstuvwxy' };
const N = 4000;
const CONCURRENCY = 32;

function makeRequests(offset: number) {
  const out: Array<{ query: Record<string, string>; payload: string; encrypt: string }> = [];
  const timestamp = String(Math.floor(Date.now() / 1000));
  for (let i = 0; i < N; i++) {
    const xml = messageXml({
      ToUserName: 'gh_bench',
      FromUserName: `oBench${String(i % 500).padStart(22, '0')}`,
      CreateTime: Number(timestamp),
      MsgType: 'text',
      Content: `小区${i}号楼门口的路灯已经坏了一个多星期，晚上出行很不方便，请尽快维修。`,
      MsgId: String(7_000_000_000_000_000_000n + BigInt(offset + i)),
    });
    const encrypt = wxEncrypt(account.aesKey, account.appId, xml);
    const nonce = String(i);
    out.push({
      query: { signature: sign(account.token, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: sign(account.token, timestamp, nonce, encrypt) },
      payload: `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      encrypt,
    });
  }
  return out;
}

function bareLoop(encrypts: string[], minMs: number): number {
  const key = Buffer.from(account.aesKey + '=', 'base64');
  const iv = key.subarray(0, 16);
  const parser = new XMLParser({ parseTagValue: false, processEntities: false });
  let n = 0;
  const t0 = performance.now();
  let sink = 0;
  while (performance.now() - t0 < minMs) {
    for (const e of encrypts) {
      const d = createDecipheriv('aes-256-cbc', key, iv);
      d.setAutoPadding(false);
      const plain = Buffer.concat([d.update(Buffer.from(e, 'base64')), d.final()]);
      const len = plain.readUInt32BE(16);
      const doc = parser.parse(plain.subarray(20, 20 + len).toString('utf8')) as { xml: { Content: string } };
      sink += doc.xml.Content.length;
      n++;
    }
  }
  if (sink < 0) console.log(sink);
  return n / ((performance.now() - t0) / 1000);
}

export async function run(): Promise<void> {
  const redis = await startRedis({ appendonly: false });
  const client = redis.client();
  const h = await channelsHarness(client, ({ acceptor, keys }) => [
    wechatRoutes({
      ...account,
      maxBodyBytes: 16384,
        maxSkewSeconds: 300,
      inbox: new WechatInbox(acceptor, new RedisPendingPlaces(client, keys, 600), { welcome: 'w', menu: {}, replyDeadlineMs: 4000 }, silentLogger()),
    }),
  ]);
  try {
    // Warm-up (JIT, Redis script load), then the measured run on fresh MsgIds.
    const warm = makeRequests(10_000_000).slice(0, 500);
    await drive(h.app, warm);
    const reqs = makeRequests(0);
    const t0 = performance.now();
    await drive(h.app, reqs);
    const e2e = N / ((performance.now() - t0) / 1000);
    const depth = await h.depth();
    if (depth < N) throw new Error(`expected ${N} intakes in the outbox, found ${depth}`);
    const bare = bareLoop(reqs.map((r) => r.encrypt), 2000);
    const harness = await injectOverhead(reqs);
    console.log(`wechat safe mode, end to end (inject → decrypt → parse → accept into Redis outbox → encrypted reply), ${CONCURRENCY} in flight: ${e2e.toFixed(0)} req/s`);
    console.log(`bare AES-256-CBC decrypt + XML parse of the same messages, one loop:                         ${bare.toFixed(0)} msg/s`);
    console.log(`same requests through fastify inject to a route that does nothing (the HTTP driver's own cost):           ${harness.toFixed(0)} req/s`);
    console.log(`ratio end-to-end / bare decrypt+parse: ${(e2e / bare).toFixed(3)} (${(bare / e2e).toFixed(1)}× the bare cost per message)`);
    console.log(`ratio end-to-end / no-op inject:       ${(e2e / harness).toFixed(3)}`);
  } finally {
    await h.close();
    await redis.stop();
  }
}

/** The same requests, same concurrency, to a no-op route: what the inject driver costs by itself. */
async function injectOverhead(reqs: ReturnType<typeof makeRequests>): Promise<number> {
  const app = Fastify();
  app.addContentTypeParser('text/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/v1/channels/wechat', async (_req, reply) => reply.type('application/xml').send('<xml/>'));
  await app.ready();
  try {
    const t0 = performance.now();
    await drive(app as unknown as Awaited<ReturnType<typeof channelsHarness>>['app'], reqs);
    return reqs.length / ((performance.now() - t0) / 1000);
  } finally {
    await app.close();
  }
}

async function drive(app: Awaited<ReturnType<typeof channelsHarness>>['app'], reqs: ReturnType<typeof makeRequests>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const r = reqs[next++]!;
      const res = await app.inject({ method: 'POST', url: '/v1/channels/wechat', query: r.query, payload: r.payload, headers: { 'content-type': 'text/xml' } });
      if (res.statusCode !== 200) throw new Error(`unexpected ${res.statusCode}: ${res.body}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
