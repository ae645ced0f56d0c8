// Issue 6 end to end on the composed gateway (simulated switch, IVR, ACD, desk, real redis-server,
// BullMQ in compressed real time): a busy burst with too few agents leaves abandoned callers, who
// get busy-time callbacks (art. 13 of seeds/002); after the burst every one is dialled at idle
// time, in arrival order, once, agent first; live callers during the callbacks are all answered;
// a caller who pressed the callback key keeps their place and is called back in their turn.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import type { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import type { CallInfo, SwitchEvent } from '../../../src/core/ports/switch.js';
import type { Config } from '../../../src/config/schema.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisUserStore } from '../../../src/adapters/redis/redis-user-store.js';
import { RedisAuditLog } from '../../../src/adapters/redis/redis-audit-log.js';
import { login, seedUser } from '../../helpers/people.js';
import { eventually, testConfig } from '../../helpers/gateway.js';
import { silentLogger } from '../../helpers/logger.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { allDayZone, robotAgent, type Robot } from '../../helpers/callbacks.js';
import { byArrival } from '../../../src/core/callbacks/callback.js';

let redis: TestRedis;
let gw: RunningGateway;
let sim: SimulatedSwitch;
let config: Config;
const robots: Robot[] = [];

beforeAll(async () => {
  redis = await startRedis();
  config = testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_GRPC_PORT: '0' });
  config.telephony.simulated = { devRoutes: false, defaultPromptMs: 100 };
  config.telephony.recordingsDir = `${config.dataDir}/recordings`;
  config.devCore.callsFile = `${config.dataDir}/dev-core/calls.jsonl`;
  config.acd.wrapUpSec = 0;
  config.acd.defaults.announceEverySec = 1;
  config.acd.defaults.callbackOfferAfterSec = 1;
  config.desk.tickMs = 200;
  Object.assign(config.callbacks, {
    window: { start: '00:00', end: '23:59', timeZone: allDayZone() },
    retry: { maxAttempts: 3, firstDelayMs: 500, factor: 1, maxDelayMs: 500 },
    abandonedAfterSeconds: 1,
    idle: { maxWaiting: 0, minFreeAgents: 2 },
    pacing: { targetAnswerRate: 0.95, windowMinutes: 15, minOffered: 20, maxInFlightPerFreeAgent: 0.5 },
    placing: { concurrency: 50, lockMs: 5000, tickMs: 200, readyPerQueue: 4, watchMs: 100 },
  });
  gw = await startGateway(config, silentLogger());
  if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
  sim = gw.telephony.simulated;
}, 60_000);
afterAll(async () => {
  for (const r of robots) r.stop();
  await gw?.stop();
  await redis?.stop();
});

describe('busy hour on the simulated switch', () => {
  it('calls back every abandoned caller after the burst, in arrival order, once; live calls meanwhile are all answered; the callback key keeps the place', async () => {
    const dialled: CallInfo[] = [];
    const bridged = new Set<string>();
    sim.on((e: SwitchEvent) => {
      if (e.type === 'call.arrived' && e.call.entry.kind === 'callback') dialled.push(e.call);
      if (e.type === 'call.bridged') bridged.add(e.callId);
    });

    // Two agents: long calls during the burst, short ones after it.
    const a = await robotAgent(gw, '8101', 4000);
    const b = await robotAgent(gw, '8102', 4000);
    robots.push(a, b);

    // The burst: the first two callers reach the agents; eight more, 30 ms apart, give up 2.5 s
    // after the IVR answered (before any agent is free again).
    sim.placeCall({ caller: '13900001000' });
    sim.placeCall({ caller: '13900001001' });
    await eventually(() => a.answered.length + b.answered.length, (n) => n === 2, 10_000);
    const burst: string[] = [];
    for (let i = 2; i < 10; i++) {
      const number = `1390000${String(1000 + i)}`;
      burst.push(number);
      sim.placeCall({ caller: number, script: [{ atMs: 2500, hangup: true }] });
      await new Promise((r) => setTimeout(r, 30));
    }
    // One more caller presses the callback key when it is offered (keep my place), then hangs up.
    const keeper = sim.placeCall({ caller: '13900009999' });
    const heard = (prompt: string) => () => keeper.heard.some((m) => m.endsWith(`/${prompt}.wav`));
    await keeper.waitUntil(heard('queueCallbackOffer'), 'the callback offer', 10_000);
    await keeper.press('4');
    await keeper.waitUntil(heard('callbackRegistered'), 'callback registered');
    await keeper.hangup();
    a.talkMs = b.talkMs = 600;

    // Each abandoned caller got one busy-time callback; those the agents reached did not.
    const store = gw.callbacks.service;
    const all = await eventually(
      async () => (await store.list({ limit: 500 })).items,
      (items) => items.length >= burst.length + 1,
      20_000,
    );
    expect(all.filter((c) => c.origins.includes('abandoned')).map((c) => c.number.slice(3)).sort()).toEqual(burst);
    expect(all.filter((c) => c.origins.includes('abandoned')).every((c) => c.kind === 'busy-time')).toBe(true);

    // While callbacks run, live callers keep coming: every one is answered (callbacks wait for idle time).
    const live = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1200));
      live.push(sim.placeCall({ caller: `1370000${String(2000 + i)}`, script: [{ atMs: 6000, hangup: true }] }));
    }

    // Every callback ends reached, each dialled exactly once.
    const done = await eventually(
      async () => (await store.list({ limit: 500 })).items,
      (items) => items.length > 0 && items.every((c) => c.status !== 'pending'),
      60_000,
    );
    for (const cb of done) {
      expect(cb.status, JSON.stringify(cb)).toBe('reached');
      expect(cb.attempts.map((a) => a.outcome)).toEqual(['reached']);
      expect(dialled.filter((d) => d.dialled.endsWith(cb.number.replace(/^\+86/, '')))).toHaveLength(1);
    }
    // Busy-time callbacks were dialled in the order their callers abandoned.
    // Arrival order as the policy defines it (request time, then the citizen key for equal times).
    const busy = done.filter((c) => c.kind === 'busy-time').sort(byArrival);
    const order = busy.map((c) => dialled.findIndex((d) => d.dialled.endsWith(c.number.replace(/^\+86/, ''))));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The keep-my-place callback was served in its turn: before any busy-time callback.
    const kept = done.find((c) => c.number.endsWith('13900009999'));
    expect(kept).toMatchObject({ kind: 'keep-place', status: 'reached' });
    const keptAt = dialled.findIndex((d) => d.dialled.endsWith('13900009999'));
    expect(order.every((i) => i > keptAt)).toBe(true);
    // Every live caller during the callbacks reached an agent.
    for (const c of live) expect(bridged.has(c.callId), `live caller ${c.callId} answered`).toBe(true);
    // Nobody who got through is called back: the callbacks are exactly the abandoned callers and the keeper.
    expect(done).toHaveLength(burst.length + 1);
    // Every callback call has its call-detail record in the core (through the outbox and gRPC):
    // outbound from 12345, answered, with the agent and the recording's checksum.
    const cdrs = await eventually(
      () => (existsSync(config.devCore.callsFile) ? readFileSync(config.devCore.callsFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { record: Record<string, unknown> }).record) : []),
      (rs) => done.every((cb) => rs.some((r) => r.callId === cb.attempts[0]!.callId)),
      15_000,
    );
    for (const cb of done) {
      const mine = cdrs.filter((r) => r.callId === cb.attempts[0]!.callId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        direction: 'outbound',
        caller: config.callbacks.call.callerId,
        dialled: cb.number,
        disposition: 'DISPOSITION_ANSWERED',
        entry: { kind: 'callback', context: { callbackId: cb.id, attempt: '1' } },
        agentId: expect.stringMatching(/^a?810[12]$/),
      });
      expect((mine[0]!.recording as { sha256: string }).sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  }, 120_000);

  it('a supervisor cancels a keep-my-place callback waiting for an agent over HTTP: it leaves the queue, audited', async () => {
    for (const r of robots.splice(0)) {
      r.stop();
      await gw.desk.logout(r.agentId);
    }
    const users = new RedisUserStore(redis.client(), new RedisKeys(config.redis.keyPrefix));
    await seedUser(users, 'ban.zhang', ['supervisor']);
    const token = await login(gw.url, 'ban.zhang');
    // Nobody logged in: the caller asks for a callback, keeps their place, and hangs up.
    const caller = sim.placeCall({ caller: '13900008888' });
    const heard = (prompt: string) => () => caller.heard.some((m) => m.endsWith(`/${prompt}.wav`));
    await caller.waitUntil(heard('queueCallbackOffer'), 'the callback offer', 10_000);
    await caller.press('4');
    await caller.waitUntil(heard('callbackRegistered'), 'callback registered');
    await caller.hangup();
    // Its place is taken by the callback (a virtual call, not the hung-up caller).
    const waiting = await eventually(() => gw.acd.acd.waiting('general'), (w) => w.length === 1 && w[0]!.callId !== caller.callId, 10_000);
    const list = await fetch(`${gw.url}/v1/callbacks?status=pending&number=%2B8613900008888`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const [cb] = ((await list.json()) as { items: { id: string; kind: string; active?: { callId: string } }[] }).items;
    expect(cb).toMatchObject({ kind: 'keep-place', active: { callId: waiting[0]!.callId } });
    const res = await fetch(`${gw.url}/v1/callbacks/${cb!.id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '市民已通过网站反映' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'cancelled', endReason: 'cancelled-by-supervisor' });
    await eventually(() => gw.acd.acd.waiting('general'), (w) => w.length === 0, 5000);
    const audit = await new RedisAuditLog(redis.client(), new RedisKeys(config.redis.keyPrefix)).list({ target: `callback:${cb!.id}` });
    expect(audit.map((e) => e.action)).toContain('callback.cancel');
  }, 60_000);
});

