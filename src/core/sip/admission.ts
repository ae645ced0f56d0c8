// Admission before media (DESIGN.md "SIP front"): decided when the INVITE arrives, carried to
// FreeSWITCH in X-Hotline-Admission so the IVR knows what to play. Nobody is rejected at SIP
// level: a restricted caller still reaches the IVR, hears the notice and can press the
// emergency key during it; an overloaded centre takes a callback request instead of a busy tone
// (art. 13: calls missed at busy times are called back).
import type { AbuseLimits } from '../ports/abuse-limits.js';
import type { ActiveCalls } from '../ports/active-calls.js';
import type { CallAdmission } from '../ports/switch.js';
import type { InboundCall } from './policy.js';

/** What the IVR reads back as CallEntry.admission (dialplan: hotline_admission). */
export type Admission = CallAdmission;

export interface AdmissionResult {
  admission: Admission;
  /** Whether the call holds a place in the active-call count (release it at hang-up). */
  counted: boolean;
  /** Set when a store could not be asked; the call was admitted anyway (7×24 service). */
  degraded?: 'abuse-limits' | 'active-calls';
  restrictionReason?: string;
}

export class InboundAdmission {
  constructor(
    private readonly limits: Pick<AbuseLimits, 'get'>,
    private readonly active: ActiveCalls,
    private readonly capacity: () => number,
  ) {}

  async decide(call: InboundCall, callId: string): Promise<AdmissionResult> {
    if (call.entry.kind === 'emergency-transfer') {
      // Emergency transfers bypass blocklists and limits (art. 34 restrictions never block
      // them; DESIGN.md "Emergency first"), and hold a place even above capacity.
      try {
        await this.active.admit(callId, this.capacity(), true);
        return { admission: 'normal', counted: true };
      } catch {
        return { admission: 'normal', counted: false, degraded: 'active-calls' };
      }
    }
    let degraded: AdmissionResult['degraded'];
    if (call.citizenKey) {
      try {
        const restriction = await this.limits.get(call.citizenKey);
        // The store lapses restrictions itself; checking `until` too keeps a stale read harmless.
        if (restriction && Date.parse(restriction.until) > Date.now()) {
          return { admission: 'restricted', counted: false, restrictionReason: restriction.reason };
        }
      } catch {
        // A store outage must not keep citizens off the line: admit, and say so in the log.
        degraded = 'abuse-limits';
      }
    }
    try {
      const { admitted } = await this.active.admit(callId, this.capacity());
      return admitted ? { admission: 'normal', counted: true, ...(degraded ? { degraded } : {}) } : { admission: 'callback-capture', counted: false, ...(degraded ? { degraded } : {}) };
    } catch {
      return { admission: 'normal', counted: false, degraded: 'active-calls' };
    }
  }
}

/** An in-process count, for tests and as the reference behaviour of the port. */
export class InMemoryActiveCalls implements ActiveCalls {
  private readonly calls = new Set<string>();
  async admit(callId: string, capacity: number, force = false) {
    if (this.calls.has(callId)) return { admitted: true, active: this.calls.size };
    if (!force && this.calls.size >= capacity) return { admitted: false, active: this.calls.size };
    this.calls.add(callId);
    return { admitted: true, active: this.calls.size };
  }
  async release(callId: string) {
    this.calls.delete(callId);
  }
  async count() {
    return this.calls.size;
  }
}
