import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisRecentIntakes } from '../../src/adapters/redis/redis-recent-intakes.js';
import type { VirtualCaller } from '../../src/adapters/simulated/simulated-switch.js';
import { loadIntakeRules } from '../../src/config/intake-rules.js';
import { loadIvrConfig } from '../../src/config/ivr.js';
import type { Directory } from '../../src/core/desk/directory.js';
import type { IntakeMetrics } from '../../src/core/ports/intake-metrics.js';
import { compileIntakeRules } from '../../src/core/rules/intake-rules.js';
import { CallControl, type CallControlNotice } from '../../src/services/desk/call-control.js';
import { IntakeAcceptor } from '../../src/services/intake-acceptor.js';
import { IntakeRulesJudge } from '../../src/services/intake-rules-judge.js';
import { startIvr, type IvrHarness } from '../helpers/ivr-harness.js';
import { silentLogger } from '../helpers/logger.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';

// Call control on the simulated switch with the IVR, the call store, the CDR outbox and the dev
// core around it (real redis-server, real gRPC). The desk's part — offering the call and bridging
// the agent's leg — is played by `connect` below, as the desk service does it.

const noMetrics: IntakeMetrics = { accepted: () => undefined, delivered: () => undefined, failed: () => undefined };
const CITIZEN = '13800138000';

// Monday 2026-11-23, Beijing time.
const MON_10AM = new Date('2026-11-23T10:00:00+08:00');
const MON_8PM = new Date('2026-11-23T20:00:00+08:00');

const directory: Directory = {
  units: [
    {
      id: 'city-water',
      name: '市水务局',
      number: '03962345678',
      onDuty: '王工',
      hours: { mon: [{ from: 510, to: 720 }, { from: 870, to: 1050 }], tue: [{ from: 510, to: 720 }] },
      closedDates: [],
      trunk: 'carrier',
    },
  ],
  lines: [
    { number: '12348', name: '法律服务热线', trunk: 'carrier' },
    { number: '12366', name: '纳税服务热线', trunk: 'carrier' },
    { number: '12315', name: '市场监管热线', trunk: 'carrier' },
  ],
};

describe('call control for the agent', () => {
  let redis: TestRedis;
  let h: IvrHarness;
  let cc: CallControl;
  let outbox: RedisIntakeOutbox;
  let notices: CallControlNotice[];
  let now: Date;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  beforeEach(async () => {
    h = await startIvr(redis);
    const client = redis.client();
    const keys = new RedisKeys(`t-${randomUUID().slice(0, 8)}:`);
    outbox = new RedisIntakeOutbox(client, keys, { leaseMs: 30_000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 });
    const judge = new IntakeRulesJudge(compileIntakeRules(loadIntakeRules()), new RedisRecentIntakes(client, keys, { maxPerCitizen: 50 }));
    const acceptor = new IntakeAcceptor(outbox, noMetrics, judge.judge, undefined, undefined, { onStored: judge.stored });
    now = MON_10AM;
    cc = new CallControl({
      switch: h.sim,
      calls: h.calls,
      intakes: acceptor,
      directory,
      emergency: loadIvrConfig('config/ivr.yaml').emergency,
      holdMusic: 'holdMusic',
      log: silentLogger(),
      clock: () => now,
      ringTimeoutSec: 5,
      hooks: {
        agentEndpoint: async (agentId) => (agentId === '1002' ? { endpoint: { kind: 'user', user: '1002' }, name: '李娜' } : undefined),
        expertEndpoint: async (queue) => (queue === 'expert-tax' ? { endpoint: { kind: 'user', user: 'expert-7' }, name: '税务专家 赵老师', expertId: 'expert-7' } : undefined),
      },
    });
    cc.start();
    notices = [];
    cc.on((n) => notices.push(n));
  });
  afterEach(async () => {
    cc.stop();
    await h.stop();
  });

  /** What the desk does: the caller waits in the queue, the agent's phone is rung and bridged with the caller. */
  async function connect(agentId = '1001'): Promise<{ caller: VirtualCaller; agent: VirtualCaller; callId: string }> {
    const caller = h.sim.placeCall({ caller: CITIZEN });
    await caller.waitUntil(() => caller.hearing?.kind === 'hold', 'the caller waiting in the queue');
    const leg = await h.sim.originate({ endpoint: { kind: 'user', user: agentId }, callerIdNumber: '12345', timeoutSec: 5, variables: { hotline_entry: 'agent-leg' } });
    await h.sim.bridge(caller.callId, leg.callId!);
    cc.attach({ callId: caller.callId, agentLeg: leg.callId!, agentId, caller: CITIZEN });
    return { caller, agent: h.sim.caller(leg.callId!), callId: caller.callId };
  }

  /** The outbound leg the switch placed to this endpoint key (gateway:carrier/12348, user:1002 …). */
  const legTo = (key: string) => {
    const found = h.sim.allCalls().filter((c) => c.direction === 'outbound' && c.dialled === key);
    return found.length ? h.sim.caller(found.at(-1)!.callId) : undefined;
  };

  const factTypes = (cdr: Record<string, unknown>) => (cdr.facts as { type: string }[]).map((f) => f.type);

  describe('attended transfer', () => {
    it('consult puts the caller on hold and rings the line; complete bridges the caller to it and releases the agent', async () => {
      const { caller, agent, callId } = await connect();
      const early = await cc.handle('1001', { type: 'transfer.complete', callId });
      expect(early).toMatchObject({ ok: false, code: 'NO_CONSULT' });
      expect((early as { message: string }).message).toContain('没有进行中的咨询转接');

      const consulted = await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'external', number: '12348' } });
      expect(consulted).toMatchObject({ ok: true, detail: { name: '法律服务热线' } });
      const target = legTo('gateway:carrier/12348')!;
      expect(caller.hearing).toEqual({ kind: 'hold', media: 'holdMusic' });
      expect(agent.conferences).toEqual([`consult-${callId}`]);
      expect(target.conferences).toEqual([`consult-${callId}`]);
      expect(cc.state(callId)?.phase).toBe('consulting');

      const done = await cc.handle('1001', { type: 'transfer.complete', callId });
      expect(done).toMatchObject({ ok: true });
      expect(caller.bridgedWith).toBe(target.callId);
      expect(caller.hearing).toBeUndefined();
      await agent.ended;
      expect(target.state).toBe('answered');
      expect(caller.state).toBe('answered');
      expect(notices).toContainEqual({ type: 'agent.released', callId, agentId: '1001', why: 'transferred' });

      // The line hangs up at the end: the caller's call ends, and its record shows the transfer.
      await target.hangup();
      await caller.ended;
      const [cdr] = await h.cdrLines(callId);
      expect(factTypes(cdr!)).toEqual(expect.arrayContaining(['agent.connected', 'transfer.consult.started', 'transfer.consult.answered', 'transfer.completed']));
      expect(cdr!.disposition).toBe('DISPOSITION_ANSWERED');
    });

    it('cancel hangs up the consult leg and brings the caller off hold, back with the agent', async () => {
      const { caller, agent, callId } = await connect();
      await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'external', number: '12366' } });
      const target = legTo('gateway:carrier/12366')!;
      expect(await cc.handle('1001', { type: 'transfer.cancel', callId })).toEqual({ ok: true });
      await target.ended;
      expect(caller.bridgedWith).toBe(agent.callId);
      expect(caller.hearing).toBeUndefined();
      expect(agent.conferences).toEqual([]);
      expect(cc.state(callId)?.phase).toBe('connected');
      // Nothing left to complete or cancel.
      expect(await cc.handle('1001', { type: 'transfer.cancel', callId })).toMatchObject({ ok: false, code: 'NO_CONSULT' });
    });

    it('a consult target that does not answer: the agent is told in Chinese and the caller is back with them', async () => {
      h.sim.endpoint('gateway:carrier/12315', { answer: 'no-answer' });
      const { caller, agent, callId } = await connect();
      const r = await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'external', number: '12315' } });
      expect(r).toEqual({ ok: false, code: 'TARGET_NO_ANSWER', message: '对方无人接听。诉求人已回到您的通话中。' });
      expect(caller.bridgedWith).toBe(agent.callId);
      expect(caller.hearing).toBeUndefined();
      expect(cc.state(callId)?.phase).toBe('connected');
      expect(await cc.handle('1001', { type: 'transfer.complete', callId })).toMatchObject({ ok: false, code: 'NO_CONSULT' });
    });

    it('a consult target that hangs up during the consult: the caller comes back to the agent by itself', async () => {
      const { caller, agent, callId } = await connect();
      await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'external', number: '12348' } });
      await legTo('gateway:carrier/12348')!.hangup();
      await caller.waitUntil(() => caller.bridgedWith === agent.callId, 'the caller back with the agent');
      expect(caller.hearing).toBeUndefined();
      expect(agent.state).toBe('answered');
      await expect.poll(() => notices.map((n) => n.type)).toContain('caller.back');
    });

    it('consulting another agent, then completing, gives that agent the call', async () => {
      const { caller, agent, callId } = await connect();
      expect(await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '1009' } })).toMatchObject({ ok: false, code: 'NO_AGENT' });
      expect(await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '1002' } })).toMatchObject({ ok: true, detail: { name: '李娜' } });
      const other = legTo('user:1002')!;
      expect(await cc.handle('1001', { type: 'transfer.complete', callId })).toMatchObject({ ok: true });
      await agent.ended;
      expect(caller.bridgedWith).toBe(other.callId);
      expect(notices).toContainEqual({ type: 'agent.joined', callId, agentId: '1002', agentLeg: other.callId });
      expect(cc.state(callId)).toMatchObject({ agentId: '1002', agentLeg: other.callId, phase: 'connected' });
      // The first agent can no longer act on it; the new one can.
      expect(await cc.handle('1001', { type: 'transfer.cancel', callId })).toMatchObject({ ok: false, code: 'UNKNOWN_CALL' });
      expect(await cc.handle('1002', { type: 'threeway.consent', callId })).toMatchObject({ ok: true });
    });
  });

  describe('blind transfer to an external line', () => {
    it('the caller goes to the sub-centre line and the agent leg ends', async () => {
      const { caller, agent, callId } = await connect();
      const r = await cc.handle('1001', { type: 'transfer.blind', callId, to: { kind: 'external', number: '12348' } });
      expect(r).toMatchObject({ ok: true, detail: { to: '12348', name: '法律服务热线' } });
      const line = legTo('gateway:carrier/12348')!;
      expect(caller.bridgedWith).toBe(line.callId);
      await agent.ended;
      expect(caller.state).toBe('answered');
      // The sub-centre sees the citizen's own number (art. 8: transfers both ways).
      expect(h.sim.allCalls().find((c) => c.callId === line.callId)?.caller).toBe(CITIZEN);
      await caller.hangup();
      await line.ended;
      const [cdr] = await h.cdrLines(callId);
      expect(factTypes(cdr!)).toEqual(expect.arrayContaining(['transfer.blind.started', 'transfer.blind.done']));
    });

    it('a busy line: the caller is back with the agent, never dropped', async () => {
      h.sim.endpoint('gateway:carrier/12366', { answer: 'busy' });
      const { caller, agent, callId } = await connect();
      const r = await cc.handle('1001', { type: 'transfer.blind', callId, to: { kind: 'external', number: '12366' } });
      expect(r).toEqual({ ok: false, code: 'TARGET_BUSY', message: '对方忙，未能接通。诉求人已回到您的通话中。' });
      expect(caller.state).toBe('answered');
      expect(agent.state).toBe('answered');
      expect(caller.bridgedWith).toBe(agent.callId);
      expect(caller.hearing).toBeUndefined();
    });

    it('a number outside the directory is not dialled', async () => {
      const { callId } = await connect();
      const before = h.sim.allCalls().length;
      const r = await cc.handle('1001', { type: 'transfer.blind', callId, to: { kind: 'external', number: '13912345678' } });
      expect(r).toMatchObject({ ok: false, code: 'NOT_IN_DIRECTORY' });
      expect(h.sim.allCalls().length).toBe(before);
    });

    it('a queue or an agent goes to the desk (ACD) hook; without one the agent is told it is unavailable', async () => {
      const { callId } = await connect();
      expect(await cc.handle('1001', { type: 'transfer.blind', callId, to: { kind: 'queue', queue: 'general' } })).toMatchObject({ ok: false, code: 'UNSUPPORTED' });
    });
  });

  describe('three-way call (三方通话)', () => {
    it('is refused without the citizen\'s recorded consent (art. 14), then joins caller, agent and the fixed line; the agent leaves, the other two stay', async () => {
      const { caller, agent, callId } = await connect();
      const before = h.sim.allCalls().length;
      const refused = await cc.handle('1001', { type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-water' } });
      expect(refused).toMatchObject({ ok: false, code: 'NO_CONSENT' });
      expect((refused as { message: string }).message).toContain('第十四条');
      expect(h.sim.allCalls().length).toBe(before);

      expect(await cc.handle('1001', { type: 'threeway.consent', callId })).toMatchObject({ ok: true, detail: { consentAt: MON_10AM.toISOString() } });
      const r = await cc.handle('1001', { type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-water' } });
      expect(r).toMatchObject({ ok: true, detail: { conference: `threeway-${callId}`, name: '市水务局（王工）' } });
      const unit = legTo('gateway:carrier/03962345678')!;
      for (const leg of [caller, agent, unit]) expect(leg.conferences).toEqual([`threeway-${callId}`]);
      // The fixed line sees the centre's number.
      expect(h.sim.allCalls().find((c) => c.callId === unit.callId)?.caller).toBe('12345');

      expect(await cc.handle('1001', { type: 'threeway.leave', callId })).toEqual({ ok: true });
      await agent.ended;
      expect(caller.state).toBe('answered');
      expect(unit.state).toBe('answered');
      expect(caller.conferences).toEqual([`threeway-${callId}`]);
      expect(unit.conferences).toEqual([`threeway-${callId}`]);
      expect(notices).toContainEqual({ type: 'agent.released', callId, agentId: '1001', why: 'left-conference' });
      expect(await cc.handle('1001', { type: 'threeway.leave', callId })).toMatchObject({ ok: false, code: 'AGENT_RELEASED' });

      // The caller hangs up: the conference ends for all.
      await caller.hangup();
      await unit.ended;
      const [cdr] = await h.cdrLines(callId);
      expect(factTypes(cdr!)).toEqual(expect.arrayContaining(['threeway.consent', 'threeway.dialing', 'threeway.started', 'conference.agent-left']));
    });

    it('outside the unit\'s fixed hours it is refused with the hours and a suggestion to dispatch a work order; nothing is dialled', async () => {
      now = MON_8PM;
      const { callId } = await connect();
      await cc.handle('1001', { type: 'threeway.consent', callId });
      const before = h.sim.allCalls().length;
      const r = await cc.handle('1001', { type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-water' } });
      expect(r).toMatchObject({ ok: false, code: 'OUTSIDE_HOURS' });
      const message = (r as { message: string }).message;
      expect(message).toContain('派发工单');
      expect(message).toContain('周一 08:30-12:00、14:30-17:30；周二 08:30-12:00');
      expect(h.sim.allCalls().length).toBe(before);
      expect(cc.state(callId)?.phase).toBe('connected');
      expect(await cc.handle('1001', { type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'no-such-unit' } })).toMatchObject({ ok: false, code: 'UNKNOWN_UNIT' });
    });

    it('with an expert seat the desk supplies; the agent may stay, and the expert hanging up brings caller and agent back together', async () => {
      const { caller, agent, callId } = await connect();
      await cc.handle('1001', { type: 'threeway.consent', callId });
      expect(await cc.handle('1001', { type: 'threeway.start', callId, party: { kind: 'expert', queue: 'expert-none' } })).toMatchObject({ ok: false, code: 'NO_EXPERT' });
      const r = await cc.handle('1001', { type: 'threeway.start', callId, party: { kind: 'expert', queue: 'expert-tax' } });
      expect(r).toMatchObject({ ok: true, detail: { name: '税务专家 赵老师' } });
      const expert = legTo('user:expert-7')!;
      expect(expert.conferences).toEqual([`threeway-${callId}`]);
      await expert.hangup();
      await caller.waitUntil(() => caller.bridgedWith === agent.callId, 'caller and agent bridged again');
      expect(caller.conferences).toEqual([]);
      await expect.poll(() => cc.state(callId)?.phase).toBe('connected');
      expect(notices).toContainEqual({ type: 'caller.back', callId, agentId: '1001', why: 'party-hung-up' });
    });
  });

  describe('emergency handoff', () => {
    it('conferences 110 from the emergency trunk; the agent stays until it answers; an intake marked 110 goes ahead of normal traffic to the core', async () => {
      // A normal intake is already waiting in the outbox.
      await outbox.enqueue({
        intakeId: 'earlier-normal',
        idempotencyKey: 'web:earlier',
        channel: 'CHANNEL_WEB',
        receivedTime: new Date().toISOString(),
        citizen: { phone: '+8613700000000', citizenKey: 'tel:+8613700000000' },
        content: { text: '小区路灯坏了' },
        classification: { type: 'INTAKE_TYPE_HELP', urgency: 'URGENCY_NORMAL' },
        scope: { inScope: true },
        emergencyLine: 'EMERGENCY_LINE_NONE',
        missingElements: [],
        decisions: [],
      });
      h.sim.endpoint('gateway:emergency/110', { answer: 'answer', answerAfterMs: 400 });
      const { caller, agent, callId } = await connect();
      const handoff = cc.handle('1001', { type: 'emergency.handoff', callId, line: '110', summary: '诉求人称邻居家中有人持刀伤人，现场有伤者', location: '和平路88号3单元' });
      await new Promise((r) => setTimeout(r, 100));
      const early = await cc.handle('1001', { type: 'threeway.leave', callId });
      expect(early).toMatchObject({ ok: false, code: 'EMERGENCY_RINGING' });
      expect(caller.bridgedWith).toBe(agent.callId); // caller and agent keep talking while it rings

      const r = await handoff;
      expect(r).toMatchObject({ ok: true, detail: { line: '110', conference: `emergency-${callId}` } });
      const operator = legTo('gateway:emergency/110')!;
      for (const leg of [caller, agent, operator]) expect(leg.conferences).toEqual([`emergency-${callId}`]);
      expect(await cc.handle('1001', { type: 'threeway.leave', callId })).toEqual({ ok: true });
      await agent.ended;
      expect(caller.conferences).toEqual([`emergency-${callId}`]);

      // The intake: marked 110, critical, the agent's summary and the place, linked to the call and agent.
      const lease = await outbox.lease(10);
      const first = lease.items[0]!.intake;
      expect(r.ok && r.detail?.intakeId).toBe(first.intakeId);
      expect(first).toMatchObject({
        channel: 'CHANNEL_PHONE',
        emergencyLine: 'EMERGENCY_LINE_110',
        classification: { urgency: 'URGENCY_CRITICAL' },
        scope: { inScope: false, reason: 'SCOPE_REASON_EMERGENCY_LINE' },
        content: { text: '诉求人称邻居家中有人持刀伤人，现场有伤者' },
        incident: { location: { text: '和平路88号3单元' } },
        links: { callId, agentId: '1001' },
        citizen: { phone: '+8613800138000' },
      });
      expect(first.decisions[0]).toMatchObject({ rule: 'emergency.handoff', outcome: 'EMERGENCY_LINE_110' });
      expect(lease.items[1]!.intake.intakeId).toBe('earlier-normal');
      // Delivered to the (dev) core as it is.
      const { acks } = await h.intakeSink.submitBatch(lease.items.map((i) => i.intake));
      expect(acks.map((a) => a.intakeId)).toEqual([first.intakeId, 'earlier-normal']);
      const stored = readFileSync(h.intakesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(JSON.stringify(stored)).toContain('EMERGENCY_LINE_110');

      // The operator ends the call: the caller is released, and the CDR is marked for 110.
      await operator.hangup();
      await caller.ended;
      const [cdr] = await h.cdrLines(callId);
      expect(cdr!.emergencyLine).toBe('110');
      expect(factTypes(cdr!)).toEqual(expect.arrayContaining(['emergency.handoff.started', 'emergency.handoff.answered', 'conference.agent-left']));
    });

    it('an emergency line that does not answer leaves the caller with the agent, the intake still recorded, and a summary is required', async () => {
      h.sim.endpoint('gateway:emergency/120', { answer: 'busy' });
      const { caller, agent, callId } = await connect();
      expect(await cc.handle('1001', { type: 'emergency.handoff', callId, line: '120', summary: '  ' })).toMatchObject({ ok: false, code: 'SUMMARY_REQUIRED' });
      const r = await cc.handle('1001', { type: 'emergency.handoff', callId, line: '120', summary: '老人突然昏倒，呼之不应' });
      expect(r).toMatchObject({ ok: false, code: 'EMERGENCY_FAILED' });
      expect(caller.bridgedWith).toBe(agent.callId);
      const lease = await outbox.lease(10);
      expect(lease.items.map((i) => i.intake.emergencyLine)).toEqual(['EMERGENCY_LINE_120']);
      // A retry is the same record (one per call and line).
      h.sim.endpoint('gateway:emergency/120', { answer: 'answer' });
      expect(await cc.handle('1001', { type: 'emergency.handoff', callId, line: '120', summary: '老人突然昏倒，呼之不应' })).toMatchObject({ ok: true });
      expect((await outbox.stats()).depth).toBe(1);
    });
  });

  it('an agent who puts the phone down mid-consult completes the transfer instead of dropping the caller', async () => {
    const { caller, agent, callId } = await connect();
    await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'external', number: '12348' } });
    const target = legTo('gateway:carrier/12348')!;
    await agent.hangup();
    await caller.waitUntil(() => caller.bridgedWith === target.callId, 'the caller bridged to the consult target');
    expect(caller.state).toBe('answered');
    expect(caller.hearing).toBeUndefined();
  });

  it('the caller hanging up while 110 rings: the emergency leg is hung up when it answers, the intake is kept', async () => {
    h.sim.endpoint('gateway:emergency/110', { answer: 'answer', answerAfterMs: 300 });
    const { caller, callId } = await connect();
    const handoff = cc.handle('1001', { type: 'emergency.handoff', callId, line: '110', summary: '有人打架' });
    await new Promise((r) => setTimeout(r, 50));
    await caller.hangup();
    expect(await handoff).toMatchObject({ ok: false, code: 'CALL_ENDED' });
    await legTo('gateway:emergency/110')!.ended;
    expect((await outbox.stats()).depth).toBe(1);
  });

  it('a withheld caller number is not passed on: the line sees the centre number', async () => {
    const caller = h.sim.placeCall({ caller: 'anonymous' });
    await caller.waitUntil(() => caller.hearing?.kind === 'hold', 'waiting');
    const leg = await h.sim.originate({ endpoint: { kind: 'user', user: '1001' }, callerIdNumber: '12345', timeoutSec: 5 });
    await h.sim.bridge(caller.callId, leg.callId!);
    cc.attach({ callId: caller.callId, agentLeg: leg.callId!, agentId: '1001', caller: 'anonymous' });
    expect(await cc.handle('1001', { type: 'transfer.blind', callId: caller.callId, to: { kind: 'external', number: '12348' } })).toMatchObject({ ok: true });
    expect(h.sim.allCalls().find((c) => c.dialled === 'gateway:carrier/12348')?.caller).toBe('12345');
  });

  it('the caller hanging up during a consult ends the consult leg too', async () => {
    const { caller, callId } = await connect();
    await cc.handle('1001', { type: 'transfer.consult', callId, to: { kind: 'external', number: '12348' } });
    const target = legTo('gateway:carrier/12348')!;
    await caller.hangup();
    await target.ended;
    await expect.poll(() => notices.map((n) => n.type)).toContain('call.ended');
    expect(cc.state(callId)).toBeUndefined();
  });
});
