import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// ulid() looks up a random source on every call (≈ 110 µs per id measured here); the factory does
// it once (≈ 3 µs) and keeps ids strictly increasing within a millisecond. Its own source asks
// the system for one byte per character (16 calls per id); ours draws the same bytes from a
// pool filled 4 KiB at a time.
const pool = new Uint8Array(4096);
let used = pool.length;
const nextIntakeId = monotonicFactory(() => {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]! / 256;
});
import { HotlineError } from '../core/errors.js';
import { buildIntake, type IntakeDraft } from '../core/intake/draft.js';
import type { Intake } from '../core/intake/intake.js';
import type { AbuseLimits, LimitVerdict } from '../core/ports/abuse-limits.js';
import type { IntakeOutbox } from '../core/ports/intake-outbox.js';
import type { IntakeMetrics } from '../core/ports/intake-metrics.js';
import type { IntakeStore, StoreSteps } from '../core/ports/intake-store.js';
import type { RememberedIntake } from '../core/ports/recent-intakes.js';
import { limitMessage } from '../core/rules/limit-messages.js';
import { SequentialIntakeStore } from './sequential-intake-store.js';

export interface AcceptedIntake {
  intake: Intake;
  duplicate: boolean;
}

/** Judges an intake before it is stored (the rules of every channel plug in here). */
export type IntakeJudge = (intake: Intake) => Intake | Promise<Intake>;

export interface IntakeAcceptorGuards {
  /** Art. 34 limits; checked after the rules, so emergencies are known and never limited. */
  limits?: AbuseLimits;
  /** Runs once a new (not duplicate) intake is durable: the repeat rule remembers it. */
  onStored?: (intake: Intake) => Promise<void>;
  /**
   * Stores with the limit check and the repeat memory in one step (Redis: one script, one round
   * trip). Without it, `limits.check`, `outbox.enqueue` and `onStored` run one after the other.
   */
  store?: IntakeStore;
  /** What the repeat rule remembers of a stored intake, in the store's own step. */
  remember?: (intake: Intake) => RememberedIntake | undefined;
}

/**
 * The one path every channel's intake takes: made into a record, judged by the same rules,
 * checked against the abuse limits, and persisted in the outbox before the channel answers.
 */
export class IntakeAcceptor {
  private readonly store: IntakeStore;

  constructor(
    outbox: IntakeOutbox,
    private readonly metrics: IntakeMetrics,
    private readonly judge: IntakeJudge = (i) => i,
    private readonly onAccepted: () => void = () => undefined,
    private readonly clock: () => Date = () => new Date(),
    private readonly guards: IntakeAcceptorGuards = {},
  ) {
    this.store = guards.store ?? new SequentialIntakeStore(outbox, guards.limits);
  }

  async accept(draft: IntakeDraft): Promise<AcceptedIntake> {
    let intake = await this.judge(buildIntake(draft, nextIntakeId(), this.clock()));
    const steps: StoreSteps = {};
    const key = intake.citizen.citizenKey;
    if (this.guards.limits && !key.startsWith('anon:')) {
      if (intake.emergencyLine !== 'EMERGENCY_LINE_NONE') intake = await this.emergencyBypass(intake, this.guards.limits);
      // The idempotency key makes a channel's retry (WeChat resends a message it got no answer to)
      // one attempt, not several.
      else steps.limit = { citizenKey: key, attemptId: intake.idempotencyKey };
    }
    const remember = this.guards.remember?.(intake);
    if (remember) steps.remember = remember;
    const result = await this.store.store(intake, steps);
    if ('refused' in result) throw new HotlineError('RATE_LIMITED', limitMessage(result.refused), undefined, retryAfter(result.refused));
    const { intakeId, duplicate } = result;
    this.metrics.accepted(intake.channel, duplicate);
    if (!duplicate) {
      this.onAccepted();
      await this.guards.onStored?.(intake);
    }
    return { intake: duplicate ? { ...intake, intakeId } : intake, duplicate };
  }

  /**
   * DESIGN.md "Emergency first": always accepted, never counted against the citizen; a
   * restriction in force is only noted on the record.
   */
  private async emergencyBypass(intake: Intake, limits: AbuseLimits): Promise<Intake> {
    const restriction = await limits.get(intake.citizen.citizenKey);
    return {
      ...intake,
      decisions: [
        ...intake.decisions,
        restriction
          ? { rule: 'limits.emergency-bypass', outcome: 'ACCEPTED_WHILE_RESTRICTED', reason: `restricted until ${restriction.until}; emergencies are never limited` }
          : { rule: 'limits.emergency-bypass', outcome: 'NOT_COUNTED', reason: 'emergencies are never limited or counted' },
      ],
    };
  }
}

/** Seconds until the citizen may submit again: the rate window, or the restriction's end. */
function retryAfter(verdict: Exclude<LimitVerdict, { allowed: true }>): number {
  if (verdict.why === 'rate') return Math.max(1, Math.ceil(verdict.retryAfterSeconds));
  return Math.max(1, Math.ceil((Date.parse(verdict.restriction.until) - Date.now()) / 1000));
}
