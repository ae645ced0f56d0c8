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
