// The composed gateway against a real FreeSWITCH (and, when given, a real drachtio-server), for the
// opt-in suites: its own redis-server, dev core files and short WAV prompts in a temporary folder.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { loadConfig } from '../../src/config/load.js';
import { loadIvrConfig } from '../../src/config/ivr.js';
import type { Config } from '../../src/config/schema.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { renderCallWav } from '../../src/adapters/simulated/wav.js';
import { EslConnection } from '../../src/adapters/freeswitch/esl-connection.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';

export const FS = process.env.HOTLINE_FS_ESL;
export const PASSWORD = process.env.HOTLINE_FS_PASSWORD ?? 'ClueCon';
/** FreeSWITCH's profile for the public context. */
export const SIP = process.env.HOTLINE_FS_SIP ?? '127.0.0.1:5090';

export interface CallLine {
  record: {
    callId: string;
    disposition: string;
    entry: { kind: string };
    dialled: string;
    caller?: string;
    recording?: { sha256?: string; path: string; bytes?: string };
    facts?: { type: string; digit?: string }[];
  };
}

export function sipp(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

/** With HOTLINE_FS_CONF_DIR set: our dialplan installed into FreeSWITCH and reloadxml. */
export async function installDialplan(): Promise<void> {
  if (!process.env.HOTLINE_FS_CONF_DIR) return;
  const [host, port] = FS!.split(':');
  const target = join(process.env.HOTLINE_FS_CONF_DIR, 'dialplan', 'public', '00_hotline_12345.xml');
  copyFileSync(new URL('../../dialplans/public/00_hotline_12345.xml', import.meta.url), target);
  const esl = new EslConnection({
    server: { host: host!, port: Number(port ?? 8021), password: PASSWORD },
    events: ['BACKGROUND_JOB'],
    log: silentLogger(),
  });
  esl.start();
  await eventually(
    () => esl.connected,
    (up) => up,
    10_000,
  );
  await esl.bgapi('reloadxml');
  await esl.stop();
}

/** The IVR's prompts as short WAV files FreeSWITCH can play (no espeak-ng needed here). */
export function writePrompts(dir: string, ivrFile: string): void {
  mkdirSync(dir, { recursive: true });
  for (const id of loadIvrConfig(ivrFile).prompts.keys()) writeFileSync(join(dir, `${id}.wav`), renderCallWav(800, []));
}

/** SIPp's built-in UAC calling 12345 at `target` from `fromPort`: INVITE, ACK the 200, hold `holdMs`, BYE. */
export function sippCall(target: string, fromPort: number, holdMs = 6000): ReturnType<typeof sipp> {
  return sipp(['-sn', 'uac', '-s', '12345', '-m', '1', '-d', String(holdMs), '-i', '127.0.0.1', '-p', String(fromPort), '-timeout', '40s', '-timeout_error', target]);
}

export interface RealGateway {
  gw: RunningGateway;
  callLines(): CallLine[];
  /**
   * SIPp's built-in UAC calls 12345 at `target` from `fromPort` (INVITE, ACK the 200, hold 6 s,
   * BYE); resolves with the call record the gateway then writes.
   */
  callAndRecord(target: string, fromPort: number): Promise<CallLine['record']>;
  stop(): Promise<void>;
}

/** Starts the gateway on FreeSWITCH (HOTLINE_FS_ESL) with `env` on top; `configure` may change the config. */
export async function startRealGateway(
  env: Record<string, string> = {},
  configure?: (c: Config) => void,
): Promise<RealGateway> {
  await installDialplan();
  const redis: TestRedis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'hg-fs-real-'));
  const callsFile = join(dir, 'calls.jsonl');
  const prompts = join(dir, 'prompts');
  mkdirSync(prompts, { recursive: true });
  const { config } = loadConfig({
    HOTLINE_GRPC_PORT: '0', // a free control port (issue 6): test gateways run side by side
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(await freePort()),
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'surveys.jsonl'),
    HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
    HOTLINE_DEV_CORE_CALLS_FILE: callsFile,
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
    HOTLINE_LOG_LEVEL: 'warn',
    HOTLINE_FS_ESL: FS!,
    HOTLINE_FS_PASSWORD: PASSWORD,
    ...env,
  });
  config.telephony.promptsDir = prompts;
  writePrompts(prompts, config.telephony.ivrFile);
  configure?.(config);
  const gw = await startGateway(config, silentLogger());
  await eventually(
    async () =>
      (
        (await gw.http.inject({ method: 'GET', url: '/healthz' })).json() as {
          checks: { freeswitch?: { ok: boolean } };
        }
      ).checks.freeswitch?.ok,
    (ok) => ok === true,
    20_000,
  );
  const callLines = (): CallLine[] =>
    existsSync(callsFile)
      ? readFileSync(callsFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as CallLine)
      : [];
  return {
    gw,
    callLines,
    callAndRecord: async (target, fromPort) => {
      const before = callLines().length;
      const run = await sippCall(target, fromPort);
      if (run.code !== 0) throw new Error(`sipp exited ${run.code}: ${run.out.slice(-2000)}`);
      const lines = await eventually(callLines, (ls) => ls.length > before, 30_000);
      return lines[lines.length - 1]!.record;
    },
    stop: async () => {
      await gw.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
