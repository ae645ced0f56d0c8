import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import { loadConfig } from '../../../src/config/load.js';
import { freePort } from '../../../src/adapters/redis/embedded-redis.js';
import type { SwitchEvent } from '../../../src/core/ports/switch.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { silentLogger } from '../../helpers/logger.js';
import { EslDouble } from '../../doubles/esl-double.js';

describe('gateway with HOTLINE_FS_ESL set', () => {
  let redis: TestRedis;
  let fs: EslDouble;
  let gw: RunningGateway;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    fs = new EslDouble({ password: 'hotline-test', mediaMs: 5 });
    const port = await fs.listen();
    dir = mkdtempSync(join(tmpdir(), 'hg-gw-fs-'));
    const { config } = loadConfig({
      HOTLINE_GRPC_PORT: '0', // a free control port (issue 6): test gateways run side by side
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_HTTP_PORT: String(await freePort()),
      HOTLINE_DATA_DIR: dir,
      HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
      HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'calls.jsonl'),
      HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'surveys.jsonl'),
      HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
      HOTLINE_LOG_LEVEL: 'silent',
      HOTLINE_FS_ESL: `127.0.0.1:${port}`,
      HOTLINE_FS_PASSWORD: 'hotline-test',
    });
    gw = await startGateway(config, silentLogger());
  });

  afterAll(async () => {
    await gw?.stop();
    await fs.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drives the configured FreeSWITCH, owns its calls in Redis and reports the link in /healthz', async () => {
    expect(gw.freeswitch).toBeDefined();
    const sw = gw.freeswitch!.switches[0]!;
    const events: SwitchEvent[] = [];
    sw.on((e) => events.push(e));
    for (let i = 0; i < 100 && fs.connectedClients === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const uuid = fs.placeCall({
      caller: '13800138000',
      variables: { hotline_entry: 'emergency-transfer', hotline_from_line: '119' },
    });
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'call.arrived'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const arrived = events.find((e) => e.type === 'call.arrived');
    expect(arrived).toMatchObject({
      call: { callId: uuid, entry: { kind: 'emergency-transfer', fromLine: '119' } },
    });
    expect(await redis.client().get(`hg:call:owner:${uuid}`)).toBe(gw.freeswitch!.instanceId);
    // In the switch's live-call registry until released: a restart finds it there.
    expect(JSON.parse((await redis.client().hget(`hg:calls:live:${sw.id}`, uuid))!)).toMatchObject({ callId: uuid, caller: '13800138000' });

    const res = await gw.http.inject({ method: 'GET', url: '/healthz' });
    const body = res.json() as {
      checks: Record<string, { ok: boolean; servers: { connected: boolean; calls: number }[] }>;
    };
    expect(body.checks.freeswitch).toMatchObject({ ok: true, servers: [{ connected: true, calls: 1 }] });

    // The call is given up (marked ended) only once its call-detail record is queued: an instance
    // dying in between leaves a lapsed lease, which a watcher records (call-ownership test).
    await sw.hangup(uuid);
    const r = redis.client();
    for (let i = 0; ; i++) {
      const [[, owner], [, queued]] = (await r.multi().get(`hg:call:owner:${uuid}`).exists(`hg:cdr-idem:${uuid}`).exec()) as [[null, string | null], [null, number]];
      if (owner?.startsWith('ended:')) {
        expect(queued).toBe(1);
        expect(await r.hexists(`hg:calls:live:${sw.id}`, uuid)).toBe(0);
        break;
      }
      expect(i, 'the call is never given up').toBeLessThan(5000);
      await new Promise((res) => setTimeout(res, 1));
    }
  });
});
