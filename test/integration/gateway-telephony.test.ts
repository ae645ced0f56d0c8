import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway } from '../../src/app/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { eventually, testConfig } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/logger.js';
import { allDayZone } from '../helpers/callbacks.js';
import type { StoredCallback } from '../../src/core/ports/callbacks.js';

let redis: TestRedis;
let gw: RunningGateway;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'hg-gw-'));
  const { config } = loadConfig({
    HOTLINE_GRPC_PORT: '0', // a free control port (issue 6): test gateways run side by side
    HOTLINE_HTTP_PORT: '1',
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_DATA_DIR: dir,
    HOTLINE_DEV_CORE_FILE: join(dir, 'intakes.jsonl'),
    HOTLINE_DEV_CORE_CALLS_FILE: join(dir, 'calls.jsonl'),
    HOTLINE_DEV_CORE_SURVEYS_FILE: join(dir, 'surveys.jsonl'),
    HOTLINE_RECORDINGS_DIR: join(dir, 'recordings'),
    HOTLINE_LOG_LEVEL: 'silent',
  });
  // A calling window open whenever the test runs: outside it a callback key press becomes a
  // busy-time callback instead of keeping the caller's place, which the test checks.
  const callbacks = { ...config.callbacks, window: { start: '00:00', end: '23:59', timeZone: allDayZone() } };
  gw = await startGateway({ ...config, callbacks, http: { ...config.http, host: '127.0.0.1', port: 0 }, telephony: { ...config.telephony, simulated: { devRoutes: true, defaultPromptMs: 100 } } }, silentLogger());
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway with simulated telephony', () => {
  it('says plainly on /healthz that telephony is simulated', async () => {
    const res = await gw.http.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().telephony).toMatchObject({ mode: 'simulated', switch: 'simulated' });
    expect(res.json().telephony.note).toMatch(/SIMULATED/);
    expect(res.json().checks.callRecords).toMatchObject({ ok: true });
  });

  it('places a virtual call over HTTP; the call is recorded and its CDR reaches the dev core', async () => {
    const res = await gw.http.inject({ method: 'POST', url: '/v1/dev/sim/calls', payload: { caller: '13800138000', keys: [{ atMs: 50, press: '4' }], hangupAfterMs: 600 } });
    expect(res.statusCode).toBe(201);
    const { callId } = res.json() as { callId: string };
    if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
    await gw.telephony.simulated.caller(callId).ended;
    for (let i = 0; i < 200; i++) {
      let text = '';
      try {
        text = readFileSync(join(dir, 'calls.jsonl'), 'utf8');
      } catch {
        // not written yet
      }
      const lines = text.split('\n').filter((l) => l.includes(callId));
      if (lines.length) {
        expect(lines).toHaveLength(1);
        const record = (JSON.parse(lines[0]!) as { record: Record<string, unknown> }).record;
        expect(record).toMatchObject({ callId, caller: '13800138000', callbackRequested: true, disposition: 'DISPOSITION_ABANDONED' });
        expect((record.recording as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
        const view = await gw.http.inject({ method: 'GET', url: `/v1/dev/sim/calls/${callId}` });
        expect(view.json()).toMatchObject({ state: 'ended', heard: expect.arrayContaining([expect.stringContaining('welcome'), expect.stringContaining('callbackRegistered')]) });
        // The callback keeps the caller's place in the general queue (no agent is logged in here);
        // cancelled as a supervisor would, it leaves the queue.
        const cb = await eventually(() => gw.callbacks.service.list({ number: '+8613800138000', status: ['pending'] }), (p) => !!p.items[0]?.active, 10_000);
        const place = cb.items[0]!;
        expect(place).toMatchObject({ kind: 'keep-place', place: { queue: 'general' } });
        // The callback is marked active before its virtual call has entered the queue.
        await eventually(() => gw.acd.acd.waiting('general'), (w) => w.length > 0, 5000);
        expect((await gw.acd.acd.waiting('general')).map((w) => w.callId)).toEqual([place.active!.callId]);
        await gw.callbacks.service.cancel(place.id, 'test', '测试结束');
        await eventually(() => gw.acd.acd.waiting('general'), (w) => w.length === 0, 5000);
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no CDR in the dev core calls file');
  });

  it('a virtual call waits in the ACD general queue while the welcome plays, and leaves it when it hangs up', async () => {
    if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
    const events: string[] = [];
    const off = gw.acd.onQueueEvent((e) => events.push(`${e.type}:${e.queue}`));
    const c = gw.telephony.simulated.placeCall({ caller: '13800138001' });
    await c.waitUntil(() => c.heard.some((m) => m.endsWith('welcome.wav')), 'the welcome');
    expect(await gw.acd.acd.position(c.callId)).toEqual({ queue: 'general', position: 1 });
    expect((await gw.acd.acd.waiting('general'))[0]).toMatchObject({ callId: c.callId, priority: 'normal' });
    await c.hangup();
    await gw.telephony.runners[0]!.finished(c.callId);
    expect(await gw.acd.acd.position(c.callId)).toBeUndefined();
    off();
    expect(events).toEqual(['entered:general', 'left:general']);
  });

  it('a callback cancelled while its virtual call is still entering the queue does not stay behind in it', async () => {
    const ac = new AbortController();
    const callback = { id: 'cb-entering', number: '+8613800138002', kind: 'keep-place', status: 'pending', attempts: [] } as unknown as StoredCallback;
    const placed = gw.desk.place({ callback, attempt: 1, callId: randomUUID(), queue: 'general', priority: 'normal', enqueuedAtMs: Date.now(), signal: ac.signal, dialling: async () => false });
    ac.abort(); // the supervisor's cancel lands before the enqueue's round trip
    expect(await placed).toEqual({ placed: false, why: 'aborted' });
    expect(await gw.acd.acd.waiting('general')).toEqual([]);
  });

  it('refuses a bad virtual call naming the field, and an unknown call with 404', async () => {
    const bad = await gw.http.inject({ method: 'POST', url: '/v1/dev/sim/calls', payload: { caller: 'abc' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_FIELD', field: 'caller' });
    const missing = await gw.http.inject({ method: 'GET', url: '/v1/dev/sim/calls/nope' });
    expect(missing.statusCode).toBe(404);
  });
});

describe('IVR file validation at start-up', () => {
  it('stops start-up naming the key', async () => {
    const broken = join(dir, 'ivr-broken.yaml');
    writeFileSync(broken, readFileSync('config/ivr.yaml', 'utf8').replace('"9": emergency', '"9": fire-brigade').replace('  invalidKey:\n', '  notInvalidKey:\n'));
    const config = testConfig({ HOTLINE_GRPC_PORT: '0', HOTLINE_REDIS_URL: redis.url, HOTLINE_IVR_FILE: broken });
    await expect(startGateway(config, silentLogger())).rejects.toThrow(/keys\.9/);
  });

  it('stops start-up when an IVR queue is not a queue of the ACD, naming it', async () => {
    const other = join(dir, 'ivr-queue.yaml');
    writeFileSync(other, readFileSync('config/ivr.yaml', 'utf8').replace('  counselling: counselling', '  counselling: psychology'));
    const config = testConfig({ HOTLINE_GRPC_PORT: '0', HOTLINE_REDIS_URL: redis.url, HOTLINE_IVR_FILE: other });
    await expect(startGateway(config, silentLogger())).rejects.toThrow(/queues\.counselling: psychology is not a queue in acd\.queues/);
  });
});
