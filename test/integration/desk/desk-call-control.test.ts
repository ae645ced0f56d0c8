import { describe, expect, it } from 'vitest';
import { agent, deskSuite, detailOf, NoticeLog, type DeskHarness } from '../../helpers/desk-harness.js';


// Transfers, three-way calls and the emergency handoff reached through the desk: the agent on
// instance B, the call owned by A, call control carried out on A.
describe('agent desk: call control through the owning instance', () => {
  const desks = deskSuite();
  let h: DeskHarness | undefined;

  const connect = async (agentId: string, number: string) => {
    const notices = new NoticeLog(h!.b.desk, agentId);
    await h!.b.desk.login(agent(agentId));
    const caller = h!.a.sim.placeCall({ caller: number });
    await notices.waitFor('offer', (n) => n.callId === caller.callId);
    const leg = detailOf(await h!.b.desk.command(agentId, { type: 'call.answer', callId: caller.callId })).agentLegId as string;
    return { notices, caller, leg };
  };

  it('three-way with a fixed line only after consent; the agent leaves, citizen and unit talk on, the agent goes to wrap-up', async () => {
    h = await desks.start();
    const { notices, caller, leg } = await connect('7001', '13811112222');
    const callId = caller.callId;
    const start = () => h!.b.desk.command('7001', { type: 'threeway.start', callId, party: { kind: 'fixed-line', unitId: 'city-water' } });
    expect(await start()).toMatchObject({ ok: false });
    expect((await h.b.desk.command('7001', { type: 'threeway.consent', callId })).ok).toBe(true);
    expect(await start()).toMatchObject({ ok: true });
    await notices.waitFor('call.state', (n) => n.state === 'conference');
    expect(h.a.sim.callState(callId).conferences.size).toBe(1);
    expect(h.a.sim.callState(leg).conferences.size).toBe(1);

    expect(await h.b.desk.command('7001', { type: 'threeway.leave', callId })).toEqual({ ok: true });
    await notices.waitFor('wrapup.due');
    expect((await h.acd.status('7001')).state).toBe('wrap-up');
    expect(h.a.sim.callState(leg).state).toBe('ended');
    expect(caller.state).toBe('answered'); // the citizen talks on with the unit
    await caller.hangup();
    await h.a.sim.flush();
    expect((await h.a.sim.liveCalls()).length).toBe(0); // the unit's leg went with the caller
    notices.unsubscribe();
  });

  it('a blind transfer to a sub-centre line releases the agent to wrap-up and leaves the citizen with the line', async () => {
    h = await desks.start();
    const { notices, caller, leg } = await connect('7101', '13811113333');
    // An unknown queue is refused, the call untouched.
    expect(await h.b.desk.command('7101', { type: 'transfer.blind', callId: caller.callId, to: { kind: 'queue', queue: 'no-such-queue' } })).toMatchObject({ ok: false, code: 'UNKNOWN_QUEUE' });
    expect(h.a.sim.callState(caller.callId).bridgedWith).toBe(leg);
    const r = await h.b.desk.command('7101', { type: 'transfer.blind', callId: caller.callId, to: { kind: 'external', number: '12348' } });
    expect(r).toMatchObject({ ok: true, detail: { to: '12348' } });
    await notices.waitFor('call.state', (n) => n.state === 'transferred');
    await notices.waitFor('wrapup.due');
    expect(h.a.sim.callState(leg).state).toBe('ended');
    expect(caller.state).toBe('answered');
    expect(h.a.sim.callState(caller.callId).bridgedWith).toBe(detailOf(r).leg);
    // Transfer commands only for the agent on the call.
    expect(await h.b.desk.command('7101', { type: 'transfer.blind', callId: caller.callId, to: { kind: 'external', number: '12348' } })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    notices.unsubscribe();
  });

  it('a blind transfer to a queue: the caller waits again (never dropped), a second agent answers, the first is in wrap-up; the record names the final agent', async () => {
    h = await desks.start({ wrapUpSec: 30 });
    const { notices, caller, leg } = await connect('7301', '13811115555');
    const callId = caller.callId;
    const second = new NoticeLog(h.b.desk, '7302');
    await h.b.desk.login(agent('7302'));
    const r = await h.b.desk.command('7301', { type: 'transfer.blind', callId, to: { kind: 'queue', queue: 'general' } });
    expect(r).toMatchObject({ ok: true, detail: { to: 'queue:general' } });
    await notices.waitFor('call.state', (n) => n.state === 'transferred');
    await notices.waitFor('wrapup.due');
    expect((await h.acd.status('7301')).state).toBe('wrap-up');
    expect(h.a.sim.callState(leg).state).toBe('ended');
    expect(caller.state).toBe('answered');
    const offer = await second.waitFor('offer', (n) => n.callId === callId);
    expect(offer.queue).toBe('general');
    expect(caller.state).toBe('answered');
    const leg2 = detailOf(await h.b.desk.command('7302', { type: 'call.answer', callId })).agentLegId as string;
    expect(h.a.sim.callState(callId).bridgedWith).toBe(leg2);
    // The first agent has nothing more to say on the call; the second has it.
    expect(await h.b.desk.command('7301', { type: 'call.hangup', callId })).toMatchObject({ ok: false });
    expect(h.figures.of('abandoned', callId)).toHaveLength(0);
    await caller.hangup();
    await h.a.sim.flush();
    const cdr = (await h.cdrLines(callId))[0]! as { disposition: string; agentId: string; facts: { type: string; detail: Record<string, string> }[] };
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ANSWERED', agentId: '7302', queue: 'general' });
    expect(cdr.facts.find((f) => f.type === 'transfer.blind.done')?.detail).toMatchObject({ agentId: '7301', to: 'queue:general' });
    await second.waitFor('wrapup.due');
    expect((await h.acd.status('7302')).state).toBe('wrap-up');
    notices.unsubscribe();
    second.unsubscribe();
  });

  it('the caller keeps the first arrival time when requeued', async () => {
    h = await desks.start({ wrapUpSec: 30 });
    const { caller } = await connect('7351', '13811115566');
    const callId = caller.callId;
    const before = (await h.a.sim.liveCalls()).length;
    // No other agent: the call waits; its standing keeps the arrival time of the first entry.
    const first = await h.store.call(callId);
    expect(await h.b.desk.command('7351', { type: 'transfer.blind', callId, to: { kind: 'queue', queue: 'enterprise' } })).toMatchObject({ ok: true });
    const until = Date.now() + 5000;
    let standing = await h.acd.standing(callId);
    while (!standing && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
      standing = await h.acd.standing(callId);
    }
    expect(standing).toMatchObject({ queue: 'enterprise', state: 'waiting', enqueuedAtMs: first?.enqueuedAtMs });
    expect(caller.state).toBe('answered');
    expect((await h.a.sim.liveCalls()).length).toBe(before - 1); // only the agent's leg went
  });

  /** Until the call waits in the ACD (the IVR queued it). */
  const waiting = async (callId: string) => {
    const until = Date.now() + 8000;
    while ((await h!.acd.standing(callId))?.state !== 'waiting') {
      if (Date.now() > until) throw new Error(`${callId} never waited`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('a consult with another agent holds them out of dispatch; completed, the call is theirs in the ACD and on the desk, and their hang-up ends it', async () => {
    h = await desks.start({ wrapUpSec: 30 });
    const { notices, caller, leg } = await connect('7601', '13811118888');
    const callId = caller.callId;
    const second = new NoticeLog(h.b.desk, '7602');
    await h.b.desk.login(agent('7602'));
    const consultLeg = detailOf(await h.b.desk.command('7601', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '7602' } })).leg as string;
    expect(await h.acd.status('7602')).toMatchObject({ state: 'reserved', callId });
    await second.waitFor('agent.state', (n) => n.status.state === 'reserved' && n.status.callId === callId);
    // A new caller waits: the consulted agent is not offered the call.
    const other = h.a.sim.placeCall({ caller: '13811119999' });
    await waiting(other.callId);
    expect(await h.acd.dispatch(['general'], Date.now())).toEqual([]);

    expect(await h.b.desk.command('7601', { type: 'transfer.complete', callId })).toMatchObject({ ok: true });
    await notices.waitFor('wrapup.due', (n) => n.callId === callId);
    await second.waitFor('call.state', (n) => n.callId === callId && n.state === 'connected');
    expect(await h.acd.status('7602')).toMatchObject({ state: 'on-call', callId });
    expect((await h.acd.status('7601')).state).toBe('wrap-up');
    expect(await h.store.call(callId)).toMatchObject({ state: 'connected', agentId: '7602', agentLegId: consultLeg });
    expect(h.a.sim.callState(leg).state).toBe('ended');
    // Talking: still not offered the waiting caller.
    expect(await h.acd.dispatch(['general'], Date.now())).toEqual([]);
    expect(second.notices.some((n) => n.type === 'offer')).toBe(false);

    // The call is theirs to hold and hang up; the first agent has nothing more to say on it.
    expect(await h.b.desk.command('7601', { type: 'call.hold', callId })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await h.b.desk.command('7602', { type: 'call.hold', callId })).toEqual({ ok: true });
    expect(caller.hearing?.kind).toBe('hold');
    expect(await h.b.desk.command('7602', { type: 'call.unhold', callId })).toEqual({ ok: true });
    expect(h.a.sim.callState(callId).bridgedWith).toBe(consultLeg);
    expect(await h.b.desk.command('7602', { type: 'call.hangup', callId })).toEqual({ ok: true });
    await second.waitFor('wrapup.due', (n) => n.callId === callId);
    expect(caller.state).toBe('ended');
    expect((await h.acd.status('7602')).state).toBe('wrap-up');
    expect(h.a.sim.callState(consultLeg).state).toBe('ended');
    // The wrap-up form is the agent's who had the call last.
    const form = { type: 'HELP' as const, content: '咨询转接后由第二位座席办理', confidential: false };
    expect(await h.b.desk.command('7602', { type: 'wrapup.submit', callId, form })).toMatchObject({ ok: true });
    // …and so is the call's record.
    const cdr = (await h.cdrLines(callId))[0]! as { agentId: string };
    expect(cdr.agentId).toBe('7602');
    await other.hangup();
    notices.unsubscribe();
    second.unsubscribe();
  });

  it('while a consult rings another agent they are not offered a waiting call; cancelled, they are available again and take it', async () => {
    h = await desks.start();
    const { caller } = await connect('7701', '13811110001');
    const callId = caller.callId;
    h.a.sim.endpoint('user:7702', { answer: 'answer', answerAfterMs: 1000 });
    const second = new NoticeLog(h.b.desk, '7702');
    await h.b.desk.login(agent('7702'));
    const consult = h.b.desk.command('7701', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '7702' } });
    await second.waitFor('agent.state', (n) => n.status.state === 'reserved' && n.status.callId === callId);
    const other = h.a.sim.placeCall({ caller: '13811110002' });
    await waiting(other.callId);
    expect(await h.acd.dispatch(['general'], Date.now())).toEqual([]);
    expect(await h.b.desk.command('7701', { type: 'transfer.cancel', callId })).toEqual({ ok: true });
    await second.waitFor('agent.state', (n) => n.status.state === 'available');
    // Available again, they get the caller who waited.
    await second.waitFor('offer', (n) => n.callId === other.callId);
    expect(await consult).toMatchObject({ ok: false, code: 'CANCELLED' });
    second.unsubscribe();
  });

  it('a consult with another agent cancelled, or not answered, leaves them available in their place in the idle line', async () => {
    h = await desks.start();
    const { caller, leg } = await connect('7751', '13811110003');
    const callId = caller.callId;
    const second = new NoticeLog(h.b.desk, '7752');
    const idleSince = (await h.b.desk.login(agent('7752'))).sinceMs;
    await second.waitFor('agent.state', (n) => n.status.state === 'available');
    // Told reserved, then available again, each time.
    const told = async (from: number) => {
      await second.waitFor('agent.state', (n) => n.status.state === 'available', 8000, from);
      expect(second.notices.slice(from).map((n) => (n.type === 'agent.state' ? n.status.state : n.type))).toEqual(['reserved', 'available']);
      expect(await h!.acd.status('7752')).toMatchObject({ state: 'available', sinceMs: idleSince });
    };
    let from = second.notices.length;
    expect(await h.b.desk.command('7751', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '7752' } })).toMatchObject({ ok: true });
    expect((await h.acd.status('7752')).state).toBe('reserved');
    expect(await h.b.desk.command('7751', { type: 'transfer.cancel', callId })).toEqual({ ok: true });
    await told(from);
    expect(h.a.sim.callState(callId).bridgedWith).toBe(leg);

    h.a.sim.endpoint('user:7752', { answer: 'busy' });
    from = second.notices.length;
    expect(await h.b.desk.command('7751', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '7752' } })).toMatchObject({ ok: false, code: 'TARGET_BUSY' });
    await told(from);
    expect((await h.acd.status('7751')).state).toBe('on-call');
    second.unsubscribe();
  });

  it('a blind transfer to an available agent offers them the call with the screen pop; the first agent wraps up; the second answers and has the call', async () => {
    h = await desks.start({ wrapUpSec: 30 });
    const { notices, caller, leg } = await connect('7801', '13811110004');
    const callId = caller.callId;
    const second = new NoticeLog(h.b.desk, '7802');
    await h.b.desk.login(agent('7802'));
    expect(await h.b.desk.command('7801', { type: 'transfer.blind', callId, to: { kind: 'agent', agentId: '7802' } })).toEqual({ ok: true, detail: { to: 'agent:7802' } });
    await notices.waitFor('call.state', (n) => n.state === 'transferred');
    await notices.waitFor('wrapup.due');
    expect((await h.acd.status('7801')).state).toBe('wrap-up');
    expect(h.a.sim.callState(leg).state).toBe('ended');
    const offer = await second.waitFor('offer', (n) => n.callId === callId);
    expect(offer).toMatchObject({ queue: 'general', caller: '13811110004', screenPop: { caller: '+8613811110004' } });
    expect(caller.state).toBe('answered');
    expect(caller.hearing?.kind).toBe('hold');
    const leg2 = detailOf(await h.b.desk.command('7802', { type: 'call.answer', callId })).agentLegId as string;
    expect(h.a.sim.callState(callId).bridgedWith).toBe(leg2);
    expect(await h.acd.status('7802')).toMatchObject({ state: 'on-call', callId });
    expect(await h.store.call(callId)).toMatchObject({ agentId: '7802', agentLegId: leg2 });
    await caller.hangup();
    await second.waitFor('wrapup.due', (n) => n.callId === callId);
    const cdr = (await h.cdrLines(callId))[0]! as { agentId: string; facts: { type: string; detail: Record<string, string> }[] };
    expect(cdr.agentId).toBe('7802');
    expect(cdr.facts.find((f) => f.type === 'transfer.blind.done')?.detail).toMatchObject({ agentId: '7801', to: 'agent:7802' });
    expect(h.figures.of('answered', callId)).toHaveLength(1);
    notices.unsubscribe();
    second.unsubscribe();
  });

  it('a blind transfer to an agent who declines puts the call back at the head of its queue, arrival time kept; the agent is set not ready', async () => {
    h = await desks.start({ wrapUpSec: 30 });
    const { caller } = await connect('7851', '13811110005');
    const callId = caller.callId;
    const first = await h.store.call(callId);
    const later = h.a.sim.placeCall({ caller: '13811110006' });
    await waiting(later.callId);
    // Skilled for another queue only: never offered the general queue's calls by a dispatch.
    const second = new NoticeLog(h.b.desk, '7852');
    await h.b.desk.login(agent('7852', { enterprise: 1 }));
    expect(await h.b.desk.command('7851', { type: 'transfer.blind', callId, to: { kind: 'agent', agentId: '7852' } })).toMatchObject({ ok: true });
    await second.waitFor('offer', (n) => n.callId === callId);
    expect(await h.b.desk.command('7852', { type: 'call.decline', callId })).toEqual({ ok: true });
    await second.waitFor('agent.state', (n) => n.status.state === 'not-ready');
    expect(await h.acd.status('7852')).toMatchObject({ state: 'not-ready', reason: 'missed-offer' });
    expect((await h.acd.waiting('general')).map((c) => [c.callId, c.enqueuedAtMs])).toEqual([
      [callId, first?.enqueuedAtMs],
      [later.callId, expect.any(Number)],
    ]);
    expect(caller.state).toBe('answered');
    expect(caller.hearing?.kind).toBe('hold');
    // The next agent free takes it first.
    const third = new NoticeLog(h.b.desk, '7853');
    await h.b.desk.login(agent('7853'));
    await third.waitFor('offer', (n) => n.callId === callId);
    second.unsubscribe();
    third.unsubscribe();
  });

  it('a blind transfer to a named agent who is busy or away is refused in Chinese and the caller stays with the agent', async () => {
    h = await desks.start();
    const { caller, leg } = await connect('7401', '13811116666');
    const callId = caller.callId;
    await h.b.desk.login(agent('7402'));
    await h.b.desk.command('7402', { type: 'state.set', state: 'not-ready', reason: 'break' });
    const r = await h.b.desk.command('7401', { type: 'transfer.blind', callId, to: { kind: 'agent', agentId: '7402' } });
    expect(r).toMatchObject({ ok: false, code: 'AGENT_NOT_AVAILABLE' });
    expect(!r.ok && r.message).toMatch(/无法转接/);
    expect(await h.b.desk.command('7401', { type: 'transfer.blind', callId, to: { kind: 'agent', agentId: 'nobody' } })).toMatchObject({ ok: false, code: 'AGENT_NOT_AVAILABLE' });
    expect(h.a.sim.callState(callId).bridgedWith).toBe(leg);
    expect((await h.acd.status('7401')).state).toBe('on-call');
  });

  it('a consult with another available agent rings their phone from their profile, then completes to them', async () => {
    h = await desks.start();
    const { notices, caller, leg } = await connect('7501', '13811117777');
    const callId = caller.callId;
    // Not available: refused, nothing rings.
    expect(await h.b.desk.command('7501', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '7502' } })).toMatchObject({ ok: false, code: 'NO_AGENT' });
    await h.b.desk.login(agent('7502'));
    const r = await h.b.desk.command('7501', { type: 'transfer.consult', callId, to: { kind: 'agent', agentId: '7502' } });
    expect(r).toMatchObject({ ok: true, detail: { to: 'agent:7502', name: '座席7502' } });
    const consultLeg = detailOf(r).leg as string;
    expect(h.a.sim.callState(consultLeg).info.dialled).toContain('7502');
    expect(await h.b.desk.command('7501', { type: 'transfer.complete', callId })).toMatchObject({ ok: true });
    await notices.waitFor('wrapup.due');
    expect(h.a.sim.callState(callId).bridgedWith).toBe(consultLeg);
    expect(h.a.sim.callState(leg).state).toBe('ended');
    expect(caller.state).toBe('answered');
    notices.unsubscribe();
  });

  it('an emergency handoff conferences 110 in and records the intake marked for that line', async () => {
    h = await desks.start();
    const { notices, caller } = await connect('7201', '13811114444');
    const r = await h.b.desk.command('7201', { type: 'emergency.handoff', callId: caller.callId, line: '110', summary: '诉求人称楼下有人持刀伤人', location: '和平路88号' });
    expect(r.ok).toBe(true);
    await notices.waitFor('call.state', (n) => n.state === 'conference');
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const poll = () => {
        const hit = h!.intakes().find((l) => (l.intake.links as { callId?: string } | undefined)?.callId === caller.callId);
        if (hit) {
          expect(hit.intake).toMatchObject({ emergencyLine: 'EMERGENCY_LINE_110' });
          return resolve();
        }
        if (Date.now() - t0 > 8000) return reject(new Error('no emergency intake in the core'));
        setTimeout(poll, 25);
      };
      poll();
    });
    notices.unsubscribe();
  });
});
