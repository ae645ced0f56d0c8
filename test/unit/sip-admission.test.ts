import { describe, expect, it } from 'vitest';
import { InboundAdmission, InMemoryActiveCalls } from '../../src/core/sip/admission.js';
import type { InboundCall } from '../../src/core/sip/policy.js';
import type { Restriction } from '../../src/core/ports/abuse-limits.js';

const citizen = (key = 'tel:+8613812345678'): InboundCall => ({ action: 'inbound', peer: 'carrier', entry: { kind: 'citizen' }, dialled: '12345', citizenKey: key });
const emergency = (key = 'tel:+8613812345678'): InboundCall => ({ action: 'inbound', peer: 'p', entry: { kind: 'emergency-transfer', fromLine: '110' }, dialled: '12345', citizenKey: key });

function restrictions(keys: string[], until = new Date(Date.now() + 3600_000)) {
  return {
    async get(k: string): Promise<Restriction | undefined> {
      return keys.includes(k) ? { citizenKey: k, reason: '骚扰坐席', until: until.toISOString(), setBy: 's1', setAt: new Date().toISOString() } : undefined;
    },
  };
}
const failing = { async get(): Promise<Restriction | undefined> { throw new Error('redis down'); } };

describe('admission before media', () => {
  it('admits a citizen normally and counts the call', async () => {
    const active = new InMemoryActiveCalls();
    const a = new InboundAdmission(restrictions([]), active, () => 2);
    expect(await a.decide(citizen(), 'c1')).toEqual({ admission: 'normal', counted: true });
    expect(await active.count()).toBe(1);
  });

  it('marks a restricted caller restricted (not rejected) and does not count them', async () => {
    const active = new InMemoryActiveCalls();
    const a = new InboundAdmission(restrictions(['tel:+8613812345678']), active, () => 2);
    expect(await a.decide(citizen(), 'c1')).toMatchObject({ admission: 'restricted', counted: false, restrictionReason: '骚扰坐席' });
    expect(await active.count()).toBe(0);
  });

  it('a restriction already past its end no longer applies', async () => {
    const a = new InboundAdmission(restrictions(['tel:+8613812345678'], new Date(Date.now() - 1000)), new InMemoryActiveCalls(), () => 2);
    expect((await a.decide(citizen(), 'c1')).admission).toBe('normal');
  });

  it('at capacity the next caller gets callback capture, and a freed place admits again', async () => {
    const active = new InMemoryActiveCalls();
    const a = new InboundAdmission(restrictions([]), active, () => 2);
    await a.decide(citizen('tel:+8613800000001'), 'c1');
    await a.decide(citizen('tel:+8613800000002'), 'c2');
    expect(await a.decide(citizen('tel:+8613800000003'), 'c3')).toEqual({ admission: 'callback-capture', counted: false });
    await active.release('c1');
    expect((await a.decide(citizen('tel:+8613800000003'), 'c4')).admission).toBe('normal');
  });

  it('an emergency transfer is never restricted and never turned away at capacity', async () => {
    const active = new InMemoryActiveCalls();
    const a = new InboundAdmission(restrictions(['tel:+8613812345678']), active, () => 1);
    await a.decide(citizen('tel:+8613800000001'), 'c1');
    expect(await a.decide(emergency(), 'e1')).toEqual({ admission: 'normal', counted: true });
    expect(await active.count()).toBe(2);
  });

  it('an abuse-limit store outage admits the caller (7×24) and says so', async () => {
    const a = new InboundAdmission(failing, new InMemoryActiveCalls(), () => 5);
    expect(await a.decide(citizen(), 'c1')).toEqual({ admission: 'normal', counted: true, degraded: 'abuse-limits' });
  });
});
