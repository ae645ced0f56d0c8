import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../src/app/gateway.js';
import { RedisKeys } from '../../../src/adapters/redis/keys.js';
import { RedisUserStore } from '../../../src/adapters/redis/redis-user-store.js';
import type { SimulatedSwitch } from '../../../src/adapters/simulated/simulated-switch.js';
import { DeskClient, type Frame } from '../../helpers/desk-client.js';
import { eventually, readCoreFile, testConfig } from '../../helpers/gateway.js';
import { silentLogger } from '../../helpers/logger.js';
import { login, seedUser } from '../../helpers/people.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';

const ALL_DAY = ['00:00-24:00'];

// Issue 5 end to end: the composed gateway (simulated switch, IVR, ACD, desk, dev core over gRPC,
// a real redis-server), people logged in over real HTTP, real `ws` clients on /v1/desk driving
// calls placed on the simulated switch. Every server frame is checked against the protocol schema.
describe('agent desk over ws, end to end on the simulated switch', () => {
  let redis: TestRedis;
  let gw: RunningGateway;
  let sim: SimulatedSwitch;
  let base: string;
  let coreFile: string;
  const clients: DeskClient[] = [];
  const agentsIn = new Set<DeskClient>();

  beforeAll(async () => {
    redis = await startRedis();
    const config = testConfig({ HOTLINE_REDIS_URL: redis.url, HOTLINE_GRPC_PORT: '0' });
    coreFile = config.devCore.file;
    config.telephony.simulated = { devRoutes: true, defaultPromptMs: 100 };
    config.telephony.recordingsDir = `${config.dataDir}/recordings`;
    config.devCore.callsFile = `${config.dataDir}/dev-core/calls.jsonl`;
    config.acd.wrapUpSec = 1;
    config.figures.feedIntervalMs = 300;
    Object.assign(config.auth.desk, { logoutGraceSeconds: 1, agentsEverySeconds: 1 });
    // One unit whose fixed line is open round the clock, one that is never open (hours exclude now).
    config.directory = {
      trunk: 'carrier',
      units: [
        { id: 'city-water', name: '市水务局', number: '03962345678', onDuty: '王工', hours: { mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY, sun: ALL_DAY }, closedDates: [] },
        { id: 'city-housing', name: '市住建局', number: '03962345679', onDuty: '李工', hours: {}, closedDates: [] },
      ],
      lines: [{ number: '12348', name: '法律服务热线' }],
    };
    gw = await startGateway(config, silentLogger());
    if (gw.telephony.mode !== 'simulated') throw new Error('expected simulated telephony');
    sim = gw.telephony.simulated;
    base = gw.url;
    const store = new RedisUserStore(redis.client(), new RedisKeys(config.redis.keyPrefix));
    for (const n of ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009'])
      await seedUser(store, `a${n}`, ['agent'], { skills: { general: 1 }, endpoint: { kind: 'user', user: n } });
    await seedUser(store, 'ban.zhang', ['supervisor']);
  }, 30_000);

  afterEach(async () => {
    // Log agents out of the desk so no one left available takes the next test's call.
    for (const c of agentsIn) {
      if (c.ws.readyState === c.ws.OPEN) await c.request({ type: 'desk.logout' }).catch(() => undefined);
    }
    agentsIn.clear();
    for (const c of clients.splice(0)) {
      expect(c.invalid).toEqual([]);
      c.close();
    }
    for (const call of await sim.liveCalls()) await sim.hangup(call.callId);
  });
  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
  });

  const open = async (username: string): Promise<DeskClient> => {
    const c = await DeskClient.connect(base, { token: await login(base, username) });
    clients.push(c);
    await c.next((f) => f.type === 'hello');
    return c;
  };
  const notice = (c: DeskClient, type: string, match: (n: Record<string, unknown>) => boolean = () => true, timeoutMs = 8000) =>
    c.next((f) => f.type === 'notice' && (f.notice as { type: string }).type === type && match(f.notice as Record<string, unknown>), timeoutMs).then((f) => f.notice as Record<string, unknown>);
  const ok = (f: Frame) => {
    expect(f, JSON.stringify(f)).toMatchObject({ type: 'result', ok: true });
    return (f.detail ?? {}) as Record<string, unknown>;
  };

  /** An agent logged in and available over ws, a call placed to 12345, offered, answered, bridged. */
  const connected = async (username: string, citizen: string) => {
    const agent = await open(username);
    ok(await agent.request({ type: 'desk.login' }));
    agentsIn.add(agent);
    await notice(agent, 'agent.state', (n) => (n.status as { state: string }).state === 'available');
    const caller = sim.placeCall({ caller: citizen });
    const offer = await notice(agent, 'offer', (n) => n.callId === caller.callId);
    const answer = ok(await agent.request({ type: 'call.answer', callId: caller.callId }));
    const leg = answer.agentLegId as string;
    await eventually(() => caller.bridgedWith, (b) => b === leg, 8000);
    return { agent, caller, callId: caller.callId, leg, offer };
  };

  it('login → available → offer with the screen pop → answer → bridged → hold/unhold → wrap-up form → phone intake in the core', async () => {
    const { agent, caller, callId, leg, offer } = await connected('a1001', '13800138001');
    expect(offer).toMatchObject({ callId, queue: 'general', screenPop: { recentIntakes: expect.any(Array), openWorkOrders: expect.any(Array) } });
    expect(sim.callState(leg).state).toBe('answered');
    expect(sim.callState(leg).info.dialled).toContain('1001'); // the agent's phone from the user profile

    ok(await agent.request({ type: 'call.hold', callId }));
    await notice(agent, 'call.state', (n) => n.state === 'held' && n.callId === callId);
    expect(caller.bridgedWith).toBeUndefined();
    expect(caller.hearing?.kind).toBe('hold');

    ok(await agent.request({ type: 'call.unhold', callId }));
    await notice(agent, 'call.state', (n) => n.state === 'connected' && n.callId === callId);
    await eventually(() => caller.bridgedWith, (b) => b === leg, 5000);

    await caller.hangup();
    await notice(agent, 'call.state', (n) => n.state === 'ended' && n.callId === callId);
    await notice(agent, 'wrapup.due', (n) => n.callId === callId);
    const form = { type: 'HELP', content: '家里停水两天了，请帮忙联系自来水公司', place: '建设路12号', confidential: false };
    ok(await agent.request({ type: 'wrapup.submit', callId, form }));

    const line = await eventually(
      () => readCoreFile(coreFile).find((l) => (l.intake.links as { callId?: string } | undefined)?.callId === callId),
      (l) => l !== undefined,
      10_000,
    );
    expect(line!.intake).toMatchObject({ channel: 'CHANNEL_PHONE', links: { callId, agentId: 'a1001' } });

    // After wrap-up the agent is available again; the same citizen calls back and the screen pop
    // shows the intake just made.
    await notice(agent, 'agent.state', (n) => (n.status as { state: string }).state === 'available');
    const again = sim.placeCall({ caller: '13800138001' });
    const offer2 = await notice(agent, 'offer', (n) => n.callId === again.callId);
    const pop = offer2.screenPop as { unavailable?: boolean; recentIntakes: { intakeId: string }[] };
    expect(pop.unavailable).toBeUndefined();
    expect(pop.recentIntakes.map((i) => i.intakeId)).toContain(line!.intake.intakeId);
    await again.hangup();
    await notice(agent, 'offer.withdrawn', (n) => n.callId === again.callId && n.reason === 'caller-hung-up');
  });

  it('attended transfer to a directory line: consult then cancel brings the caller back; consult then complete hands the caller over', async () => {
    const { agent, caller, callId, leg } = await connected('a1002', '13800138002');

    ok(await agent.request({ type: 'transfer.consult', callId, to: { kind: 'external', number: '12348' } }));
    await notice(agent, 'call.state', (n) => n.state === 'consulting' && n.callId === callId);
    expect(caller.hearing?.kind).toBe('hold');
    ok(await agent.request({ type: 'transfer.cancel', callId }));
    await eventually(() => caller.bridgedWith, (b) => b === leg, 5000);

    ok(await agent.request({ type: 'transfer.consult', callId, to: { kind: 'external', number: '12348' } }));
    await notice(agent, 'call.state', (n) => n.state === 'consulting' && n.callId === callId, 5000);
    ok(await agent.request({ type: 'transfer.complete', callId }));
    await notice(agent, 'call.state', (n) => n.state === 'transferred' && n.callId === callId);
    await notice(agent, 'wrapup.due', (n) => n.callId === callId);
    await eventually(() => sim.callState(leg).state, (s) => s === 'ended', 5000);
    expect(caller.state).toBe('answered');
    expect(caller.bridgedWith).toBeDefined();
    expect(caller.bridgedWith).not.toBe(leg);
    expect(sim.callState(caller.bridgedWith!).info.dialled).toContain('12348');
  });

  it('attended transfer to another agent: held out of dispatch while consulted, then the call is theirs — hold, and their hang-up ends it', async () => {
    const { agent, caller, callId, leg } = await connected('a1008', '13800138008');
    const second = await open('a1009');
    ok(await second.request({ type: 'desk.login' }));
    agentsIn.add(second);
    await notice(second, 'agent.state', (n) => (n.status as { state: string }).state === 'available');

    const consult = ok(await agent.request({ type: 'transfer.consult', callId, to: { kind: 'agent', agentId: 'a1009' } }));
    expect(consult).toMatchObject({ to: 'agent:a1009' });
    await notice(second, 'agent.state', (n) => (n.status as { state: string; callId?: string }).state === 'reserved' && (n.status as { callId?: string }).callId === callId);
    await notice(agent, 'call.state', (n) => n.state === 'consulting' && n.callId === callId);
    ok(await agent.request({ type: 'transfer.complete', callId }));
    await notice(agent, 'call.state', (n) => n.state === 'transferred' && n.callId === callId);
    await notice(agent, 'wrapup.due', (n) => n.callId === callId);
    await notice(second, 'agent.state', (n) => (n.status as { state: string; callId?: string }).state === 'on-call' && (n.status as { callId?: string }).callId === callId);
    await notice(second, 'call.state', (n) => n.state === 'connected' && n.callId === callId);
    await eventually(() => sim.callState(leg).state, (s) => s === 'ended', 5000);
    expect(caller.bridgedWith).toBe(consult.leg);

    ok(await second.request({ type: 'call.hold', callId }));
    await notice(second, 'call.state', (n) => n.state === 'held' && n.callId === callId);
    expect(caller.hearing?.kind).toBe('hold');
    ok(await second.request({ type: 'call.unhold', callId }));
    await eventually(() => caller.bridgedWith, (b) => b === consult.leg, 5000);
    // The first agent has nothing more to say on the call.
    expect(await agent.request({ type: 'call.hangup', callId })).toMatchObject({ type: 'result', ok: false, code: 'FORBIDDEN' });

    // The second agent puts the phone down: the citizen's call ends with it, they wrap up.
    await sim.hangup(consult.leg as string);
    await notice(second, 'call.state', (n) => n.state === 'ended' && n.callId === callId);
    await notice(second, 'wrapup.due', (n) => n.callId === callId);
    await eventually(() => caller.state, (s) => s === 'ended', 5000);
  });

  it('three-way: refused before consent, refused outside a fixed line’s hours, then a conference with the open unit', async () => {
    const { agent, caller, callId, leg } = await connected('a1003', '13800138003');

    const before = await agent.request({ type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-water' } });
    expect(before).toMatchObject({ type: 'result', ok: false, code: 'NO_CONSENT' });
    expect(before.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(caller.bridgedWith).toBe(leg);

    ok(await agent.request({ type: 'threeway.consent', callId }));
    const closed = await agent.request({ type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-housing' } });
    expect(closed).toMatchObject({ type: 'result', ok: false, code: 'OUTSIDE_HOURS' });
    expect(closed.message).toMatch(/派发工单/);
    expect(caller.bridgedWith).toBe(leg);

    ok(await agent.request({ type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-water' } }));
    await notice(agent, 'call.state', (n) => n.state === 'conference' && n.callId === callId);
    expect(caller.conferences.length).toBe(1);
    expect(sim.callState(leg).conferences.size).toBe(1);

    // The agent leaves: citizen and unit talk on, the agent goes to wrap-up.
    ok(await agent.request({ type: 'threeway.leave', callId }));
    await notice(agent, 'wrapup.due', (n) => n.callId === callId);
    await eventually(() => sim.callState(leg).state, (s) => s === 'ended', 5000);
    expect(caller.state).toBe('answered');
    expect(caller.conferences.length).toBe(1);
  });

  it('blind transfer to an external directory line releases the agent to wrap-up; the citizen talks on with the line', async () => {
    const { agent, caller, callId, leg } = await connected('a1004', '13800138004');
    const r = ok(await agent.request({ type: 'transfer.blind', callId, to: { kind: 'external', number: '12348' } }));
    expect(r).toMatchObject({ to: '12348' });
    await notice(agent, 'call.state', (n) => n.state === 'transferred' && n.callId === callId);
    await notice(agent, 'wrapup.due', (n) => n.callId === callId);
    await eventually(() => sim.callState(leg).state, (s) => s === 'ended', 5000);
    expect(caller.state).toBe('answered');
    expect(caller.bridgedWith).toBe(r.leg);
    expect(sim.callState(r.leg as string).info.dialled).toContain('12348');
  });

  it('emergency handoff to 110 conferences the line in and puts an intake marked for 110 in the core', async () => {
    const { agent, callId } = await connected('a1005', '13800138005');
    ok(await agent.request({ type: 'emergency.handoff', callId, line: '110', summary: '诉求人称楼下有人持刀伤人', location: '和平路88号' }));
    await notice(agent, 'call.state', (n) => n.state === 'conference' && n.callId === callId);
    const line = await eventually(
      () => readCoreFile(coreFile).find((l) => (l.intake.links as { callId?: string } | undefined)?.callId === callId),
      (l) => l !== undefined,
      10_000,
    );
    expect(line!.intake).toMatchObject({ emergencyLine: 'EMERGENCY_LINE_110', links: { callId, agentId: 'a1005' } });
  });

  it('a bad frame gets an error frame naming the field, and the connection stays usable', async () => {
    const agent = await open('a1006');
    const bad = await agent.request({ type: 'transfer.blind', callId: 'x1', to: { kind: 'queue' } });
    expect(bad).toMatchObject({ type: 'error', code: 'INVALID_FIELD', field: 'to.queue' });
    expect(bad.message).toMatch(/[\u4e00-\u9fa5]/);
    expect(await agent.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    ok(await agent.request({ type: 'desk.login' }));
    agentsIn.add(agent);
    await notice(agent, 'agent.state', (n) => (n.status as { state: string }).state === 'available');
  });

  it('a supervisor receives the live figures and agent states; an agent asking for figures is refused', async () => {
    type Fig = { queue: string; window: string; offered: number; shortAbandoned: number };
    const general = (f: Frame) => (f.figures as Fig[]).find((x) => x.queue === 'general' && x.window === 'today');
    const agent = await open('a1007');
    expect(await agent.request({ type: 'figures.subscribe' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    const sup = await open('ban.zhang');
    sup.send({ type: 'figures.subscribe', id: 'fig1' });
    const first = await sup.next((f) => f.type === 'figures');
    const before = general(first) ?? { offered: 0, shortAbandoned: 0 };
    sup.send({ type: 'agents.subscribe', id: 'ag1' });
    await sup.next((f) => f.type === 'agents');

    // The agent logs in: the supervisor's agent list shows them available.
    ok(await agent.request({ type: 'desk.login' }));
    agentsIn.add(agent);
    await sup.next((f) => f.type === 'agents' && (f.agents as { agentId: string; state: string }[]).some((a) => a.agentId === 'a1007' && a.state === 'available'));
    // The agent goes not ready (小休): a citizen waits in the queue unattended and soon gives up.
    ok(await agent.request({ type: 'state.set', state: 'not-ready', reason: 'break' }));
    await notice(agent, 'agent.state', (n) => (n.status as { state: string }).state === 'not-ready');
    const caller = sim.placeCall({ caller: '13800138007' });
    await sup.next((f) => f.type === 'figures' && (general(f)?.offered ?? 0) > before.offered);
    await caller.hangup();
    // Hung up within figures.shortAbandonSec: a short abandon.
    await sup.next((f) => f.type === 'figures' && (general(f)?.shortAbandoned ?? 0) > before.shortAbandoned);
  });
});
