import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatRoutes } from '../../../src/adapters/http/routes/wechat.js';
import { RedisPendingPlaces } from '../../../src/adapters/redis/redis-pending-places.js';
import { HotlineError } from '../../../src/core/errors.js';
import { WechatInbox, WECHAT_TEXTS } from '../../../src/services/wechat-inbox.js';
import type { IntakeJudge } from '../../../src/services/intake-acceptor.js';
import { channelsHarness, stubJudge, type ChannelsHarness } from '../../helpers/channels-app.js';
import { silentLogger } from '../../helpers/logger.js';
import { until } from '../../helpers/provider-standin.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { field, messageXml, sign, wechatPost, wxDecrypt, wxEncrypt, type WxAccount } from '../../helpers/wechat-client.js';

const account: Required<WxAccount> = { token: 'hotline-test-token', appId: 'wx5f1b2c3d4e5f6a7b', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const OPENID = 'oABC123def456GHI789jkl012mno';
const GH = 'gh_0123456789ab';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

async function harness(mode: 'plain' | 'safe', judge: IntakeJudge = stubJudge, replyDeadlineMs = 4000): Promise<ChannelsHarness> {
  const client = redis.client();
  return channelsHarness(
    client,
    ({ acceptor, keys }) => [
      wechatRoutes({
        token: account.token,
        appId: account.appId,
        aesKey: mode === 'safe' ? account.aesKey : '',
        maxBodyBytes: 16384,
        maxSkewSeconds: 300,
        inbox: new WechatInbox(
          acceptor,
          new RedisPendingPlaces(client, keys, 600),
          { welcome: '欢迎关注 12345', menu: { GUIDE: '请直接发送文字描述您的诉求。' }, replyDeadlineMs },
          silentLogger(),
        ),
      }),
    ],
    { judge },
  );
}

let seq = 7_300_000_000_000_000_000n;
const nextMsgId = () => String(++seq);
const base = (msgType: string, extra: Record<string, string | number> = {}) => ({
  ToUserName: GH,
  FromUserName: OPENID,
  CreateTime: Math.floor(Date.now() / 1000),
  MsgType: msgType,
  ...extra,
});

/** Posts as WeChat would and returns the status and, for a reply, its text (decrypted and checked in safe mode). */
async function post(h: ChannelsHarness, fields: Record<string, string | number>, mode: 'plain' | 'safe' | 'compatible') {
  const { query, payload } = wechatPost(account, messageXml(fields), mode);
  const res = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query, payload, headers: { 'content-type': 'text/xml' } });
  let xml = res.body;
  if (res.statusCode === 200 && mode !== 'plain' && res.body !== 'success') {
    const encrypt = field(res.body, 'Encrypt')!;
    // The reply's own msg_signature must verify as WeChat checks it.
    expect(field(res.body, 'MsgSignature')).toBe(sign(account.token, field(res.body, 'TimeStamp')!, field(res.body, 'Nonce')!, encrypt));
    const opened = wxDecrypt(account.aesKey, encrypt);
    expect(opened.appId).toBe(account.appId);
    xml = opened.xml;
  }
  return { status: res.statusCode, raw: res.body, xml, content: field(xml, 'Content') };
}

describe.each(['plain', 'safe'] as const)('WeChat server, %s mode', (mode) => {
  const wire = mode === 'plain' ? 'plain' : 'safe';
  let h: ChannelsHarness;
  beforeAll(async () => {
    h = await harness(mode);
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers URL verification with echostr only when the signature holds', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '12345';
    const ok = await h.app.inject({ method: 'GET', url: '/v1/channels/wechat', query: { signature: sign(account.token, timestamp, nonce), timestamp, nonce, echostr: 'echo-5377' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('echo-5377');
    const bad = await h.app.inject({ method: 'GET', url: '/v1/channels/wechat', query: { signature: sign('other', timestamp, nonce), timestamp, nonce, echostr: 'x' } });
    expect(bad.statusCode).toBe(401);
    // A genuine request captured and replayed an hour later.
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const stale = await h.app.inject({ method: 'GET', url: '/v1/channels/wechat', query: { signature: sign(account.token, old, nonce), timestamp: old, nonce, echostr: 'x' } });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().field).toBe('timestamp');
  });

  it('text: an intake, and a passive reply to the citizen with its number', async () => {
    const msgId = nextMsgId();
    const r = await post(h, base('text', { Content: '小区门口路灯坏了一个月了', MsgId: msgId }), wire);
    expect(r.status).toBe(200);
    expect(field(r.xml, 'ToUserName')).toBe(OPENID);
    expect(field(r.xml, 'FromUserName')).toBe(GH);
    expect(field(r.xml, 'MsgType')).toBe('text');
    const intake = (await h.intakeByKey(`wechat:${msgId}`))!;
    expect(intake.channel).toBe('CHANNEL_WECHAT');
    expect(intake.citizen.wechatOpenid).toBe(OPENID);
    expect(intake.content.text).toBe('小区门口路灯坏了一个月了');
    expect(r.content).toContain(`受理编号 ${intake.intakeId}`);
  });

  it("WeChat's retries of the same MsgId make one intake and the same answer", async () => {
    const msgId = nextMsgId();
    const fields = base('text', { Content: '楼道堆放杂物', MsgId: msgId });
    const before = await h.depth();
    const replies = await Promise.all([post(h, fields, wire), post(h, fields, wire), post(h, fields, wire)]);
    expect(await h.depth()).toBe(before + 1);
    const intake = (await h.intakeByKey(`wechat:${msgId}`))!;
    for (const r of replies) expect(r.content).toContain(intake.intakeId);
  });

  it('image: kept as an attachment with its media id and URL', async () => {
    const msgId = nextMsgId();
    const r = await post(h, base('image', { PicUrl: 'http://mmbiz.qpic.cn/abc.jpg', MediaId: 'media-img-1', MsgId: msgId }), wire);
    expect(r.status).toBe(200);
    const intake = (await h.intakeByKey(`wechat:${msgId}`))!;
    expect(intake.content.attachments).toEqual([{ kind: 'image', mediaId: 'media-img-1', uri: 'http://mmbiz.qpic.cn/abc.jpg' }]);
    expect(r.content).toContain(intake.intakeId);
  });

  it("voice with Recognition: WeChat's transcript is the content", async () => {
    const msgId = nextMsgId();
    await post(h, base('voice', { MediaId: 'media-voice-1', Format: 'amr', Recognition: '我家楼下饭店油烟太大', MsgId: msgId }), wire);
    const intake = (await h.intakeByKey(`wechat:${msgId}`))!;
    expect(intake.content.text).toBe('我家楼下饭店油烟太大');
    expect(intake.content.transcript).toMatchObject({ text: '我家楼下饭店油烟太大', engine: 'wechat-recognition' });
    expect(intake.content.attachments).toEqual([{ kind: 'voice', mediaId: 'media-voice-1', mimeType: 'audio/amr' }]);
  });

  it('voice without Recognition: the media id is kept for later transcription', async () => {
    const msgId = nextMsgId();
    const r = await post(h, base('voice', { MediaId: 'media-voice-2', Format: 'speex', MsgId: msgId }), wire);
    const intake = (await h.intakeByKey(`wechat:${msgId}`))!;
    expect(intake.content.text).toBe('');
    expect(intake.content.transcript).toBeUndefined();
    expect(intake.content.attachments).toEqual([{ kind: 'voice', mediaId: 'media-voice-2', mimeType: 'audio/speex' }]);
    expect(intake.missingElements).not.toContain('REQUIRED_ELEMENT_CONTENT');
    expect(r.content).toContain(intake.intakeId);
  });

  it('video and link messages become intakes', async () => {
    const v = nextMsgId();
    await post(h, base('video', { MediaId: 'media-video-1', ThumbMediaId: 'thumb-1', MsgId: v }), wire);
    expect((await h.intakeByKey(`wechat:${v}`))!.content.attachments).toEqual([{ kind: 'video', mediaId: 'media-video-1' }]);
    const l = nextMsgId();
    await post(h, base('link', { Title: '小区违建', Description: '顶楼加盖', Url: 'https://example.cn/a', MsgId: l }), wire);
    const link = (await h.intakeByKey(`wechat:${l}`))!;
    expect(link.content.text).toBe('小区违建\n顶楼加盖');
    expect(link.content.attachments).toEqual([{ kind: 'link', uri: 'https://example.cn/a', title: '小区违建' }]);
  });

  it('location: kept (GCJ-02) and joined to the citizen’s next message as the place, once', async () => {
    const other = 'oOTHERuser000000000000000001';
    const before = await h.depth();
    const loc = await post(h, base('location', { Location_X: '35.747627', Location_Y: '114.297386', Scale: 15, Label: '河南省鹤壁市淇滨区九州路', MsgId: nextMsgId() }), wire);
    expect(loc.content).toContain('河南省鹤壁市淇滨区九州路');
    expect(await h.depth()).toBe(before);
    // Another citizen's message does not take this place.
    const o = nextMsgId();
    await post(h, { ...base('text', { Content: '噪音扰民', MsgId: o }), FromUserName: other }, wire);
    expect((await h.intakeByKey(`wechat:${o}`))!.incident).toBeUndefined();

    const next = nextMsgId();
    await post(h, base('text', { Content: '这里的井盖丢了', MsgId: next }), wire);
    const intake = (await h.intakeByKey(`wechat:${next}`))!;
    expect(intake.incident?.location).toEqual({
      text: '河南省鹤壁市淇滨区九州路',
      coordinates: { latitude: 35.747627, longitude: 114.297386, datum: 'DATUM_GCJ02' },
    });
    expect(intake.missingElements).not.toContain('REQUIRED_ELEMENT_PLACE');
    const after = nextMsgId();
    await post(h, base('text', { Content: '另外一件事', MsgId: after }), wire);
    expect((await h.intakeByKey(`wechat:${after}`))!.incident).toBeUndefined();
  });

  it('events: subscribe gets the welcome, a menu click its configured answer, neither an intake', async () => {
    const before = await h.depth();
    const sub = await post(h, base('event', { Event: 'subscribe' }), wire);
    expect(sub.content).toBe('欢迎关注 12345');
    const click = await post(h, base('event', { Event: 'CLICK', EventKey: 'GUIDE' }), wire);
    expect(click.content).toBe('请直接发送文字描述您的诉求。');
    const unsub = await post(h, base('event', { Event: 'unsubscribe' }), wire);
    expect(unsub.raw).toBe('success');
    expect(await h.depth()).toBe(before);
  });

  it('an unsupported type is answered, not stored', async () => {
    const before = await h.depth();
    const r = await post(h, base('miniprogrampage', { Title: 'x', MsgId: nextMsgId() }), wire);
    expect(r.content).toBe(WECHAT_TEXTS.unsupported);
    expect(await h.depth()).toBe(before);
  });

  it('an emergency is answered with the number to call at once; out of scope with the explanation', async () => {
    const e = nextMsgId();
    const fire = await post(h, base('text', { Content: '楼下着火了，好大的烟', MsgId: e }), wire);
    expect(fire.content).toContain('请立即拨打 119');
    expect((await h.intakeByKey(`wechat:${e}`))!.emergencyLine).toBe('EMERGENCY_LINE_119');
    const s = nextMsgId();
    const court = await post(h, base('text', { Content: '我的案子法院已经立案了', MsgId: s }), wire);
    expect(court.content).toContain('您反映的事项已进入诉讼程序，请按司法程序办理。');
  });

  it('rejects a bad signature, XML with a DOCTYPE, malformed XML and an oversize body, storing nothing', async () => {
    const before = await h.depth();
    const good = wechatPost(account, messageXml(base('text', { Content: '测试', MsgId: nextMsgId() })), wire);
    const badSig = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: { ...good.query, signature: 'f'.repeat(40) }, payload: good.payload, headers: { 'content-type': 'text/xml' } });
    expect(badSig.statusCode).toBe(401);
    expect(badSig.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const xxe = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>${messageXml(base('text', { Content: '&x;', MsgId: nextMsgId() }))}`;
    const doc = wechatPost(account, xxe, wire);
    const dtd = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: doc.query, payload: mode === 'plain' ? xxe : doc.payload, headers: { 'content-type': 'text/xml' } });
    expect(dtd.statusCode).toBe(400);
    expect(dtd.json().message).toContain('DOCTYPE');

    const broken = wechatPost(account, '<xml><ToUserName>gh</ToUserName><FromUserName>oX', 'plain');
    const malformed = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: broken.query, payload: broken.payload, headers: { 'content-type': 'text/xml' } });
    expect(malformed.statusCode).toBe(400);

    const big = wechatPost(account, messageXml(base('text', { Content: '很'.repeat(10_000), MsgId: nextMsgId() })), wire);
    const oversize = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: big.query, payload: big.payload, headers: { 'content-type': 'text/xml' } });
    expect(oversize.statusCode).toBe(413);
    expect(await h.depth()).toBe(before);
  });

  it('a restricted citizen gets the polite explanation as the reply', async () => {
    const restricted = await harness(mode, () => {
      throw new HotlineError('RATE_LIMITED', '您近期提交过于频繁，已暂停受理至明日。如遇紧急情况请拨打 110、119、120。');
    });
    try {
      const r = await post(restricted, base('text', { Content: '再投诉一次', MsgId: nextMsgId() }), wire);
      expect(r.status).toBe(200);
      expect(r.content).toBe('您近期提交过于频繁，已暂停受理至明日。如遇紧急情况请拨打 110、119、120。');
      expect(await restricted.depth()).toBe(0);
    } finally {
      await restricted.close();
    }
  });
});

describe('WeChat safe mode specifics', () => {
  let h: ChannelsHarness;
  beforeAll(async () => {
    h = await harness('safe');
  });
  afterAll(async () => {
    await h.close();
  });

  it('compatible mode: the encrypted copy is what counts, not the plaintext beside it', async () => {
    const msgId = nextMsgId();
    const real = messageXml(base('text', { Content: '真实内容：道路积水', MsgId: msgId }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '998877';
    const encrypt = wxEncrypt(account.aesKey, account.appId, real);
    const forgedPlain = messageXml(base('text', { Content: '篡改的明文', MsgId: msgId })).replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/channels/wechat',
      query: { signature: sign(account.token, timestamp, nonce), timestamp, nonce, encrypt_type: 'aes', msg_signature: sign(account.token, timestamp, nonce, encrypt) },
      payload: forgedPlain,
      headers: { 'content-type': 'text/xml' },
    });
    expect(res.statusCode).toBe(200);
    expect((await h.intakeByKey(`wechat:${msgId}`))!.content.text).toBe('真实内容：道路积水');
  });

  it('rejects a bad msg_signature (401), another appid (403) and an unencrypted message (400), storing nothing', async () => {
    const before = await h.depth();
    const xml = messageXml(base('text', { Content: '测试', MsgId: nextMsgId() }));
    const good = wechatPost(account, xml, 'safe');
    const badMsgSig = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: { ...good.query, msg_signature: sign('x', 'y') }, payload: good.payload, headers: { 'content-type': 'text/xml' } });
    expect(badMsgSig.statusCode).toBe(401);

    const foreign = wechatPost({ ...account, appId: 'wx0000000000000000' }, xml, 'safe');
    const appid = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: foreign.query, payload: foreign.payload, headers: { 'content-type': 'text/xml' } });
    expect(appid.statusCode).toBe(403);

    const plain = wechatPost(account, xml, 'plain');
    const unencrypted = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: plain.query, payload: plain.payload, headers: { 'content-type': 'text/xml' } });
    expect(unencrypted.statusCode).toBe(400);
    expect(unencrypted.json().field).toBe('encrypt_type');

    // A DOCTYPE smuggled inside the encrypted message is refused too.
    const inner = wechatPost(account, `<!DOCTYPE x [<!ENTITY a "b">]>${xml}`, 'safe');
    const dtd = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query: inner.query, payload: inner.payload, headers: { 'content-type': 'text/xml' } });
    expect(dtd.statusCode).toBe(400);
    expect(await h.depth()).toBe(before);
  });
});

describe('WeChat plain mode receiving compatible-mode pushes without a key', () => {
  it('uses the plaintext fields WeChat sends beside Encrypt', async () => {
    const h = await harness('plain');
    try {
      const msgId = nextMsgId();
      const { query, payload } = wechatPost(account, messageXml(base('text', { Content: '兼容模式消息', MsgId: msgId })), 'compatible');
      const res = await h.app.inject({ method: 'POST', url: '/v1/channels/wechat', query, payload, headers: { 'content-type': 'text/xml' } });
      expect(res.statusCode).toBe(200);
      expect(field(res.body, 'Content')).toContain('受理编号');
      expect((await h.intakeByKey(`wechat:${msgId}`))!.content.text).toBe('兼容模式消息');
    } finally {
      await h.close();
    }
  });
});

describe("WeChat's 5-second limit", () => {
  it('answers with a holding reply before the deadline; the retry with the same MsgId gets the intake number', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let calls = 0;
    const h = await harness(
      'plain',
      async (intake) => {
        // Only the first attempt hangs (a slow store); WeChat's retry finds the system well again.
        if (calls++ === 0) await slow;
        return intake;
      },
      1000,
    );
    try {
      const msgId = nextMsgId();
      const fields = base('text', { Content: '供暖不热', MsgId: msgId });
      const first = await post(h, fields, 'plain');
      expect(first.status).toBe(200);
      expect(first.content).toBe(WECHAT_TEXTS.pending);
      release();
      await until(async () => (await h.intakeByKey(`wechat:${msgId}`)) !== undefined, 10_000, 'the late intake');
      const retry = await post(h, fields, 'plain');
      const intake = (await h.intakeByKey(`wechat:${msgId}`))!;
      expect(retry.content).toContain(`受理编号 ${intake.intakeId}`);
      expect(await h.depth()).toBe(1);
    } finally {
      await h.close();
    }
  });
});
