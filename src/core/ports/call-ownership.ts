// Which gateway instance owns a call. Every instance sees every FreeSWITCH event (FreeSWITCH sends
// each subscribed socket everything), so exactly one of them drives each call: it claims the call
// atomically when it parks, holds a lease it renews, and another instance takes the call over
// when that lease lapses (its owner died or lost Redis) — DESIGN.md, "Call ownership".

import type { CallId, CallInfo } from './switch.js';

/** One switch's calls, as one instance sees them. */
export interface CallOwnership {
  /** This instance's id, as stored against the calls it owns. */
  readonly instanceId: string;
  /**
   * Claims a call nobody owns (or whose lease lapsed); true when this instance owns it now. With
   * the call's facts, the call is also registered as live until it is released (`unreleased`).
   */
  claim(callId: CallId, register?: CallInfo): Promise<boolean>;
  /** Extends the leases of calls this instance owns; returns those it no longer owns. */
  renew(callIds: readonly CallId[]): Promise<CallId[]>;
  /**
   * Gives a call up (it ended); only the owner's release counts. For a lease more the call stays
   * claimed as ended, so an instance that saw the call end cannot mistake it for one whose owner
   * died (a lease that lapsed without a release).
   */
  release(callId: CallId): Promise<void>;
  /**
   * Registered calls not released yet: live calls of live instances, and the calls of an instance
   * that stopped — those a restart finds, whether they are still up or ended meanwhile.
   */
  unreleased(): Promise<CallId[]>;
  /** A registered call's facts, as registered. */
  registered(callId: CallId): Promise<CallInfo | undefined>;
  /** The owning instance, if any lease is live. */
  owner(callId: CallId): Promise<string | undefined>;
}
