// Opt-in: the gateway against a real FreeSWITCH (HOTLINE_FS_ESL=host:port, HOTLINE_FS_PASSWORD),
// with SIPp placing a citizen's call to 12345 on FreeSWITCH's public profile. FreeSWITCH must
// have dialplans/public/00_hotline_12345.xml installed; with HOTLINE_FS_CONF_DIR set (its conf dir)
// the suite installs it and runs reloadxml itself. Everything on 127.0.0.1.
// CI has no FreeSWITCH: there the suite is skipped and says so.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { loadConfig } from '../../src/config/load.js';
import { loadIvrConfig } from '../../src/config/ivr.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { renderCallWav } from '../../src/adapters/simulated/wav.js';
import { EslConnection } from '../../src/adapters/freeswitch/esl-connection.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';

const FS = process.env.HOTLINE_FS_ESL;
const PASSWORD = process.env.HOTLINE_FS_PASSWORD ?? 'ClueCon';
const SIP = process.env.HOTLINE_FS_SIP ?? '127.0.0.1:5090'; // FreeSWITCH's profile for the public context
const skipMessage = 'real-switch suite: set HOTLINE_FS_ESL=host:port (and HOTLINE_FS_PASSWORD, HOTLINE_FS_SIP) to run it against a FreeSWITCH';
if (!FS) process.stdout.write(`[skipped] ${skipMessage}\n`);

interface CallLine {
  record: {
    callId: string;
    disposition: string;
    entry: { kind: string };
    dialled: string;
    recording?: { sha256?: string; path: string; bytes?: string };
    facts?: { type: string }[];
  };
}

function sipp(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!FS)(`${skipMessage.replace('set ', 'needs ')}`, () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  let dir: string;
  let callsFile: string;

  beforeAll(async () => {
    const [host, port] = FS!.split(':');
    if (process.env.HOTLINE_FS_CONF_DIR) {
      const target = join(process.env.HOTLINE_FS_CONF_DIR, 'dialplan', 'public', '00_hotline_12345.xml');
      copyFileSync(new URL('../../dialplans/public/00_hotline_12345.xml', import.meta.url), target);
      const esl = new EslConnection({
        server: { host: host!, port: Number(port ?? 8021), password: PASSWORD },
        events: ['BACKGROUND_JOB'],
        log: silentLogger(),
      });
      esl.start();
      await eventually(() => esl.connected, (up) => up, 10_000);
      await esl.bgapi('reloadxml');
      await esl.stop();
    }
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'hg-fs-real-'));
    callsFile = join(dir, 'calls.jsonl');
    // Prompts as short WAV files FreeSWITCH can play (no espeak-ng needed here).
    const prompts = join(dir, 'prompts');
    mkdirSync(prompts, { recursive: true });
    const { config } = loadConfig({
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_HTTP_HOST: '127.0.0.1',
      HOTLINE_HTTP_PORT: String(await freePort()),
      HOTLINE_DATA_DIR: dir,
      HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
      HOTLINE_DEV_CORE_CALLS_FILE: callsFile,
      HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
      HOTLINE_LOG_LEVEL: 'warn',
      HOTLINE_FS_ESL: FS!,
      HOTLINE_FS_PASSWORD: PASSWORD,
    });
    config.telephony.promptsDir = prompts;
    for (const id of loadIvrConfig(config.telephony.ivrFile).prompts.keys()) {
      writeFileSync(join(prompts, `${id}.wav`), renderCallWav(800, []));
    }
    gw = await startGateway(config, silentLogger());
    await eventually(
      async () => ((await gw.http.inject({ method: 'GET', url: '/healthz' })).json() as { checks: { freeswitch?: { ok: boolean } } }).checks.freeswitch?.ok,
      (ok) => ok === true,
      20_000,
    );
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const callLines = (): CallLine[] =>
    existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CallLine) : [];

  it('a SIPp call to 12345 is parked, answered by the IVR, queued, recorded by FreeSWITCH, and leaves one call record', async () => {
    const before = callLines().length;
    // SIPp's built-in UAC: INVITE 12345, ACK the 200, hold 6 s, BYE.
    const run = await sipp(['-sn', 'uac', '-s', '12345', '-m', '1', '-d', '6000', '-i', '127.0.0.1', '-p', String(await freePort()), '-timeout', '40s', '-timeout_error', SIP]);
    expect(run.code, run.out.slice(-2000)).toBe(0);

    const lines = await eventually(() => callLines(), (ls) => ls.length > before, 30_000);
    const rec = lines[lines.length - 1]!.record;
    expect(rec.dialled).toBe('12345');
    expect(rec.entry.kind).toBe('citizen');
    // The caller hung up while waiting in the ACD queue (no agent is logged in to this gateway).
    expect(rec.disposition).toBe('DISPOSITION_ABANDONED');
    expect(rec.facts?.map((f) => f.type)).toContain('queue.entered');
    // FreeSWITCH wrote the recording where the gateway asked; the gateway checksummed it.
    expect(rec.recording?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(rec.recording!.path)).toBe(true);
    expect(Number(rec.recording?.bytes)).toBeGreaterThan(1000);
  }, 90_000);
});
