import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, readCoreFile, testConfig } from '../helpers/gateway.js';

let redis: TestRedis;
let gw: RunningGateway;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

describe('the work-order core is down for a while', () => {
  it('keeps accepting, stays ready, and delivers every intake once when the core is back', async () => {
    const port = await freePort();
    const config = testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_CORE_ADDRESS: `127.0.0.1:${port}` });
    const file = config.devCore.file;
    // No core at all when the gateway starts.
    gw = await startGateway(config, silentLogger());

    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${gw.url}/v1/intake/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: `第${i}条：小区门口垃圾堆积`, phone: `1380000${String(i % 7).padStart(4, '0')}` }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { intakeId: string }).intakeId);
    }

    const health = await eventually(
      async () => (await (await fetch(`${gw.url}/healthz`)).json()) as { status: string; checks: { core: { ok: boolean }; outbox: { depth: number } } },
      (h) => h.checks.core.ok === false,
    );
    expect(health.status).toBe('degraded');
    expect(health.checks.outbox.depth).toBe(60);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200); // a core outage is what the outbox is for
    expect(((await (await fetch(`${gw.url}/v1/intake/${ids[0]}`)).json()) as { status: string }).status).toBe('queued');

    // The core comes up, goes down again mid-way, and comes back.
    let core = new DevCore({ intakesFile: file, log: silentLogger() });
    await core.start('127.0.0.1', port);
    await eventually(() => readCoreFile(file).length, (n) => n > 0);
    await core.stop();
    core = new DevCore({ intakesFile: file, log: silentLogger() });
    await core.start('127.0.0.1', port);

    await eventually(
      async () => ((await (await fetch(`${gw.url}/healthz`)).json()) as { checks: { outbox: { depth: number } } }).checks.outbox.depth,
      (d) => d === 0,
      30_000,
    );
    const lines = readCoreFile(file);
    expect(lines.map((l) => l.intake.intakeId).sort()).toEqual([...ids].sort());
    // Each citizen's intakes arrived in the order they were accepted.
    const order = lines.map((l) => l.intake.intakeId);
    const byCitizen = new Map<string, string[]>();
    for (const l of lines) {
      const key = (l.intake.citizen as { citizenKey: string }).citizenKey;
      byCitizen.set(key, [...(byCitizen.get(key) ?? []), l.intake.intakeId]);
    }
    for (const list of byCitizen.values()) {
      const accepted = ids.filter((id) => list.includes(id));
      expect(list).toEqual(accepted);
    }
    expect(new Set(order).size).toBe(order.length);
    await core.stop();
  });
});
