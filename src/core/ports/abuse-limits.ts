// Abuse limits (art. 34 of seeds/002; DESIGN.md "Abuse limits"): per-citizen limits on repeated
// submissions and supervisor-set restrictions with an expiry, one store for every channel and for
// calls. Restrictions never block emergency matters: callers check emergencies first.

export interface Restriction {
  citizenKey: string;
  reason: string;
  /** RFC 3339; the restriction lapses by itself then. */
  until: string;
  setBy: string;
  setAt: string;
}

export type LimitVerdict =
  | { allowed: true }
  | { allowed: false; why: 'restricted'; restriction: Restriction }
  | { allowed: false; why: 'rate'; retryAfterSeconds: number };

export interface AbuseLimits {
  /**
   * Counts one attempt of this kind for the citizen and says whether it may go ahead. An
   * `attemptId` already let through in the window (a channel's retry of the same message) is
   * allowed again without being counted twice.
   */
  check(citizenKey: string, kind: 'intake' | 'call', attemptId?: string): Promise<LimitVerdict>;
  restrict(citizenKey: string, restriction: { reason: string; until: Date; by: string }): Promise<Restriction>;
  lift(citizenKey: string, by: string, note?: string): Promise<void>;
  get(citizenKey: string): Promise<Restriction | undefined>;
  list(): Promise<Restriction[]>;
}
