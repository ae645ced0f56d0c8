import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from '../../log/logger.js';

export interface EmbeddedRedisOptions {
  dataDir: string;
  binary: string;
  appendfsync: 'always' | 'everysec';
  log: Logger;
}

export interface EmbeddedRedis {
  url: string;
  /** True when this process started the server; false when it found one it had started before. */
  started: boolean;
  pid: number;
  /** Asks the server to persist and exit (on a clean gateway shutdown). */
  stop(): Promise<void>;
}

export class EmbeddedRedisError extends Error {
  override name = 'EmbeddedRedisError';
}

/**
 * The embedded default (README "Quick start"): a redis-server of the gateway's own on loopback,
 * data under <dataDir>/redis, append-only persistence on. It runs as a daemon so a crash of the
 * gateway does not take the queue with it; on the next start the pid file leads back to it, and
 * never a second server on the same files.
 */
export async function ensureEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = resolve(options.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const pidFile = resolve(dir, 'redis.pid');
  const portFile = resolve(dir, 'redis.port');

  const running = await findRunning(pidFile, portFile);
  if (running) {
    options.log.info({ redisPid: running.pid, port: running.port, dir }, 'embedded redis-server found running; reusing it');
    return handle(running.pid, running.port, false);
  }

  const probe = spawnSync(options.binary, ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new EmbeddedRedisError(
      `${options.binary} not found: install it with "sudo apt-get install -y redis-server", or set HOTLINE_REDIS_URL to a Redis you run`,
    );
  }

  const port = await freePort();
  rmSync(pidFile, { force: true });
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'yes',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', options.appendfsync,
    '--save', '',
    '--daemonize', 'yes',
    '--pidfile', pidFile,
    '--logfile', resolve(dir, 'redis.log'),
  ];
  const exitCode = await new Promise<number | null>((res, rej) => {
    const child = spawn(options.binary, args, { stdio: 'ignore' });
    child.once('error', rej);
    child.once('exit', (code) => res(code));
  });
  if (exitCode !== 0) throw new EmbeddedRedisError(`${options.binary} exited with code ${exitCode}; see ${resolve(dir, 'redis.log')}`);
  writeFileSync(portFile, String(port));

  for (let i = 0; i < 100; i++) {
    const pid = readPid(pidFile);
    if (pid && (await ping(port))) {
      options.log.info({ redisPid: pid, port, dir, appendfsync: options.appendfsync }, 'embedded redis-server started');
      return handle(pid, port, true);
    }
    await sleep(50);
  }
  throw new EmbeddedRedisError(`embedded redis-server did not answer on port ${port}; see ${resolve(dir, 'redis.log')}`);
}

function handle(pid: number, port: number, started: boolean): EmbeddedRedis {
  return {
    url: `redis://127.0.0.1:${port}`,
    started,
    pid,
    async stop() {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        await client.shutdown('SAVE').catch(() => undefined); // the connection closes as it exits
      } finally {
        client.disconnect();
      }
    },
  };
}

async function findRunning(pidFile: string, portFile: string): Promise<{ pid: number; port: number } | undefined> {
  const pid = readPid(pidFile);
  if (!pid || !existsSync(portFile)) return undefined;
  if (!isRedisProcess(pid)) return undefined;
  const port = Number(readFileSync(portFile, 'utf8').trim());
  if (!Number.isInteger(port) || !(await ping(port))) return undefined;
  return { pid, port };
}

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRedisProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return true; // no /proc: trust the pid file and the PING that follows
  }
}

async function ping(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, host, () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no port'))));
    });
  });
}
