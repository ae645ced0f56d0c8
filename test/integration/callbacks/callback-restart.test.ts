// Issue 6: callbacks live in Redis (records, one BullMQ job each). The gateway is killed with
// SIGKILL while callbacks are being placed and started again (the simulated switch restarts
// empty): no callback is lost, and none is dialled twice — the attempt the kill cut off counts as
// an attempt ("interrupted") and the callback is reached once, by the next gateway.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort } from '../../../src/adapters/redis/embedded-redis.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisUserStore } from '../../../src/adapters/redis/redis-user-store.js';
import { RedisCallbackStore } from '../../../src/adapters/redis/redis-callback-store.js';
import type { StoredCallback } from '../../../src/core/ports/callbacks.js';
import { DeskClient, type Frame } from '../../helpers/desk-client.js';
import { eventually, spawnGateway, testConfig, waitReady } from '../../helpers/gateway.js';
import { login, seedUser } from '../../helpers/people.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { allDayZone } from '../../helpers/callbacks.js';
import { seedCallbacks } from '../../helpers/callbacks-seed.js';

const children: ChildProcess[] = [];
const clients: DeskClient[] = [];
let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of children) c.kill('SIGKILL');
  await redis?.stop();
});

/** An agent on the gateway's desk ws who answers every offer and hangs up after talkMs. */
async function wsRobot(base: string, username: string, talkMs: number): Promise<DeskClient> {
  const c = await DeskClient.connect(base, { token: await login(base, username) });
  clients.push(c);
  await c.next((f) => f.type === 'hello');
  c.ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    const n = f.notice as { type?: string; callId?: string } | undefined;
    if (f.type !== 'notice' || n?.type !== 'offer' || !n.callId) return;
    const callId = n.callId;
    void c.request({ type: 'call.answer', callId }, 30_000).then((r) => {
      if (r.ok) setTimeout(() => void c.request({ type: 'call.hangup', callId }).catch(() => undefined), talkMs).unref();
    }, () => undefined);
  });
  const r = await c.request({ type: 'desk.login' });
  if (!r.ok) throw new Error(`desk.login ${JSON.stringify(r)}`);
  return c;
}

describe('a gateway killed while callbacks are placed', () => {
  it('loses none and dials none twice: the next gateway reaches every citizen once', async () => {
    const base = testConfig();
    const configFile = join(base.dataDir, 'callbacks.yaml');
    writeFileSync(
      configFile,
      [
        'telephony: { simulated: { devRoutes: false, defaultPromptMs: 100 } }',
        'acd: { wrapUpSec: 0 }',
        'callbacks:',
        `  window: { start: "00:00", end: "23:59", timeZone: ${allDayZone()} }`,
        '  retry: { maxAttempts: 3, firstDelayMs: 300, factor: 1, maxDelayMs: 300 }',
        '  idle: { maxWaiting: 0, minFreeAgents: 1 }',
        '  pacing: { targetAnswerRate: 0.95, windowMinutes: 15, minOffered: 20, maxInFlightPerFreeAgent: 1 }',
        '  placing: { concurrency: 50, lockMs: 1500, tickMs: 200, readyPerQueue: 4, watchMs: 100 }',
      ].join('\n'),
    );
    const httpPort = await freePort();
    const prefix = `cr${Math.random().toString(36).slice(2, 8)}:`;
    const keys = new RedisKeys(prefix);
    const env = {
      HOTLINE_CONFIG: configFile,
      HOTLINE_DATA_DIR: base.dataDir,
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_REDIS_PREFIX: prefix,
      HOTLINE_HTTP_HOST: '127.0.0.1',
      HOTLINE_HTTP_PORT: String(httpPort),
      HOTLINE_LOG_LEVEL: 'warn',
    };
    const url = `http://127.0.0.1:${httpPort}`;
    const users = new RedisUserStore(redis.client(), keys);
    for (const id of ['7001', '7002']) await seedUser(users, `a${id}`, ['agent'], { skills: { general: 1 }, endpoint: { kind: 'user', user: id } });

    // Six busy-time callbacks, as six abandoned callers would have left them (requests a second apart).
    const ids = await seedCallbacks(redis.url, keys, ['13811110001', '13811110002', '13811110003', '13811110004', '13811110005', '13811110006']);

    const first = spawnGateway(env);
    children.push(first.child);
    await waitReady(url, 120_000);
    await wsRobot(url, 'a7001', 1500);

    const store = new RedisCallbackStore(new Redis(redis.url), keys, { retentionMs: 24 * 3600_000 });
    const all = async () => (await Promise.all(ids.map((id) => store.get(id)))).filter((c): c is StoredCallback => !!c);
    // Killed while a citizen is on the phone with the agent (an attempt dialled, not yet ended).
    await eventually(all, (cbs) => cbs.some((c) => c.status === 'reached') && cbs.some((c) => !!c.active?.dialledAtMs), 60_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const cutOff = (await all()).find((c) => c.active?.dialledAtMs)!;

    const second = spawnGateway(env);
    children.push(second.child);
    await waitReady(url, 120_000);
    await wsRobot(url, 'a7002', 300);
    const done = await eventually(all, (cbs) => cbs.length === ids.length && cbs.every((c) => c.status !== 'pending'), 90_000);

    for (const cb of done) {
      // Reached exactly once, and never dialled after that.
      expect(cb.status, JSON.stringify(cb)).toBe('reached');
      expect(cb.attempts.filter((a) => a.outcome === 'reached')).toHaveLength(1);
      expect(cb.attempts.at(-1)!.outcome).toBe('reached');
    }
    // The cut-off attempt is on record as interrupted, and was followed by one more dial.
    expect(done.find((c) => c.id === cutOff.id)!.attempts.map((a) => a.outcome)).toEqual(['interrupted', 'reached']);
    // Every other callback took one attempt.
    expect(done.filter((c) => c.id !== cutOff.id).every((c) => c.attempts.length === 1)).toBe(true);
    // Every attempt's call is archived in the core once (art. 17) — the cut-off one as interrupted,
    // queued by the gateway that took it over; the others answered.
    const attempts = done.flatMap((c) => c.attempts);
    const callsFile = join(base.dataDir, 'dev-core', 'calls.jsonl');
    const read = async () => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { record: { callId: string; disposition: string } }).record) : []);
    const records = await eventually(read, (rs) => attempts.every((a) => rs.some((r) => r.callId === a.callId)), 30_000);
    const cutOffCallId = done.find((c) => c.id === cutOff.id)!.attempts[0]!.callId;
    for (const a of attempts) {
      const mine = records.filter((r) => r.callId === a.callId);
      expect(mine.map((r) => r.disposition), a.callId).toEqual([a.callId === cutOffCallId ? 'DISPOSITION_INTERRUPTED' : 'DISPOSITION_ANSWERED']);
    }
    second.child.kill('SIGTERM');
    await second.exited;
  }, 300_000);
});
