// Drives the SIP front's INVITE handler with drachtio-srf-shaped requests (through our typed
// SipSignaling interface) and asserts what goes on the wire: B-leg URIs, headers, SIP statuses.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { SipFront } from '../../src/adapters/sip/sip-front.js';
import { InboundAdmission, InMemoryActiveCalls } from '../../src/core/sip/admission.js';
import type { Restriction } from '../../src/core/ports/abuse-limits.js';
import { FakeSignaling } from '../doubles/sip-signaling.js';
import { samplePolicy } from '../builders/sip-policy.js';
import { silentLogger } from '../helpers/logger.js';

const CITIZEN = '<sip:13812345678@carrier.example>;tag=a1';

function front(opts: { restricted?: string[]; capacity?: number } = {}) {
  const signaling = new FakeSignaling();
  const active = new InMemoryActiveCalls();
  const limits = {
    async get(k: string): Promise<Restriction | undefined> {
      return opts.restricted?.includes(k) ? { citizenKey: k, reason: '多次无故占线', until: new Date(Date.now() + 86400_000).toISOString(), setBy: 'sup1', setAt: new Date().toISOString() } : undefined;
    },
  };
  const capacity = opts.capacity ?? 10;
  const sip = new SipFront(signaling, {
    policy: samplePolicy(),
    freeswitchUri: 'sip:10.9.0.1:5090',
    admission: new InboundAdmission(limits, active, () => capacity),
    activeCalls: active,
    log: silentLogger(),
  });
  sip.start();
  return { signaling, active, sip };
}

describe('SIP front: inbound calls to FreeSWITCH', () => {
  it('a citizen’s call to 12345 goes to FreeSWITCH with the entry headers and its Call-ID', async () => {
    const { signaling, active } = front();
    const { req } = signaling.invite('sip:+8612345@10.0.0.100', '10.1.0.1:5060', { From: CITIZEN });
    const [a] = await signaling.attemptsMade(1);
    expect(a!.uri).toBe('sip:12345@10.9.0.1:5090');
    expect(a!.opts.headers).toEqual({ 'X-Hotline-Entry': 'citizen', 'X-Hotline-Admission': 'normal', 'X-Hotline-Dialog': req.get('Call-ID') });
    expect(a!.opts.callingNumber).toBeUndefined(); // FreeSWITCH sees the citizen's own number
    const { uas, uac } = a!.answer();
    expect(await active.count()).toBe(1);
    uas.hangUp(); // the citizen hangs up
    expect(uac.destroyed).toBe(true);
    await sleep(0);
    expect(await active.count()).toBe(0);
  });

  it('a 110 transfer says so, with the line, and P-Asserted-Identity names the caller', async () => {
    const { signaling } = front({ restricted: ['tel:+8613900000009'] });
    signaling.invite('sip:12345@10.0.0.100', '10.2.0.10:5060', { From: '<sip:110@police>;tag=x', 'P-Asserted-Identity': '<sip:13900000009@police>' });
    const [a] = await signaling.attemptsMade(1);
    expect(a!.opts.headers).toMatchObject({ 'X-Hotline-Entry': 'emergency-transfer', 'X-Hotline-From-Line': '110', 'X-Hotline-Admission': 'normal' });
  });

  it('a 110 transfer brings its context (incident, location) URL-encoded in X-Hotline-Context', async () => {
    const { signaling } = front();
    signaling.invite('sip:12345@gw', '10.2.0.10:5060', { From: '<sip:13900000009@police>', 'X-Incident-Id': 'JJ-2026-0042', 'X-Caller-Location': '驿城区 人民路&解放路' });
    const [a] = await signaling.attemptsMade(1);
    const ctx = new URLSearchParams(a!.opts.headers['X-Hotline-Context']);
    expect(Object.fromEntries(ctx)).toEqual({ incident: 'JJ-2026-0042', location: '驿城区 人民路&解放路' });
    expect(a!.opts.headers['X-Hotline-Context']).not.toMatch(/[^\x21-\x7e]/); // plain ASCII on the wire
  });

  it('a sub-centre transfer carries the line it came from', async () => {
    const { signaling } = front();
    signaling.invite('sip:12345@10.0.0.100', '10.3.0.1:5060', { From: CITIZEN });
    const [a] = await signaling.attemptsMade(1);
    expect(a!.opts.headers).toMatchObject({ 'X-Hotline-Entry': 'sub-centre', 'X-Hotline-From-Line': '12348' });
  });

  it('a restricted caller is handed on marked restricted — never rejected at SIP level', async () => {
    const { signaling, active } = front({ restricted: ['tel:+8613812345678'] });
    const { res } = signaling.invite('sip:12345@gw', '10.1.0.1:5060', { From: CITIZEN });
    const [a] = await signaling.attemptsMade(1);
    expect(a!.uri).toBe('sip:12345@10.9.0.1:5090');
    expect(a!.opts.headers['X-Hotline-Admission']).toBe('restricted');
    expect(res.sent).toEqual([]); // no 403/486 to the carrier
    a!.answer();
    expect(await active.count()).toBe(0);
  });

  it('an overloaded centre hands the next caller on for callback capture, not a busy tone', async () => {
    const { signaling } = front({ capacity: 1 });
    signaling.invite('sip:12345@gw', '10.1.0.1:5060', { From: '<sip:13800000001@c>' });
    (await signaling.attemptsMade(1))[0]!.answer();
    const { res } = signaling.invite('sip:12345@gw', '10.1.0.1:5060', { From: '<sip:13800000002@c>' });
    const [, second] = await signaling.attemptsMade(2);
    expect(second!.opts.headers['X-Hotline-Admission']).toBe('callback-capture');
    expect(res.sent.map((s) => s.status)).not.toContain(486);
    // ...while an emergency transfer at the same moment is admitted normally.
    signaling.invite('sip:12345@gw', '10.2.0.10:5060', { From: '<sip:13800000003@p>' });
    const third = (await signaling.attemptsMade(3))[2]!;
    expect(third.opts.headers['X-Hotline-Admission']).toBe('normal');
  });

  it('a call FreeSWITCH does not take frees its place and the failure reaches the carrier', async () => {
    const { signaling, active } = front();
    const { res } = signaling.invite('sip:12345@gw', '10.1.0.1:5060', { From: CITIZEN });
    const [a] = await signaling.attemptsMade(1);
    expect(await active.count()).toBe(1);
    a!.fail(503, 'Service Unavailable');
    await sleep(0);
    expect(await active.count()).toBe(0);
    expect(res.sent).toEqual([{ status: 503, reason: 'Service Unavailable' }]);
  });

  it('refuses strangers, unknown numbers and malformed ones with the status, without touching FreeSWITCH', async () => {
    const { signaling, sip } = front();
    const cases: Array<[string, string, number]> = [
      ['sip:12345@gw', '192.0.2.9:5060', 403],
      ['sip:10086@gw', '10.1.0.1:5060', 404],
      ['sip:12x45@gw', '10.1.0.1:5060', 484],
    ];
    for (const [uri, src, status] of cases) {
      const { res } = signaling.invite(uri, src, { From: CITIZEN });
      await sip.settle();
      expect(res.sent[0]?.status, uri).toBe(status);
    }
    expect(signaling.attempts).toHaveLength(0);
  });
});

describe('SIP front: outbound legs from FreeSWITCH', () => {
  it('an emergency transfer to 120 takes the emergency trunk, with priority and the fixed caller id', async () => {
    const { signaling } = front();
    signaling.invite('sip:120@sipfront', '10.9.0.1:5080', { From: '<sip:13812345678@fs>' });
    const [a] = await signaling.attemptsMade(1);
    expect(a!.uri).toBe('sip:120@10.2.0.10:5060');
    expect(a!.opts).toEqual({ headers: { Priority: 'emergency' }, callingNumber: '03961234500', callingName: '03961234500' });
  });

  it('a transfer to 12366 takes the tax sub-centre trunk and keeps the caller', async () => {
    const { signaling } = front();
    signaling.invite('sip:12366@sipfront', '10.9.0.1:5080', { From: '<sip:13812345678@fs>' });
    const [a] = await signaling.attemptsMade(1);
    expect(a!.uri).toBe('sip:12366@10.3.0.2:5060;transport=tcp');
    expect(a!.opts).toEqual({ headers: {} });
  });

  it('a three-way call to a handling unit’s fixed line and a callback both show 12345', async () => {
    const { signaling } = front();
    signaling.invite('sip:03962345678@sipfront', '10.9.0.1:5080', { From: '<sip:1001@fs>' });
    signaling.invite('sip:+8613812345678@sipfront', '10.9.0.1:5080', { From: '<sip:12345@fs>' });
    const [fixed, callback] = await signaling.attemptsMade(2);
    expect(fixed!.uri).toBe('sip:03962345678@10.1.0.1:5060');
    expect(fixed!.opts.callingNumber).toBe('12345');
    expect(callback!.uri).toBe('sip:13812345678@10.1.0.1:5060');
    expect(callback!.opts.callingNumber).toBe('12345');
  });

  it('refuses a loop back to 12345 and an international number', async () => {
    const { signaling, sip } = front();
    const loop = signaling.invite('sip:12345@sipfront', '10.9.0.1:5080', {});
    const intl = signaling.invite('sip:0014155550100@sipfront', '10.9.0.1:5080', {});
    await sip.settle();
    expect(loop.res.sent[0]).toEqual({ status: 482, reason: 'Loop Detected' });
    expect(intl.res.sent[0]?.status).toBe(403);
  });
});
