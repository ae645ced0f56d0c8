// The gateway with its SIP front switched on by HOTLINE_DRACHTIO: /healthz tells operators
// whether the front is connected to drachtio-server, and the front reconnects after a drop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, testConfig } from '../helpers/gateway.js';
import { DrachtioWireDouble } from '../doubles/drachtio-wire.js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { setTimeout as sleep } from 'node:timers/promises';

let redis: TestRedis;
let drachtio: DrachtioWireDouble;
beforeAll(async () => {
  redis = await startRedis();
  drachtio = new DrachtioWireDouble('cymru');
  await drachtio.start();
});
afterAll(async () => {
  await drachtio?.stop();
  await redis?.stop();
});

type Health = { status: string; sip: string; checks: { sip?: { ok: boolean; state: string; sipAddress?: string; capacity: number; activeCalls: number } } };
const health = async (gw: RunningGateway) => (await (await fetch(`${gw.url}/healthz`)).json()) as Health;

describe('SIP front in the gateway', () => {
  it('is off without HOTLINE_DRACHTIO, and /healthz says so', async () => {
    const gw = await startGateway(testConfig({ HOTLINE_REDIS_URL: redis.url }), silentLogger());
    try {
      const h = await health(gw);
      expect(h.sip).toBe('off (no drachtio-server configured)');
      expect(h.checks.sip).toBeUndefined();
    } finally {
      await gw.stop();
    }
  });

  it('connects, shows it on /healthz, notices a drop and reconnects', async () => {
    const gw = await startGateway(
      testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_DRACHTIO: `127.0.0.1:${drachtio.port}`, HOTLINE_DRACHTIO_SECRET: 'cymru' }),
      silentLogger(),
    );
    try {
      const up = await eventually(() => health(gw), (h) => h.checks.sip?.ok === true);
      expect(up.checks.sip).toMatchObject({ state: 'connected', sipAddress: 'tcp/127.0.0.1:5080,udp/127.0.0.1:5080', capacity: 300, activeCalls: 0 });
      expect(up.status).toBe('ok');
      drachtio.dropClients();
      const down = await eventually(() => health(gw), (h) => h.checks.sip?.ok === false);
      expect(down.status).toBe('degraded');
      expect(down.checks.sip!.state).toBe('connecting');
      await eventually(() => health(gw), (h) => h.checks.sip?.ok === true);
      expect(drachtio.authenticated).toBeGreaterThanOrEqual(2);
    } finally {
      await gw.stop();
    }
  });

  it('stays down and says so when drachtio-server refuses the secret', async () => {
    const gw = await startGateway(
      testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_DRACHTIO: `127.0.0.1:${drachtio.port}`, HOTLINE_DRACHTIO_SECRET: 'wrong' }),
      silentLogger(),
    );
    try {
      const h = await eventually(() => health(gw), (x) => !!(x.checks.sip as { lastError?: string } | undefined)?.lastError);
      expect(h.checks.sip).toMatchObject({ ok: false, state: 'connecting', lastError: 'failed to authenticate to server' });
    } finally {
      await gw.stop();
    }
  });

  it('keeps trying an unreachable drachtio-server, says why, and stops trying once the gateway stops', async () => {
    const port = await freePort();
    const gw = await startGateway(
      testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_DRACHTIO: `127.0.0.1:${port}`, HOTLINE_DRACHTIO_SECRET: 'cymru' }),
      silentLogger(),
    );
    const h = await eventually(() => health(gw), (x) => !!(x.checks.sip as { lastError?: string } | undefined)?.lastError);
    expect(h.checks.sip).toMatchObject({ ok: false, state: 'connecting' });
    expect((h.checks.sip as unknown as { lastError: string }).lastError).toContain('ECONNREFUSED');
    expect(h.status).toBe('degraded'); // web and other channels still take intakes
    await gw.stop();
    // A drachtio-server appearing after the stop must not get a connection from a stopped gateway.
    const late = new DrachtioWireDouble('cymru');
    await late.start(port);
    await sleep(1500);
    expect(late.authenticated).toBe(0);
    await late.stop();
  });
});
