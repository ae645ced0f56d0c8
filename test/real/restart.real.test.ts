// Opt-in: a single gateway on a real FreeSWITCH (HOTLINE_FS_ESL) is killed with SIGKILL while a
// citizen's call waits in its queue; the citizen hangs up while no gateway runs; the gateway
// starts again and writes the call's record from the live-call registry — interrupted, with the
// facts the first run stored and the recording FreeSWITCH finished (art. 17: every call archived) —
// and takes it out of the queue it waited in.
// CI has no FreeSWITCH: there the suite is skipped and says so.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { eventually, readJsonLines, spawnGateway, waitReady, type GatewayProcess } from '../helpers/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { FS, PASSWORD, SIP, installDialplan, sippCall, writePrompts, type CallLine } from './real-gateway.js';

const skipMessage = 'real-switch suite: set HOTLINE_FS_ESL=host:port (and HOTLINE_FS_PASSWORD, HOTLINE_FS_CONF_DIR) to run the restart test against a FreeSWITCH';
if (!FS) process.stdout.write(`[skipped] ${skipMessage}\n`);

describe.skipIf(!FS)(skipMessage.replace('set ', 'needs '), () => {
  let redis: TestRedis | undefined;
  const children: GatewayProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hg-fs-restart-'));
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a call that ends while its only gateway is down is recorded once by the restarted gateway, interrupted, with its recording', async () => {
    await installDialplan();
    redis = await startRedis();
    writePrompts(join(dir, 'prompts'), 'config/ivr.yaml');
    const configFile = join(dir, 'gateway.yaml');
    // A short lease, so the restarted gateway may claim the call soon after the first run died.
    writeFileSync(configFile, `freeswitch:\n  callLeaseMs: 2000\ntelephony:\n  promptsDir: ${join(dir, 'prompts')}\n`);
    const env = {
      HOTLINE_CONFIG: configFile,
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_DATA_DIR: dir,
      HOTLINE_HTTP_HOST: '127.0.0.1',
      HOTLINE_FS_ESL: FS!,
      HOTLINE_FS_PASSWORD: PASSWORD,
      HOTLINE_LOG_LEVEL: 'warn',
    };
    const start = async () => {
      const port = await freePort();
      const gw = spawnGateway({ ...env, HOTLINE_HTTP_PORT: String(port) });
      children.push(gw);
      await waitReady(`http://127.0.0.1:${port}`);
      return gw;
    };
    const calls = () => readJsonLines<CallLine>(join(dir, 'dev-core', 'calls.jsonl'));
    const r = redis.client();

    const first = await start();
    const queued = (id: string) => r.zscore('hg:acd:queue:general', id);
    const citizen = sippCall(SIP, await freePort(), 8000);
    // The call is claimed and registered, then queued (no agent): its fact is stored.
    const registry = await eventually(() => r.keys('hg:calls:live:*'), (k) => k.length === 1, 20_000);
    const [callId] = await eventually(() => r.hkeys(registry[0]!), (ids) => ids.length === 1, 10_000);
    await eventually(() => r.lrange(`hg:call:${callId}:facts`, 0, -1), (f) => f.some((x) => x.includes('queue.entered')), 20_000);
    expect(await queued(callId!)).not.toBeNull();
    first.child.kill('SIGKILL');
    await first.exited;

    // The citizen hangs up (SIPp's BYE) while no gateway runs.
    const run = await citizen;
    expect(run.code, run.out.slice(-1500)).toBe(0);
    expect(calls()).toEqual([]);

    await start();
    const lines = await eventually(calls, (ls) => ls.length > 0, 20_000);
    await new Promise((res) => setTimeout(res, 3000)); // a few more sweeps: still one record
    expect(calls()).toHaveLength(1);
    const rec = lines[0]!.record;
    expect(rec).toMatchObject({ callId, disposition: 'DISPOSITION_INTERRUPTED', dialled: '12345' });
    expect(rec.facts?.map((f) => f.type)).toContain('queue.entered');
    expect(rec.recording?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(rec.recording?.bytes)).toBeGreaterThan(1000);
    expect(await r.hlen(registry[0]!)).toBe(0);
    // Out of the queue it waited in: no agent will be offered a call that is gone.
    expect(await queued(callId!)).toBeNull();
    expect(await r.exists(`hg:acd:call:${callId}`)).toBe(0);
  }, 120_000);
});
