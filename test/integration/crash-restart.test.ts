import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { silentLogger } from '../helpers/logger.js';
import { eventually, readCoreFile, spawnGateway, testConfig, waitReady } from '../helpers/gateway.js';

const children: ChildProcess[] = [];
let redisPidFile: string | undefined;

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  if (redisPidFile) {
    try {
      process.kill(Number(readFileSync(redisPidFile, 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function startChild(env: Record<string, string>): ChildProcess {
  const { child } = spawnGateway(env);
  children.push(child);
  return child;
}

describe('the gateway is killed with SIGKILL in the middle of a burst', () => {
  it('delivers every intake that got a 202 exactly once after a restart, reusing its own redis-server', async () => {
    const base = testConfig();
    const corePort = await freePort();
    const core = new DevCore({ intakesFile: base.devCore.file, log: silentLogger() });
    await core.start('127.0.0.1', corePort);
    const httpPort = await freePort();
    const url = `http://127.0.0.1:${httpPort}`;
    const env = {
      HOTLINE_DATA_DIR: base.dataDir,
      HOTLINE_REDIS_URL: '', // embedded redis-server, found again through its pid file
      HOTLINE_CORE_ADDRESS: `127.0.0.1:${corePort}`,
      HOTLINE_HTTP_HOST: '127.0.0.1',
      HOTLINE_HTTP_PORT: String(httpPort),
      HOTLINE_LOG_LEVEL: 'warn',
    };
    redisPidFile = join(base.dataDir, 'redis', 'redis.pid');

    let gateway = startChild(env);
    await waitReady(url);
    const redisPid = readFileSync(redisPidFile, 'utf8').trim();

    const TOTAL = 2000;
    const accepted = new Map<string, string>(); // clientRequestId → intakeId
    const unanswered: string[] = [];
    let next = 0;
    let killed = false;
    const send = async (rid: string) => {
      try {
        const res = await fetch(`${url}/v1/intake/web`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            content: `突发测试 ${rid}：楼道灯不亮`,
            phone: `139${String(Number(rid.slice(2)) % 500).padStart(8, '0')}`,
            clientRequestId: rid,
          }),
        });
        if (res.status === 202) accepted.set(rid, ((await res.json()) as { intakeId: string }).intakeId);
        else unanswered.push(rid);
      } catch {
        unanswered.push(rid); // connection reset by the kill: no 202, the client will retry
      }
    };
    const worker = async () => {
      while (next < TOTAL && !killed) await send(`r-${next++}`);
    };
    const burst = Promise.all(Array.from({ length: 50 }, worker));
    await eventually(
      () => accepted.size,
      (n) => n >= 600,
      60_000,
    );
    gateway.kill('SIGKILL');
    killed = true;
    await burst;
    const acceptedBeforeKill = new Map(accepted);
    expect(acceptedBeforeKill.size).toBeGreaterThanOrEqual(600);
    expect(acceptedBeforeKill.size).toBeLessThan(TOTAL);

    gateway = startChild(env);
    await waitReady(url);
    const health = (await (await fetch(`${url}/healthz`)).json()) as { redis: string };
    expect(health.redis).toBe(`embedded redis-server (pid ${redisPid})`); // the same server, not a second one

    // The clients retry what got no answer, then send the rest of the burst.
    const retry = [...unanswered];
    unanswered.length = 0;
    for (const rid of retry) await send(rid);
    const rest: Promise<void>[] = [];
    for (let i = next; i < TOTAL; i++) rest.push(send(`r-${i}`));
    await Promise.all(rest);
    expect(unanswered).toEqual([]);
    expect(accepted.size).toBe(TOTAL);
    for (const [rid, id] of acceptedBeforeKill) expect(accepted.get(rid), rid).toBe(id); // a retry never made a second intake

    await eventually(
      () => readCoreFile(base.devCore.file).length,
      (n) => n >= TOTAL,
      60_000,
    );
    await sleep(300); // anything delivered twice would show up now
    const lines = readCoreFile(base.devCore.file);
    const count = new Map<string, number>();
    for (const l of lines) count.set(l.intake.intakeId, (count.get(l.intake.intakeId) ?? 0) + 1);
    for (const id of accepted.values()) expect(count.get(id), id).toBe(1);
    expect(lines).toHaveLength(TOTAL);

    gateway.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => gateway.once('exit', r));
    expect(code).toBe(0);
    await core.stop();
  }, 180_000); // 2,000 requests and two gateway starts: minutes on a loaded 2-core machine
});
