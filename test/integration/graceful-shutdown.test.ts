import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { join } from 'node:path';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { eventually, readCoreFile, readJsonLines, spawnGateway, testConfig, waitReady } from '../helpers/gateway.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

/** A development core of its own (intakes and call records) and a gateway process delivering to it, ready. */
async function coreAndGateway() {
  const base = testConfig();
  const callsFile = join(base.dataDir, 'calls.jsonl');
  const corePort = await freePort();
  const core = new DevCore({ intakesFile: base.devCore.file, callsFile, log: silentLogger() });
  await core.start('127.0.0.1', corePort);
  const url = `http://127.0.0.1:${await freePort()}`;
  const gateway = spawnGateway({
    HOTLINE_DATA_DIR: base.dataDir,
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_REDIS_PREFIX: base.redis.keyPrefix,
    HOTLINE_CORE_ADDRESS: `127.0.0.1:${corePort}`,
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: new URL(url).port,
    HOTLINE_LOG_LEVEL: 'info',
  });
  await waitReady(url);
  return { base, core, url, callsFile, ...gateway };
}

describe('SIGTERM', () => {
  it('finishes the requests in flight, delivers what they accepted, and exits 0', async () => {
    const { base, core, url, child, output, exited } = await coreAndGateway();

    const results: (number | string)[] = [];
    let answered = 0;
    const requests = Array.from({ length: 200 }, (_, i) =>
      fetch(`${url}/v1/intake/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: `排水沟堵塞 ${i}`, phone: `1370000${String(i).padStart(4, '0')}` }),
      }).then(
        async (res) => {
          answered++;
          const body = (await res.json()) as { intakeId?: string; code?: string };
          results.push(res.status === 503 ? `503 ${body.code}` : res.status);
          return res.status === 202 ? body.intakeId : undefined;
        },
        () => {
          results.push('no answer'); // refused after the listener closed: the client knows it was not accepted
          return undefined;
        },
      ),
    );
    await eventually(
      () => answered,
      (n) => n >= 10,
    );
    child.kill('SIGTERM');
    const ids = (await Promise.all(requests)).filter((x): x is string => !!x);
    expect(await exited, output()).toBe(0);

    // Each request was accepted (202), or refused as a whole: 503 UNAVAILABLE once draining began,
    // or no connection at all once the listener closed. None failed half-way.
    expect(results.filter((r) => r !== 202 && r !== 'no answer' && r !== '503 UNAVAILABLE')).toEqual([]);
    expect(ids.length).toBeGreaterThanOrEqual(10);
    // Everything accepted is either delivered already or still durable in the outbox.
    const r = redis.client();
    const delivered = new Set(readCoreFile(base.devCore.file).map((l) => l.intake.intakeId));
    for (const id of ids) {
      if (delivered.has(id)) continue;
      expect(await r.hget(`${base.redis.keyPrefix}intake:${id}`, 'status'), id).toBe('queued');
    }
    await core.stop();
  });

  it('ends a call still waiting on the simulated switch, keeps its record, and exits 0', async () => {
    const { base, core, url, child, output, exited, callsFile } = await coreAndGateway();
    // No agent is signed in: the caller waits in the general queue when the gateway is told to stop.
    const placed = await fetch(`${url}/v1/dev/sim/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caller: '13800138000' }),
    });
    expect(placed.status).toBe(201);
    const { callId } = (await placed.json()) as { callId: string };
    await new Promise((r) => setTimeout(r, 500)); // the caller hears the welcome and takes a place
    child.kill('SIGTERM');
    // Before the fix the drain waited for a hang-up its runner no longer heard, timed out and exited 1.
    expect(await exited, output()).toBe(0);
    // Its call record was queued before the exit: delivered already, or still durable in the
    // call-record outbox for the next start (as the accepted intakes above).
    const delivered = readJsonLines<{ record: { callId: string; disposition: string } }>(callsFile).find((l) => l.record.callId === callId);
    const queued = await redis.client().hget(`${new RedisKeys(base.redis.keyPrefix).callRecordOutbox.itemPrefix}${callId}`, 'record');
    const disposition = delivered?.record.disposition ?? (queued ? (JSON.parse(queued) as { disposition: string }).disposition : undefined);
    expect(disposition, output()).toMatch(/^(DISPOSITION_)?(ABANDONED|ENDED_IN_IVR|abandoned|ended-in-ivr)$/);
    await core.stop();
  });
});
