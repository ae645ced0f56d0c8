import type { Intake } from '../core/intake/intake.js';
import type { AbuseLimits } from '../core/ports/abuse-limits.js';
import type { IntakeOutbox } from '../core/ports/intake-outbox.js';
import type { IntakeStore, StoreResult, StoreSteps } from '../core/ports/intake-store.js';
import type { RecentIntakes } from '../core/ports/recent-intakes.js';

/**
 * The IntakeStore composed from the separate ports, one call after the other: for stores that
 * have no atomic way (the in-memory fakes). The Redis store does the same in one script.
 */
export class SequentialIntakeStore implements IntakeStore {
  constructor(
    private readonly outbox: IntakeOutbox,
    private readonly limits?: AbuseLimits,
    private readonly recent?: RecentIntakes,
  ) {}

  async store(intake: Intake, steps: StoreSteps): Promise<StoreResult> {
    if (steps.limit) {
      if (!this.limits) throw new Error('SequentialIntakeStore: a limit step needs the abuse limits');
      const verdict = await this.limits.check(steps.limit.citizenKey, 'intake', steps.limit.attemptId);
      if (!verdict.allowed) return { refused: verdict };
    }
    const result = await this.outbox.enqueue(intake);
    if (!result.duplicate && steps.remember) {
      if (!this.recent) throw new Error('SequentialIntakeStore: a remember step needs the recent intakes');
      const r = steps.remember;
      await this.recent.remember(r.citizenKey, r.entry, r.keepUntil);
    }
    return result;
  }
}
