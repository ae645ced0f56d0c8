import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerIntakeRoutes } from '../../../src/adapters/http/routes/partner-intakes.js';
import { RedisReplayGuard } from '../../../src/adapters/redis/redis-replay-guard.js';
import { HotlineError } from '../../../src/core/errors.js';
import { channelsHarness, stubJudge, type ChannelsHarness } from '../../helpers/channels-app.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

const APP_SECRET = 'app-secret-0123456789abcdef';
const GOV_SECRET = 'gov-secret-fedcba9876543210';
const SKEW = 300;
let now = new Date('2026-11-22T04:00:00Z');

let redis: TestRedis;
let h: ChannelsHarness;
beforeAll(async () => {
  redis = await startRedis();
  const client = redis.client();
  h = await channelsHarness(
    client,
    ({ acceptor, keys }) => [
      partnerIntakeRoutes({
        acceptor,
        keys: new Map([
          ['hebi-app', APP_SECRET],
          ['gov-platform', GOV_SECRET],
        ]),
        replayGuard: new RedisReplayGuard(client, keys),
        maxSkewSeconds: SKEW,
        maxBodyBytes: 16384,
        maxContentChars: 2000,
        clock: () => now,
      }),
    ],
    {
      judge: (intake) => {
        if (intake.content.text.includes('限制')) throw new HotlineError('RATE_LIMITED', '您提交过于频繁，请稍后再试。');
        return stubJudge(intake);
      },
    },
  );
});
afterAll(async () => {
  await h.close();
  await redis.stop();
});

/** Signs as a partner does, from the README's description (independent of src/). */
function signed(partner: string, secret: string, body: unknown, opts: { timestamp?: number; nonce?: string; path?: string; tamper?: (raw: string) => string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = String(opts.timestamp ?? Math.floor(now.getTime() / 1000));
  const nonce = opts.nonce ?? randomBytes(12).toString('hex');
  const path = opts.path ?? '/v1/partner/intakes';
  const signature = createHmac('sha256', secret).update(`POST\n${path}\n${timestamp}\n${nonce}\n${raw}`).digest('hex');
  return h.app.inject({
    method: 'POST',
    url: path,
    payload: opts.tamper ? opts.tamper(raw) : raw,
    headers: {
      'content-type': 'application/json',
      'x-hotline-partner': partner,
      'x-hotline-timestamp': timestamp,
      'x-hotline-nonce': nonce,
      'x-hotline-signature': signature,
    },
  });
}

describe('partner API', () => {
  it("accepts the centre's app; its item id is the idempotency key and links.externalId", async () => {
    const body = { source: 'app', externalId: 'A-2026-000123', content: '小区电梯经常停运', citizen: { phone: '138 1234 5678', userId: 'u889' }, location: { text: '鹤壁市淇滨区华夏南路' } };
    const res = await signed('hebi-app', APP_SECRET, body);
    expect(res.statusCode).toBe(202);
    const out = res.json();
    expect(out).toMatchObject({ status: 'queued', duplicate: false, emergencyLine: 'EMERGENCY_LINE_NONE', inScope: true });
    const intake = (await h.intakeByKey('app:hebi-app:A-2026-000123'))!;
    expect(intake.intakeId).toBe(out.intakeId);
    expect(intake.channel).toBe('CHANNEL_APP');
    expect(intake.links?.externalId).toBe('A-2026-000123');
    expect(intake.citizen).toMatchObject({ phone: '+8613812345678', partnerUserId: 'hebi-app:u889' });

    // The app resends the same item (a new request, new nonce): the same intake.
    const again = await signed('hebi-app', APP_SECRET, body);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ intakeId: out.intakeId, duplicate: true });
  });

  it('items handed over by the national platform are CHANNEL_NATIONAL_PLATFORM, keyed national:<id>', async () => {
    const res = await signed('gov-platform', GOV_SECRET, { source: 'national_platform', externalId: 'GJ20261122000045', content: '反映某单位拖欠农民工工资' });
    expect(res.statusCode).toBe(202);
    const intake = (await h.intakeByKey('national:GJ20261122000045'))!;
    expect(intake.channel).toBe('CHANNEL_NATIONAL_PLATFORM');
    expect(intake.links?.externalId).toBe('GJ20261122000045');
  });

  it('answers an emergency with the line to call', async () => {
    const res = await signed('hebi-app', APP_SECRET, { source: 'app', externalId: 'A-fire-1', content: '仓库着火了' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ emergencyLine: 'EMERGENCY_LINE_119', message: expect.stringContaining('请立即拨打 119') });
  });

  it('a restricted citizen gets 429 with the polite explanation', async () => {
    const res = await signed('hebi-app', APP_SECRET, { source: 'app', externalId: 'A-limit-1', content: '限制测试' });
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', message: '您提交过于频繁，请稍后再试。' });
  });

  it('rejects a bad signature, an unknown partner, a tampered body, a stale timestamp and a replay with 401, storing nothing', async () => {
    const before = await h.depth();
    const body = { source: 'app', externalId: 'A-sec-1', content: '测试安全' };
    expect((await signed('hebi-app', 'not-the-secret-000000', body)).statusCode).toBe(401);
    expect((await signed('stranger', APP_SECRET, body)).statusCode).toBe(401);
    expect((await signed('hebi-app', APP_SECRET, body, { tamper: (raw) => raw.replace('测试安全', '篡改内容') })).statusCode).toBe(401);
    const stale = await signed('hebi-app', APP_SECRET, body, { timestamp: Math.floor(now.getTime() / 1000) - SKEW - 1 });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().field).toBe('x-hotline-timestamp');
    expect((await signed('hebi-app', APP_SECRET, body, { timestamp: Math.floor(now.getTime() / 1000) + SKEW + 60 })).statusCode).toBe(401);
    const noHeaders = await h.app.inject({ method: 'POST', url: '/v1/partner/intakes', payload: body });
    expect(noHeaders.statusCode).toBe(401);
    expect(await h.depth()).toBe(before);

    const nonce = 'nonce-replay-0000000001';
    const first = await signed('hebi-app', APP_SECRET, body, { nonce });
    expect(first.statusCode).toBe(202);
    // The identical request captured and replayed, within the skew window.
    now = new Date(now.getTime() + 100_000);
    const replay = await signed('hebi-app', APP_SECRET, body, { nonce, timestamp: Math.floor(now.getTime() / 1000) - 100 });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().field).toBe('x-hotline-nonce');
    expect(await h.depth()).toBe(before + 1);
  });

  it('names the field at fault for a valid signature over a bad body', async () => {
    const res = await signed('hebi-app', APP_SECRET, { source: 'app', externalId: 'bad id with spaces', content: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('externalId');
    const extra = await signed('hebi-app', APP_SECRET, { source: 'app', externalId: 'A-1', content: 'x', admin: true });
    expect(extra.json()).toMatchObject({ statusCode: 400, field: 'admin' });
    const phone = await signed('hebi-app', APP_SECRET, { source: 'app', externalId: 'A-2', content: 'x', citizen: { phone: '12' } });
    expect(phone.json()).toMatchObject({ statusCode: 400, field: 'citizen.phone' });
  });
});
