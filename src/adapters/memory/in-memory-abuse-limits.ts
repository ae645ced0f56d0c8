import type { AbuseLimits, LimitVerdict, Restriction } from '../../core/ports/abuse-limits.js';

/**
 * AbuseLimits in one process's memory: the fake tests use (it passes the restriction contract in
 * test/contract/abuse-limits.contract.test.ts with the Redis store). Not for the gateway: it is not
 * shared between instances, forgets restrictions on restart, and counts no rate limit.
 */
export class InMemoryAbuseLimits implements AbuseLimits {
  private readonly restrictions = new Map<string, Restriction>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async check(citizenKey: string, _kind: 'intake' | 'call'): Promise<LimitVerdict> {
    const r = await this.get(citizenKey);
    return r ? { allowed: false, why: 'restricted', restriction: r } : { allowed: true };
  }

  async restrict(citizenKey: string, restriction: { reason: string; until: Date; by: string }): Promise<Restriction> {
    const r: Restriction = {
      citizenKey,
      reason: restriction.reason,
      until: restriction.until.toISOString(),
      setBy: restriction.by,
      setAt: this.clock().toISOString(),
    };
    this.restrictions.set(citizenKey, r);
    return r;
  }

  async lift(citizenKey: string, _by: string, _note?: string): Promise<void> {
    this.restrictions.delete(citizenKey);
  }

  async get(citizenKey: string): Promise<Restriction | undefined> {
    const r = this.restrictions.get(citizenKey);
    if (r && Date.parse(r.until) <= this.clock().getTime()) {
      this.restrictions.delete(citizenKey);
      return undefined;
    }
    return r;
  }

  async list(): Promise<Restriction[]> {
    const out: Restriction[] = [];
    for (const key of [...this.restrictions.keys()]) {
      const r = await this.get(key);
      if (r) out.push(r);
    }
    return out;
  }
}
