import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, deskSuite, detailOf, NoticeLog, type DeskHarness } from '../../helpers/desk-harness.js';


// The agent desk end to end on the simulated switch, a real redis-server and the real dev core
// over gRPC: two gateway instances (A owns the calls, agents may sit on either).
describe('agent desk', () => {
  const desks = deskSuite();
  let h: DeskHarness | undefined;

  const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 8000) => {
    const end = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('offers a call with the screen pop, answers, holds, unholds, hangs up; the wrap-up form becomes the call\'s intake in the core', async () => {
    h = await desks.start();
    const desk = h.a.desk;
    const notices = new NoticeLog(desk, '1001');
    expect((await desk.login(agent('1001'))).agentId).toBe('1001');
    expect(await desk.command('1001', { type: 'state.set', state: 'available' })).toEqual({ ok: true, detail: { state: 'available' } });

    const caller = h.a.sim.placeCall({ caller: '13812345678' });
    const offer = await notices.waitFor('offer');
    expect(offer).toMatchObject({ callId: caller.callId, queue: 'general', caller: '13812345678', entry: 'citizen' });
    expect(offer.screenPop).toEqual({ caller: '+8613812345678', recentIntakes: [], openWorkOrders: [] });
    expect(offer.expiresAtMs).toBeGreaterThan(Date.now());
    expect(notices.states()).toContain('reserved');
    expect(caller.hearing?.kind).not.toBeUndefined(); // still in the IVR's welcome or music

    const answered = await desk.command('1001', { type: 'call.answer', callId: caller.callId });
    expect(answered.ok).toBe(true);
    await notices.waitFor('call.state', (n) => n.state === 'connected');
    const leg = detailOf(answered).agentLegId as string;
    expect(h.a.sim.callState(caller.callId).bridgedWith).toBe(leg);
    expect(h.a.sim.callState(leg).info.dialled).toBe('user:1001');
    await caller.waitUntil(() => caller.hearing === undefined, 'queue music stopped');
    expect((await h.acd.status('1001')).state).toBe('on-call');

    expect(await desk.command('1001', { type: 'call.hold', callId: caller.callId })).toEqual({ ok: true });
    expect(caller.hearing).toEqual({ kind: 'hold', media: 'hold-music' });
    await notices.waitFor('call.state', (n) => n.state === 'held');
    expect((await desk.command('1001', { type: 'call.hold', callId: caller.callId })).ok).toBe(false);
    expect(await desk.command('1001', { type: 'call.unhold', callId: caller.callId })).toEqual({ ok: true });
    expect(caller.hearing).toBeUndefined();
    expect(h.a.sim.callState(caller.callId).bridgedWith).toBe(leg);

    // Another agent may not hang up someone else's call.
    expect(await desk.command('9999', { type: 'call.hangup', callId: caller.callId })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await desk.command('1001', { type: 'call.hangup', callId: caller.callId })).toEqual({ ok: true });
    await caller.ended;
    const due = await notices.waitFor('wrapup.due');
    expect(due.callId).toBe(caller.callId);
    await notices.waitFor('call.state', (n) => n.state === 'ended');
    expect(h.a.sim.callState(leg).state).toBe('ended'); // no zombie agent leg
    expect((await h.acd.status('1001')).state).toBe('wrap-up');

    // Wrap-up ends by itself after the configured second; the agent is available again.
    await notices.waitFor('agent.state', (n) => n.status.state === 'available', 5000, notices.notices.indexOf(due));

    const form = { type: 'COMPLAINT' as const, content: '小区东门的路灯坏了一周，晚上很黑', place: '和平路88号', incidentTime: '上周一晚上', name: '张先生', confidential: true };
    const submitted = await desk.command('1001', { type: 'wrapup.submit', callId: caller.callId, form });
    expect(submitted).toMatchObject({ ok: true, detail: { duplicate: false } });
    const intakeId = detailOf(submitted).intakeId as string;
    const again = await desk.command('1001', { type: 'wrapup.submit', callId: caller.callId, form });
    expect(again).toMatchObject({ ok: true, detail: { intakeId, duplicate: true } });

    await until('the intake in the dev core', () => h!.devCore.intakes.get(`phone:${caller.callId}`) !== undefined);
    const lines = h.intakes().filter((l) => (l.intake.links as { callId?: string } | undefined)?.callId === caller.callId);
    expect(lines).toHaveLength(1);
    const intake = lines[0]!.intake as { decisions: { rule: string }[] };
    expect(intake).toMatchObject({
      channel: 'CHANNEL_PHONE',
      idempotencyKey: `phone:${caller.callId}`,
      citizen: { phone: '+8613812345678', name: '张先生', confidentialityRequested: true },
      content: { text: form.content },
      incident: { timeText: '上周一晚上', location: { text: '和平路88号' } },
      links: { callId: caller.callId, recordingId: caller.callId, agentId: '1001' },
      classification: { type: 'INTAKE_TYPE_COMPLAINT' },
    });
    // The same rules as every channel ran on it.
    expect(intake.decisions.map((d) => d.rule)).toEqual(expect.arrayContaining(['type.declared', 'scope.in-scope', 'elements.required']));

    const cdr = (await h.cdrLines(caller.callId))[0]!;
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ANSWERED', agentId: '1001', queue: 'general' });

    await until('handled figure', () => h!.figures.of('handled', caller.callId).length === 1);
    expect(h.figures.of('offered', caller.callId)).toHaveLength(1);
    expect(h.figures.of('answered', caller.callId)).toHaveLength(1);
    const handled = h.figures.of('handled', caller.callId)[0]!;
    expect(handled.agentId).toBe('1001');
    expect(handled.wrapMs).toBeGreaterThanOrEqual(900);
    expect(h.figures.of('agent-time').some((e) => e.agentId === '1001' && e.busyMs > 0)).toBe(true);

    // The next call from the same number pops the intake just made.
    const second = h.a.sim.placeCall({ caller: '13812345678' });
    const offer2 = await notices.waitFor('offer', (n) => n.callId === second.callId);
    expect(offer2.screenPop.unavailable).toBeUndefined();
    expect(offer2.screenPop.recentIntakes).toEqual([expect.objectContaining({ intakeId, channel: 'CHANNEL_PHONE', summary: form.content })]);
    expect(offer2.screenPop.openWorkOrders).toEqual([expect.objectContaining({ workOrderId: lines[0]!.workOrderId, status: 'ACCEPTED' })]);
    notices.unsubscribe();
  });

  it('names the bad field of a wrap-up form in Chinese and stores nothing', async () => {
    h = await desks.start();
    const desk = h.a.desk;
    const notices = new NoticeLog(desk, '1002');
    await desk.login(agent('1002'));
    await desk.command('1002', { type: 'state.set', state: 'available' });
    const caller = h.a.sim.placeCall({ caller: '13900001111' });
    await notices.waitFor('offer');
    expect((await desk.command('1002', { type: 'call.answer', callId: caller.callId })).ok).toBe(true);
    await caller.hangup();
    await notices.waitFor('wrapup.due');

    const bad = (form: unknown) => desk.command('1002', { type: 'wrapup.submit', callId: caller.callId, form: form as never });
    expect(await bad({ type: 'COMPLAINT', content: '   ', confidential: false })).toEqual({ ok: false, code: 'INVALID_FIELD', message: '诉求内容不能为空' });
    expect(await bad({ type: 'GOSSIP', content: '路灯坏了', confidential: false })).toEqual({ ok: false, code: 'INVALID_FIELD', message: '诉求类型取值不在可选范围内' });
    expect(await bad({ type: 'HELP', content: '路灯坏了' })).toEqual({ ok: false, code: 'INVALID_FIELD', message: '是否要求保密必须填写' });
    expect(await bad({ type: 'HELP', content: '路灯坏了', confidential: false, phone: '1' })).toMatchObject({ ok: false, code: 'INVALID_FIELD' });
    expect(await bad(null)).toMatchObject({ ok: false, code: 'INVALID_FIELD' });
    // Only the agent who took the call submits its form; an unknown call is named as such.
    expect(await desk.command('7777', { type: 'wrapup.submit', callId: caller.callId, form: { type: 'HELP', content: '路灯', confidential: false } })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(await desk.command('1002', { type: 'wrapup.submit', callId: 'no-such-call', form: { type: 'HELP', content: '路灯', confidential: false } })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.intakes()).toHaveLength(0);
    notices.unsubscribe();
  });

  it('an offer that times out moves on to the next agent; the first is set not ready', async () => {
    h = await desks.start({ offerTimeoutMs: 600 });
    const desk = h.a.desk;
    const first = new NoticeLog(desk, '2001');
    const second = new NoticeLog(desk, '2002');
    await desk.login(agent('2001'));
    await desk.command('2001', { type: 'state.set', state: 'available' });
    await new Promise((r) => setTimeout(r, 5)); // 2001 has been idle longer: offered first
    await desk.login(agent('2002'));
    await desk.command('2002', { type: 'state.set', state: 'available' });

    const caller = h.a.sim.placeCall({ caller: '13700002222' });
    const offer = await first.waitFor('offer');
    expect(offer.callId).toBe(caller.callId);
    expect(second.notices.some((n) => n.type === 'offer')).toBe(false);

    expect(await first.waitFor('offer.withdrawn')).toEqual({ type: 'offer.withdrawn', callId: caller.callId, reason: 'lapsed' });
    expect(await first.waitFor('agent.state', (n) => n.status.state === 'not-ready' && n.status.reason === 'missed-offer')).toBeTruthy();
    const offer2 = await second.waitFor('offer');
    expect(offer2.callId).toBe(caller.callId);
    // Too late for the first agent.
    expect(await desk.command('2001', { type: 'call.answer', callId: caller.callId })).toMatchObject({ ok: false, code: 'CONFLICT' });
    expect((await desk.command('2002', { type: 'call.answer', callId: caller.callId })).ok).toBe(true);
    await second.waitFor('call.state', (n) => n.state === 'connected');
    first.unsubscribe();
    second.unsubscribe();
  });

  it('a declined offer goes back to the head of its queue and on to the next agent', async () => {
    h = await desks.start();
    const desk = h.a.desk;
    const first = new NoticeLog(desk, '2101');
    const second = new NoticeLog(desk, '2102');
    await desk.login(agent('2101'));
    await desk.command('2101', { type: 'state.set', state: 'available' });
    const early = h.a.sim.placeCall({ caller: '13700003333' });
    await first.waitFor('offer', (n) => n.callId === early.callId);
    const later = h.a.sim.placeCall({ caller: '13700004444' });
    await until('the later call queued', async () => (await h!.acd.waiting('general')).some((c) => c.callId === later.callId));
    expect(await desk.command('2101', { type: 'call.decline', callId: early.callId })).toEqual({ ok: true });
    expect((await h.acd.status('2101')).state).toBe('not-ready');
    expect(await desk.command('2101', { type: 'call.answer', callId: early.callId })).toMatchObject({ ok: false, code: 'CONFLICT' });
    // A newly logged-in agent is available at once.
    await desk.login(agent('2102'));
    // The declined call waited longer: it is offered before the later one.
    const offer = await second.waitFor('offer');
    expect(offer.callId).toBe(early.callId);
    first.unsubscribe();
    second.unsubscribe();
  });

  it('a caller who hangs up during the offer releases the agent at once, who is told', async () => {
    h = await desks.start({ offerTimeoutMs: 20_000 });
    const desk = h.a.desk;
    const notices = new NoticeLog(desk, '3001');
    await desk.login(agent('3001'));
    await desk.command('3001', { type: 'state.set', state: 'available' });
    const caller = h.a.sim.placeCall({ caller: '13600005555' });
    await notices.waitFor('offer');
    const t0 = Date.now();
    await caller.hangup();
    expect(await notices.waitFor('offer.withdrawn')).toEqual({ type: 'offer.withdrawn', callId: caller.callId, reason: 'caller-hung-up' });
    await notices.waitFor('agent.state', (n) => n.status.state === 'available', 3000, notices.notices.findIndex((n) => n.type === 'offer'));
    expect(Date.now() - t0).toBeLessThan(3000); // not after the 20 s offer timeout
    expect((await h.acd.status('3001')).state).toBe('available');
    expect(await desk.command('3001', { type: 'call.answer', callId: caller.callId })).toMatchObject({ ok: false });
    // Nothing rang the agent's phone; no leg was left behind.
    expect((await h.a.sim.liveCalls()).length).toBe(0);
    await until('abandoned figure', () => h!.figures.of('abandoned', caller.callId).length === 1);
    expect(notices.notices.filter((n) => n.type === 'offer.withdrawn')).toHaveLength(1); // told once
    // The agent takes the next call.
    const next = h.a.sim.placeCall({ caller: '13600006666' });
    expect((await notices.waitFor('offer', (n) => n.callId === next.callId)).callId).toBe(next.callId);
    notices.unsubscribe();
  });

  it('a caller who hangs up while the agent\'s phone rings leaves no agent leg and frees the agent', async () => {
    h = await desks.start();
    const desk = h.a.desk;
    h.a.sim.endpoint('user:3101', { answer: 'answer', answerAfterMs: 400 });
    const notices = new NoticeLog(desk, '3101');
    await desk.login(agent('3101'));
    await desk.command('3101', { type: 'state.set', state: 'available' });
    const caller = h.a.sim.placeCall({ caller: '13600007777' });
    await notices.waitFor('offer');
    const answering = desk.command('3101', { type: 'call.answer', callId: caller.callId });
    await new Promise((r) => setTimeout(r, 100));
    await caller.hangup();
    expect(await answering).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    await until('agent leg hung up', async () => (await h!.a.sim.liveCalls()).length === 0);
    expect((await h.acd.status('3101')).state).toBe('available');
    notices.unsubscribe();
  });

  it('routes an agent\'s commands to the instance that owns the call and notices back to the agent\'s instance', async () => {
    h = await desks.start();
    // The agent is connected to instance B; the call arrives on instance A's switch.
    const notices = new NoticeLog(h.b.desk, '4001');
    await h.b.desk.login(agent('4001'));
    await h.b.desk.command('4001', { type: 'state.set', state: 'available' });
    const caller = h.a.sim.placeCall({ caller: '13512340000' });
    const offer = await notices.waitFor('offer');
    expect(offer.callId).toBe(caller.callId);

    const answered = await h.b.desk.command('4001', { type: 'call.answer', callId: caller.callId });
    expect(answered.ok).toBe(true);
    // Carried out on A: the agent's leg is on A's switch, bridged with the caller.
    const leg = detailOf(answered).agentLegId as string;
    expect(h.a.sim.callState(caller.callId).bridgedWith).toBe(leg);
    await notices.waitFor('call.state', (n) => n.state === 'connected');
    expect(await h.b.desk.command('4001', { type: 'call.hold', callId: caller.callId })).toEqual({ ok: true });
    expect(caller.hearing).toEqual({ kind: 'hold', media: 'hold-music' });
    expect(await h.b.desk.command('4001', { type: 'call.unhold', callId: caller.callId })).toEqual({ ok: true });
    expect(await h.b.desk.command('4001', { type: 'call.hangup', callId: caller.callId })).toEqual({ ok: true });
    await caller.ended;
    await notices.waitFor('wrapup.due');
    // The wrap-up form may be sent from B too.
    const submitted = await h.b.desk.command('4001', { type: 'wrapup.submit', callId: caller.callId, form: { type: 'CONSULT', content: '咨询居住证办理需要的材料', confidential: false } });
    expect(submitted.ok).toBe(true);
    expect(await h.b.desk.command('4001', { type: 'call.hold', callId: 'not-a-call' })).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    notices.unsubscribe();
  });

  it('a command for a call whose owner is gone answers UNAVAILABLE within the command timeout', async () => {
    h = await desks.start();
    await h.b.desk.login(agent('4101'));
    await h.store.saveCall('orphan-call', { owner: 'instance-that-died', caller: '13512340001', entry: { kind: 'citizen' }, state: 'connected', agentId: '4101' });
    const t0 = Date.now();
    expect(await h.b.desk.command('4101', { type: 'call.hold', callId: 'orphan-call' })).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('a call whose owner died is taken out of the queue when reserved, freeing the agent at once', async () => {
    h = await desks.start();
    await h.acd.enqueue({ callId: 'orphan-1', queue: 'counselling', priority: 'normal', enqueuedAtMs: Date.now(), owner: 'instance-that-died' });
    const notices = new NoticeLog(h.b.desk, '6001');
    await h.b.desk.login(agent('6001', { counselling: 1 }));
    await notices.waitFor('agent.state', (n) => n.status.state === 'reserved');
    await notices.waitFor('agent.state', (n) => n.status.state === 'available', 5000, notices.notices.findIndex((n) => n.type === 'agent.state' && n.status.state === 'reserved'));
    expect(await h.acd.position('orphan-1')).toBeUndefined();
    expect((await h.acd.status('6001')).state).toBe('available');
    notices.unsubscribe();
  });

  it("an agent whose call's owner died is told when another instance records the call's end, and goes to wrap-up", async () => {
    h = await desks.start();
    const notices = new NoticeLog(h.b.desk, '6201');
    await h.acd.login('6201', { counselling: 1 }, Date.now());
    await h.acd.enqueue({ callId: 'orphan-3', queue: 'counselling', priority: 'normal', enqueuedAtMs: Date.now(), owner: 'instance-that-died' });
    // Answered while its owner lived (the dead owner's dispatch and accept).
    expect(await h.acd.dispatch(['counselling'], Date.now())).toHaveLength(1);
    expect(await h.acd.accept('6201', 'orphan-3', Date.now())).toBe(true);
    // The instance that recorded the call's end (src/services/lapsed-call.ts) ended the agent's call and says so.
    await h.acd.endCall('6201', Date.now());
    h.b.desk.queueEvent({ type: 'left', callId: 'orphan-3', queue: 'counselling', endedAgent: '6201' });
    expect(await notices.waitFor('call.state', (n) => n.callId === 'orphan-3')).toMatchObject({ state: 'ended' });
    await notices.waitFor('agent.state', (n) => n.status.state === 'wrap-up' || n.status.state === 'available');
    notices.unsubscribe();
  });

  it('any instance sweeps an offer its owner left ringing (the owner died after the reservation)', async () => {
    h = await desks.start({ offerTimeoutMs: 600, tickMs: 300 });
    await h.acd.enqueue({ callId: 'orphan-2', queue: 'counselling', priority: 'normal', enqueuedAtMs: Date.now(), owner: 'instance-that-died' });
    const notices = new NoticeLog(h.b.desk, '6101');
    // Reserved as the dead owner's dispatch would have: nobody offers it or times it out.
    await h.acd.login('6101', { counselling: 1 }, Date.now());
    const [r] = await h.acd.dispatch(['counselling'], Date.now());
    expect(r).toMatchObject({ callId: 'orphan-2', agentId: '6101' });
    expect(await notices.waitFor('offer.withdrawn')).toEqual({ type: 'offer.withdrawn', callId: 'orphan-2', reason: 'lapsed' });
    // Released to available (not their fault); offered again, the call finds no owner and leaves the queue.
    await until('agent available, orphan gone', async () => (await h!.acd.status('6101')).state === 'available' && (await h!.acd.position('orphan-2')) === undefined);
    notices.unsubscribe();
  });

  it('any instance releases a consult hold whose owner died; a living owner keeps its hold', async () => {
    h = await desks.start({ tickMs: 200 });
    const t = Date.now();
    await h.acd.enqueue({ callId: 'dead-call', queue: 'general', priority: 'normal', enqueuedAtMs: t, owner: 'instance-that-died' });
    await h.acd.enqueue({ callId: 'live-call', queue: 'general', priority: 'normal', enqueuedAtMs: t, owner: h.a.id });
    await h.acd.login('6201', { general: 1 }, t);
    await h.acd.login('6202', { general: 1 }, t);
    // Held for consults, as the owners' call control would have held them.
    expect(await h.acd.reserve('6201', t, { kind: 'consult', callId: 'dead-call', owner: 'instance-that-died' })).toBeDefined();
    expect(await h.acd.reserve('6202', t, { kind: 'consult', callId: 'live-call', owner: h.a.id })).toBeDefined();
    await until('the hold of the dead owner released', async () => (await h!.acd.status('6201')).state === 'available', 5000);
    await h.b.desk.tick();
    expect(await h.acd.status('6202')).toMatchObject({ state: 'reserved', callId: 'live-call' });
  });

  describe('screen pop with the core down', () => {
    let silent: Server;
    let silentAddress: string;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Accepts TCP and never speaks HTTP/2: a core that hangs.
      silent = createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      silentAddress = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    });

    for (const [what, address] of [
      ['unreachable', () => '127.0.0.1:1'],
      ['hanging', () => silentAddress],
    ] as const) {
      it(`offers at once, marked unavailable, when the core is ${what}`, async () => {
        h = await desks.start({ queryAddress: address(), screenPopDeadlineMs: 300 });
        const notices = new NoticeLog(h.a.desk, '5001');
        await h.a.desk.login(agent('5001'));
        await h.a.desk.command('5001', { type: 'state.set', state: 'available' });
        h.a.sim.placeCall({ caller: '13312345678' });
        const reserved = await notices.waitFor('agent.state', (n) => n.status.state === 'reserved');
        const offer = await notices.waitFor('offer');
        expect(offer.screenPop).toEqual({ caller: '+8613312345678', recentIntakes: [], openWorkOrders: [], unavailable: true });
        // Not held up beyond the deadline (plus a little for the bus).
        expect(Date.now() - reserved.status.sinceMs).toBeLessThan(1500);
        notices.unsubscribe();
      });
    }
  });
});
