import type { Intake } from '../intake/intake.js';
import type { LimitVerdict } from './abuse-limits.js';
import type { EnqueueResult } from './intake-outbox.js';
import type { RememberedIntake } from './recent-intakes.js';

/** What happens in the same step as an intake is stored. */
export interface StoreSteps {
  /** Count this attempt against the citizen's intake limit first (art. 34); a refusal stores nothing. */
  limit?: { citizenKey: string; attemptId: string };
  /** Remember the intake for the repeat rule (art. 30), only when it is new (not a duplicate). */
  remember?: RememberedIntake;
}

export type StoreResult = EnqueueResult | { refused: Exclude<LimitVerdict, { allowed: true }> };

/**
 * The write side of accepting an intake: the abuse-limit check, the outbox insert and the
 * repeat rule's memory, in that order. The Redis store does them in one atomic step (one round
 * trip); composed from the separate ports (AbuseLimits, IntakeOutbox, RecentIntakes) they run one
 * after the other with the same outcome.
 */
export interface IntakeStore {
  store(intake: Intake, steps: StoreSteps): Promise<StoreResult>;
}
