import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';

export interface TestRedis {
  url: string;
  port: number;
  /** The redis-server process. */
  pid: number;
  /** A fresh client; closed by stop(). */
  client(): Redis;
  stop(): Promise<void>;
}

/** A real redis-server of the test's own, on a free loopback port, data in a temporary directory. */
export async function startRedis(options: { appendonly?: boolean; appendfsync?: 'always' | 'everysec' } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'hg-redis-'));
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no',
     '--appendfsync', options.appendfsync ?? 'everysec'],
    { stdio: 'ignore' },
  );
  const clients: Redis[] = [];
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (i > 100) throw new Error('redis-server did not start (is it installed? apt-get install -y redis-server)');
      await sleep(50);
    }
  }
  return {
    url,
    port,
    pid: proc.pid!,
    client() {
      const c = new Redis(url, { maxRetriesPerRequest: 2 });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
