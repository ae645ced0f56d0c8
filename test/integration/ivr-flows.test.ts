import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntake } from '../../src/core/intake/draft.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startIvr, type IvrHarness } from '../helpers/ivr-harness.js';
import type { VirtualCaller } from '../../src/adapters/simulated/simulated-switch.js';

let redis: TestRedis;
let h: IvrHarness;
let n = 0;
/** A fresh mobile number per call, so limits and callbacks of one test never touch another. */
const number = () => `1380013${String(1000 + ++n).padStart(4, '0')}`;

/** The caller's position in this queue, or undefined when they wait elsewhere or not at all. */
async function pos(queue: string, callId: string): Promise<number | undefined> {
  const p = await h.acd.position(callId);
  return p?.queue === queue ? p.position : undefined;
}

beforeAll(async () => {
  redis = await startRedis();
  h = await startIvr(redis);
});
afterAll(async () => {
  await h?.stop();
  await redis?.stop();
});

async function ended(c: VirtualCaller) {
  await c.hangup();
  const [cdr, ...more] = await h.cdrLines(c.callId);
  expect(more).toEqual([]); // exactly one record per call
  return cdr as Record<string, unknown>;
}

const factTypes = async (callId: string) => (await h.calls.facts(callId)).map((f) => f.type);

describe('default flow', () => {
  it('answers, welcomes with the emergency notice, holds a place in the general queue, records the call', async () => {
    const caller = number();
    const c = h.sim.placeCall({ caller });
    await c.waitForMedia('welcome');
    expect(await pos('general', c.callId)).toBeGreaterThanOrEqual(1);
    await c.waitForMedia('holdMusic');
    expect(c.heard).toEqual(['welcome', 'holdMusic']);
    expect(c.state).toBe('answered');
    const facts = await h.calls.facts(c.callId);
    expect(facts.find((f) => f.type === 'queue.entered')?.detail).toMatchObject({ queue: 'general', priority: 'normal' });

    const cdr = await ended(c);
    expect(cdr).toMatchObject({ callId: c.callId, disposition: 'DISPOSITION_ABANDONED', queue: 'general', priority: 'normal' });
    expect(await pos('general', c.callId)).toBeUndefined();
    // The recording: a real WAV file whose sha256 is the one kept in Redis and sent in the CDR.
    const rec = (await h.calls.recording(c.callId))!;
    const file = readFileSync(rec.path);
    expect(file.toString('ascii', 0, 4)).toBe('RIFF');
    expect(rec.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    expect(rec).toMatchObject({ callId: c.callId, caller, entry: { kind: 'citizen' }, bytes: file.length });
    expect(cdr).toMatchObject({ caller, citizenKey: `tel:+86${caller}`, dialled: '12345', hangupCause: 'NORMAL_CLEARING' });
    // The file lasts as long as the call was answered (8 kHz, 16-bit mono after a 44-byte header).
    expect(Math.abs((file.length - 44) / 16000 - rec.durationSec!)).toBeLessThan(0.1);
    expect(rec.durationSec).toBeGreaterThan(0.1);
    expect(Date.parse(rec.endTime!)).toBeGreaterThan(Date.parse(rec.startTime));
    expect((cdr.recording as Record<string, unknown>).sha256).toBe(rec.sha256);
  });
});

describe('keys during the welcome or while waiting', () => {
  it('enterprise special seat (1) during the welcome moves the caller to the enterprise queue', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await c.press('1');
    await c.waitForMedia('holdMusic');
    expect(c.heard).toEqual(['welcome', 'enterpriseQueue', 'holdMusic']);
    expect(await pos('enterprise', c.callId)).toBe(1);
    expect(await pos('general', c.callId)).toBeUndefined();
    expect((await ended(c)).queue).toBe('enterprise');
  });

  it('counselling line (3) while waiting', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('holdMusic');
    await c.press('3');
    await c.waitForMedia('holdMusic', { nth: 2 });
    expect(c.heard).toEqual(['welcome', 'holdMusic', 'counsellingQueue', 'holdMusic']);
    expect(await h.waiting('counselling')).toContain(c.callId);
    await ended(c);
  });

  it('work-order progress (2): asks the dev core over gRPC, speaks the status, back to the same place', async () => {
    // A work order the dev core really stored.
    const intake = buildIntake({ channel: 'CHANNEL_WEB', citizen: {}, content: { text: '路灯坏了' } }, `01TEST${Date.now()}`, new Date());
    const { acks } = await h.intakeSink.submitBatch([intake]);
    const workOrderId = acks[0]!.workOrderId!;
    expect(workOrderId).toMatch(/^WO\d{15}$/);

    const ahead = h.sim.placeCall({ caller: number() });
    await ahead.waitForMedia('welcome');
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('holdMusic');
    const before = await pos('general', c.callId);
    await c.press('2');
    await c.waitForMedia('progressAsk');
    await c.press(workOrderId.slice(2));
    await c.waitForMedia('statusAccepted');
    await c.waitForMedia('holdMusic', { nth: 2 });
    expect(c.heard).toEqual(['welcome', 'holdMusic', 'progressAsk', 'statusAccepted', 'holdMusic']);
    expect(await pos('general', c.callId)).toBe(before); // the caller kept their place
    const facts = await h.calls.facts(c.callId);
    expect(facts.find((f) => f.type === 'progress.queried')?.detail).toEqual({ outcome: 'found', status: 'ACCEPTED' });
    await ended(c);
    await ended(ahead);
  });

  it('progress for a number the core does not know says so and returns to the queue', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await c.press('2');
    await c.waitForMedia('progressAsk');
    await c.press('999999#');
    await c.waitForMedia('holdMusic');
    expect(c.heard).toEqual(['welcome', 'progressAsk', 'progressNotFound', 'holdMusic']);
    expect(await pos('general', c.callId)).toBe(1 + (await h.waiting('general')).indexOf(c.callId));
    await ended(c);
  });

  it('progress with no input (timeout) falls back to the general queue', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('holdMusic');
    await c.press('2');
    await c.waitForMedia('progressInvalid');
    await c.waitForMedia('holdMusic', { nth: 2 });
    expect(await h.waiting('general')).toContain(c.callId);
    expect(await factTypes(c.callId)).toContain('progress.queried');
    await ended(c);
  });

  it('an invalid key never dead-ends: a notice, then hold music in the general queue', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await c.press('7');
    await c.waitForMedia('holdMusic');
    expect(c.heard).toEqual(['welcome', 'invalidKey', 'holdMusic']);
    expect(c.state).toBe('answered');
    expect(await h.waiting('general')).toContain(c.callId);
    await ended(c);
  });

  it('callback request (4): one pending callback per number, keeping the place, and the caller may keep waiting', async () => {
    const caller = number();
    const a = h.sim.placeCall({ caller });
    await a.waitForMedia('holdMusic');
    await a.press('4');
    await a.waitForMedia('callbackRegistered');
    await a.waitForMedia('holdMusic', { nth: 2 });
    expect(await h.waiting('general')).toContain(a.callId);
    expect(await ended(a)).toMatchObject({ callbackRequested: true });

    const b = h.sim.placeCall({ caller });
    await b.waitForMedia('welcome');
    await b.press('4');
    await b.waitForMedia('callbackExisting');
    await ended(b);
    const pending = await h.callbackStore.pendingFor(`tel:+86${caller}`);
    // Asked while waiting in the general queue: keep my place (its first arrival), and the repeat merged into it.
    expect(pending).toMatchObject({ number: `+86${caller}`, kind: 'keep-place', queues: ['general'], place: { queue: 'general', priority: 'normal' } });
    expect(pending!.callIds).toEqual([a.callId, b.callId]);
    expect((await h.callbackStore.list({ number: `+86${caller}` })).items).toHaveLength(1);
  });
});

describe('calls dropped by a fault', () => {
  it('a caller the network cut off (MEDIA_TIMEOUT) gets a busy-time callback; one who hangs up at once does not', async () => {
    const cut = number();
    const c = h.sim.placeCall({ caller: cut });
    await c.waitForMedia('holdMusic');
    await h.sim.hangup(c.callId, 'MEDIA_TIMEOUT');
    await h.cdrLines(c.callId);
    const deadline = Date.now() + 5000;
    while (!(await h.callbackStore.pendingFor(`tel:+86${cut}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await h.callbackStore.pendingFor(`tel:+86${cut}`)).toMatchObject({ kind: 'busy-time', origins: ['fault'], queues: ['general'], callIds: [c.callId] });

    const own = number();
    const d = h.sim.placeCall({ caller: own });
    await d.waitForMedia('holdMusic');
    await d.hangup();
    await h.cdrLines(d.callId);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.callbackStore.pendingFor(`tel:+86${own}`)).toBeUndefined();
  });
});

describe('emergency key', () => {
  it('during the welcome: asks which line, transfers to 120 on the emergency trunk, leaves the queue', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await c.press('9');
    await c.waitForMedia('emergencySelect');
    await c.press('3');
    await c.waitUntil(() => !!c.transferredTo, 'transfer');
    expect(c.transferredTo).toEqual({ kind: 'gateway', gateway: 'emergency', number: '120' });
    expect(await h.waiting('general')).not.toContain(c.callId);
    const cdr = await ended(c);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_EMERGENCY_TRANSFERRED', emergencyLine: '120' });
    // The recording follows the transfer: it runs to the hang-up.
    expect(Date.parse((cdr.recording as { endTime: string }).endTime)).toBeGreaterThanOrEqual(Date.parse(cdr.endTime as string) - 1);
  });

  it('while waiting, with no choice made: the default line, 110', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('holdMusic');
    await c.press('9');
    await c.waitUntil(() => !!c.transferredTo, 'transfer');
    expect(c.transferredTo).toMatchObject({ number: '110' });
    expect((await ended(c)).emergencyLine).toBe('110');
  });

  it('a busy emergency trunk puts the caller at the head of the general queue', async () => {
    h.sim.endpoint('gateway:emergency/119', { answer: 'busy' });
    const ahead = h.sim.placeCall({ caller: number() });
    await ahead.waitForMedia('welcome');
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await c.press('9');
    await c.waitForMedia('emergencySelect');
    await c.press('2');
    await c.waitForMedia('emergencyFailed');
    await c.waitForMedia('holdMusic');
    expect(await pos('general', c.callId)).toBe(1);
    expect(c.transferredTo).toBeUndefined();
    await ended(c);
    await ended(ahead);
  });
});

describe('restricted callers (art. 34)', () => {
  it('hear the notice and are released, with no queue place', async () => {
    const caller = number();
    await h.limits.restrict(`tel:+86${caller}`, { reason: '无正当理由长时间占用话务资源', until: new Date(Date.now() + 3600_000), by: 'supervisor-1' });
    const c = h.sim.placeCall({ caller });
    const cause = await c.ended;
    expect(cause).toBe('CALL_REJECTED');
    expect(c.heard).toEqual(['restricted']);
    const [cdr, ...more] = await h.cdrLines(c.callId);
    expect(more).toEqual([]);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ENDED_IN_IVR', reason: 'restricted', hangupCause: 'CALL_REJECTED' });
    expect(await factTypes(c.callId)).not.toContain('queue.entered');
    expect((await h.calls.recording(c.callId))!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('can still press the emergency key during the notice', async () => {
    const caller = number();
    await h.limits.restrict(`tel:+86${caller}`, { reason: '骚扰', until: new Date(Date.now() + 3600_000), by: 'supervisor-1' });
    const c = h.sim.placeCall({ caller });
    await c.waitForMedia('restricted');
    await c.press('1'); // not the emergency key: nothing happens
    await c.press('9');
    await c.waitForMedia('emergencySelect');
    await c.press('1');
    await c.waitUntil(() => !!c.transferredTo, 'transfer');
    expect(c.transferredTo).toMatchObject({ gateway: 'emergency', number: '110' });
    expect(c.heard).toEqual(['restricted', 'emergencySelect']);
    expect((await ended(c)).disposition).toBe('DISPOSITION_EMERGENCY_TRANSFERRED');
  });
});

describe('calls the SIP front captured at overload (busy-time callback, art. 13)', () => {
  const capture = { kind: 'citizen', admission: 'callback-capture' } as const;

  it('hear the capture prompt, are released, and leave a pending busy-time callback with origin overload', async () => {
    const caller = number();
    const c = h.sim.placeCall({ caller, entry: capture });
    const cause = await c.ended;
    expect(cause).toBe('NORMAL_CLEARING');
    expect(c.heard).toEqual(['overloadCallback']);
    const [cdr, ...more] = await h.cdrLines(c.callId);
    expect(more).toEqual([]);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ENDED_IN_IVR', reason: 'overload', callbackRequested: true });
    expect(cdr).not.toHaveProperty('queue');
    const facts = await h.calls.facts(c.callId);
    expect(facts.map((f) => f.type)).not.toContain('queue.entered');
    expect(facts.find((f) => f.type === 'callback.captured')?.detail).toEqual({ outcome: 'created' });
    expect(facts.map((f) => f.type)).toContain('capture.released');
    const pending = await h.callbackStore.pendingFor(`tel:+86${caller}`);
    expect(pending).toMatchObject({ number: `+86${caller}`, kind: 'busy-time', origins: ['overload'], queues: ['general'], callIds: [c.callId], status: 'pending' });
    expect(pending).not.toHaveProperty('place');
    // Recorded like every call (art. 17).
    expect((await h.calls.recording(c.callId))!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a withheld number hears that the line is busy and gets no callback', async () => {
    const c = h.sim.placeCall({ caller: 'anonymous', entry: capture });
    expect(await c.ended).toBe('NORMAL_CLEARING');
    expect(c.heard).toEqual(['overloadBusy']);
    const [cdr] = await h.cdrLines(c.callId);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ENDED_IN_IVR', reason: 'overload' });
    expect(cdr!.callbackRequested ?? false).toBe(false); // proto3 JSON leaves a false bool out
    expect((await h.calls.facts(c.callId)).find((f) => f.type === 'callback.captured')?.detail).toEqual({ outcome: 'refused' });
    expect(await h.callbackStore.pendingFor(`anon:call:${c.callId}`)).toBeUndefined();
  });

  it('the emergency key still transfers during the capture prompt', async () => {
    const c = h.sim.placeCall({ caller: number(), entry: capture });
    await c.waitForMedia('overloadCallback');
    await c.press('9');
    await c.waitForMedia('emergencySelect');
    await c.press('4');
    await c.waitUntil(() => !!c.transferredTo, 'transfer');
    expect(c.transferredTo).toMatchObject({ gateway: 'emergency', number: '122' });
    expect((await ended(c)).disposition).toBe('DISPOSITION_EMERGENCY_TRANSFERRED');
  });

  it('an emergency transfer marked for capture is never captured: it is queued ahead as usual', async () => {
    const caller = number();
    const c = h.sim.placeCall({ caller, entry: { kind: 'emergency-transfer', fromLine: '110', admission: 'callback-capture' } });
    await c.waitForMedia('welcomeFromEmergency');
    expect((await h.waiting('general'))[0]).toBe(c.callId);
    const cdr = await ended(c);
    expect(cdr).toMatchObject({ priority: 'emergency-transfer', emergencyLine: '110' });
    expect(c.heard).not.toContain('overloadCallback');
    expect(await h.callbackStore.pendingFor(`tel:+86${caller}`)).toBeUndefined();
  });
});

describe('calls from 110/119/120/122', () => {
  it('arrive with their context, are marked, and jump the queue', async () => {
    const waiting = [h.sim.placeCall({ caller: number() }), h.sim.placeCall({ caller: number() })];
    for (const w of waiting) await w.waitForMedia('welcome');
    // Even a restricted number is never blocked when 110 transfers it.
    const caller = number();
    await h.limits.restrict(`tel:+86${caller}`, { reason: 'x', until: new Date(Date.now() + 3600_000), by: 's' });
    const c = h.sim.placeCall({ caller, entry: { kind: 'emergency-transfer', fromLine: '110', context: { incidentId: 'JJ-2026-0042' } } });
    await c.waitForMedia('welcomeFromEmergency');
    const queue = await h.waiting('general');
    expect(queue[0]).toBe(c.callId);
    expect(queue.indexOf(waiting[0]!.callId)).toBeGreaterThan(0);
    const cdr = await ended(c);
    expect(cdr).toMatchObject({
      priority: 'emergency-transfer',
      emergencyLine: '110',
      entry: { kind: 'emergency-transfer', fromLine: '110', context: { incidentId: 'JJ-2026-0042' } },
    });
    for (const w of waiting) await ended(w);
  });
});

describe('call-detail records', () => {
  it('an answered call names its agent in the CDR and the recording metadata', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('holdMusic');
    // The ACD's part (issue 5), played here by the test: ring an agent and bridge.
    const leg = await h.sim.originate({ endpoint: { kind: 'user', user: '1001' }, callerIdNumber: '12345', timeoutSec: 5 });
    expect(leg.outcome).toBe('answered');
    await h.sim.bridge(c.callId, leg.callId!);
    await c.waitUntil(() => c.hearing === undefined, 'hold music to stop');
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.waiting('general')).not.toContain(c.callId);
    const cdr = await ended(c);
    expect(cdr).toMatchObject({ disposition: 'DISPOSITION_ANSWERED', agentId: '1001' });
    expect(cdr.connectedTime).toBeDefined();
    expect((await h.calls.recording(c.callId))!.agentId).toBe('1001');
  });

  it('a busy or unanswered agent leaves the caller waiting', async () => {
    h.sim.endpoint('user:2001', { answer: 'busy' });
    h.sim.endpoint('user:2002', { answer: 'no-answer' });
    expect(await h.sim.originate({ endpoint: { kind: 'user', user: '2001' }, callerIdNumber: '12345', timeoutSec: 5 })).toMatchObject({ outcome: 'busy' });
    expect(await h.sim.originate({ endpoint: { kind: 'user', user: '2002' }, callerIdNumber: '12345', timeoutSec: 5 })).toMatchObject({ outcome: 'no-answer' });
  });

  it('are idempotent by call id: a second enqueue of the same record stores nothing new', async () => {
    const c = h.sim.placeCall({ caller: number() });
    await c.waitForMedia('welcome');
    await ended(c);
    const again = await h.callRecords.enqueue({
      callId: c.callId,
      switchId: 'sim-test',
      direction: 'inbound',
      caller: 'x',
      citizenKey: 'tel:x',
      dialled: '12345',
      entry: { kind: 'citizen' },
      disposition: 'abandoned',
      priority: 'normal',
      arrivedTime: new Date().toISOString(),
      endTime: new Date().toISOString(),
      durationSec: 1,
      hangupCause: 'NORMAL_CLEARING',
      callbackRequested: false,
      facts: [],
    });
    expect(again.duplicate).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.cdrLines(c.callId)).toHaveLength(1);
    expect(await h.callRecords.status(c.callId)).toBe('delivered');
  });

  it('every call of the suite has exactly one record in the dev core calls file', async () => {
    await h.runner.drain();
    const lines = readFileSync(h.callsFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { record: { callId: string } }).record.callId);
    expect(new Set(lines).size).toBe(lines.length);
    const done = h.sim.allCalls().filter((c) => c.direction === 'inbound' && h.sim.callState(c.callId).state === 'ended');
    expect(done.length).toBeGreaterThan(15);
    for (const c of done) expect(lines.filter((id) => id === c.callId)).toHaveLength(1);
  });
});
