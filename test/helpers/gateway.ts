import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** The gateway's configuration for a test: its own data dir, Redis, a free HTTP port. */
export function testConfig(env: Record<string, string> = {}): Config {
  const dir = mkdtempSync(join(tmpdir(), 'hg-gw-'));
  const { config } = loadConfig({
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: '1', // replaced below: 0 is not a valid operator setting
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_FILE: join(dir, 'dev-core', 'intakes.jsonl'),
    // Every file a test's gateway writes stays in its own directory, never in the working tree.
    HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'dev-core', 'calls.jsonl'),
    HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'dev-core', 'surveys.jsonl'),
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
    HOTLINE_LOG_LEVEL: 'silent',
    HOTLINE_REDIS_PREFIX: `t${Math.random().toString(36).slice(2, 8)}:`,
    ...env,
  });
  config.http.port = 0;
  config.control.port = 0; // the control port (issue 6): a free one, as tests run side by side
  config.outbox.idlePollMs = 20;
  config.outbox.retryMinMs = 50;
  config.outbox.retryMaxMs = 400;
  return config;
}

export interface CoreLine {
  workOrderId: string;
  storedTime: string;
  intake: Record<string, unknown> & { intakeId: string; idempotencyKey: string };
}

export function readCoreFile(file: string): CoreLine[] {
  return readJsonLines<CoreLine>(file);
}

/** The lines of a JSON-lines file (none when it does not exist yet). */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // The core may be writing its last line as we read: only complete (newline-ended) lines count.
  const lines = text.split('\n');
  lines.pop();
  return lines.filter(Boolean).map((l) => JSON.parse(l) as T);
}

export async function eventually<T>(
  probe: () => Promise<T> | T,
  ok: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > until)
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)?.slice(0, 500)}`,
      );
    await sleep(25);
  }
}

const ROOT = new URL('../../', import.meta.url).pathname;

export interface GatewayProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for assertion messages. */
  output(): string;
  exited: Promise<number | null>;
}

/** The gateway as its own process, run from source, configured by HOTLINE_* variables. */
export function spawnGateway(env: Record<string, string>): GatewayProcess {
  // The files a gateway writes go under its data directory unless the test names them: never into
  // the working tree's var/.
  const dir = env.HOTLINE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'hg-gw-'));
  const files = {
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_FILE: join(dir, 'dev-core', 'intakes.jsonl'),
    HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'dev-core', 'calls.jsonl'),
    HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'dev-core', 'surveys.jsonl'),
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // A free control port (issue 6) unless the test names one: test gateways run side by side.
    env: { ...process.env, HOTLINE_GRPC_PORT: '0', ...files, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  return { child, output: () => out, exited };
}

/** Until /readyz answers 200 (connection refused counts as not yet). */
export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    () =>
      fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      ),
    (s) => s === 200,
    timeoutMs,
  );
}
