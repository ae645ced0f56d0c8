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
    // Not built yet: a blind transfer back into a queue or to a named agent is refused, the call untouched.
    expect(await h.b.desk.command('7101', { type: 'transfer.blind', callId: caller.callId, to: { kind: 'queue', queue: 'enterprise' } })).toMatchObject({ ok: false, code: 'UNSUPPORTED' });
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
