import { describe, expect, it } from 'vitest';
import { InMemoryAbuseLimits } from '../../src/adapters/memory/in-memory-abuse-limits.js';

// The AbuseLimits port's rules (src/core/ports/abuse-limits.ts) as the IVR relies on them, held
// by the in-memory fake the IVR tests inject in place of the Redis store.
describe('in-memory abuse limits (the fake the IVR tests use)', () => {
  it('a restriction blocks calls until it lapses, and can be lifted early', async () => {
    let now = new Date('2026-11-22T08:00:00Z');
    const limits = new InMemoryAbuseLimits(() => now);
    expect(await limits.check('tel:+8613800000001', 'call')).toEqual({ allowed: true });
    const r = await limits.restrict('tel:+8613800000001', { reason: '骚扰', until: new Date('2026-11-22T09:00:00Z'), by: 'supervisor-1' });
    expect(r).toMatchObject({ citizenKey: 'tel:+8613800000001', setBy: 'supervisor-1', setAt: '2026-11-22T08:00:00.000Z' });
    expect(await limits.check('tel:+8613800000001', 'call')).toMatchObject({ allowed: false, why: 'restricted', restriction: { reason: '骚扰' } });
    expect(await limits.check('tel:+8613800000002', 'call')).toEqual({ allowed: true });
    expect((await limits.list()).map((x) => x.citizenKey)).toEqual(['tel:+8613800000001']);
    now = new Date('2026-11-22T09:00:00Z');
    expect(await limits.check('tel:+8613800000001', 'call')).toEqual({ allowed: true });
    expect(await limits.list()).toEqual([]);
    await limits.restrict('tel:+8613800000003', { reason: 'x', until: new Date('2026-11-23T00:00:00Z'), by: 's' });
    await limits.lift('tel:+8613800000003', 's');
    expect(await limits.get('tel:+8613800000003')).toBeUndefined();
  });
});
