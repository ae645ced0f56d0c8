import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { RedisUserStore } from '../../src/adapters/redis/redis-user-store.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { login, seedUser } from '../helpers/people.js';

const PREFIX = `rules${Math.random().toString(36).slice(2, 8)}:`;

// The composed gateway: the web channel answers with the rules' verdict, a supervisor's
// restriction refuses the citizen over HTTP, and an emergency still gets through.
describe('gateway with intake rules and abuse limits', () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  let dir: string;
  let base: string;
  const env = async (extra: Record<string, string> = {}) => ({
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(await freePort()),
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
    HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'calls.jsonl'),
    HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'surveys.jsonl'),
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
    HOTLINE_GRPC_PORT: '0', // a free control port (issue 6): test gateways run side by side
    HOTLINE_REDIS_PREFIX: PREFIX,
    ...extra,
  });

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'hg-rules-'));
    gw = await startGateway(loadConfig(await env()).config, silentLogger());
    base = gw.url;
    await seedUser(new RedisUserStore(redis.client(), new RedisKeys(PREFIX)), 'duty.supervisor', ['supervisor']);
  });
  afterAll(async () => {
    await gw?.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (content: string, phone = '13800138001') =>
    fetch(`${base}/v1/intake/web`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ content, phone }) });

  it('tells the citizen to call the emergency line at once, and an out-of-scope matter where it belongs', async () => {
    const fire = await post('厨房煤气味很重，不敢开灯');
    expect(fire.status).toBe(202);
    expect(((await fire.json()) as { message: string }).message).toMatch(/^您反映的情况属于119紧急热线受理范围，请立即拨打119/);
    const petition = await post('这件事我已经去信访局反映过了，还没结果');
    expect(((await petition.json()) as { message: string }).message).toMatch(/已记录.*信访渠道/);
    const ordinary = await post('小区门口的路灯坏了');
    expect(((await ordinary.json()) as { message: string }).message).toMatch(/^您的诉求已受理/);
  });

  it('a restricted citizen gets 429 with a polite explanation; an emergency still gets 202', async () => {
    const key = encodeURIComponent('tel:+8613800138002');
    const put = await fetch(`${base}/v1/admin/restrictions/${key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await login(base, 'duty.supervisor')}` },
      body: JSON.stringify({ reason: '反复骚扰话务员', minutes: 10 }),
    });
    expect(put.status).toBe(200);
    const refused = await post('物业费太贵了', '13800138002');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('暂时受到限制') });
    // Retry-After says when the restriction ends: within the 10 minutes set, not before ~9.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(540);
    expect(retryAfter).toBeLessThanOrEqual(600);
    const emergency = await post('楼下有人拿刀砍人', '13800138002');
    expect(emergency.status).toBe(202);
    expect(((await emergency.json()) as { message: string }).message).toContain('请立即拨打110');
  });

  it('refuses to start on an invalid rules file, naming the key', async () => {
    const bad = join(dir, 'bad-rules.yaml');
    writeFileSync(bad, 'gapChars: 8\n');
    const err = await startGateway(loadConfig(await env({ HOTLINE_RULES_FILE: bad })).config, silentLogger()).catch((e: unknown) => e);
    expect(String(err)).toMatch(/intake rules file .*bad-rules\.yaml is invalid: cues: /);
  });
});
