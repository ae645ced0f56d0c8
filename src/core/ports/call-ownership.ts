// Which gateway instance owns a call. Every instance sees every FreeSWITCH event (FreeSWITCH sends
// each subscribed socket everything), so exactly one of them drives each call: it claims the call
// atomically when it parks, holds a lease it renews, and another instance takes the call over
// when that lease lapses (its owner died or lost Redis) — DESIGN.md, "Call ownership".

import type { CallId } from './switch.js';

export interface CallOwnership {
  /** This instance's id, as stored against the calls it owns. */
  readonly instanceId: string;
  /** Claims a call nobody owns (or whose lease lapsed); true when this instance owns it now. */
  claim(callId: CallId): Promise<boolean>;
  /** Extends the leases of calls this instance owns; returns those it no longer owns. */
  renew(callIds: readonly CallId[]): Promise<CallId[]>;
  /**
   * Gives a call up (it ended); only the owner's release counts. For a lease more the call stays
   * claimed as ended, so an instance that saw the call end cannot mistake it for one whose owner
   * died (a lease that lapsed without a release).
   */
  release(callId: CallId): Promise<void>;
  /** The owning instance, if any lease is live. */
  owner(callId: CallId): Promise<string | undefined>;
}
