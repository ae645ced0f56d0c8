import { ulid } from 'ulid';
import { buildIntake, type IntakeDraft } from '../core/intake/draft.js';
import type { Intake } from '../core/intake/intake.js';
import type { IntakeOutbox } from '../core/ports/intake-outbox.js';
import type { IntakeMetrics } from '../core/ports/intake-metrics.js';

export interface AcceptedIntake {
  intake: Intake;
  duplicate: boolean;
}

/** Judges an intake before it is stored (the rules of every channel plug in here). */
export type IntakeJudge = (intake: Intake) => Intake | Promise<Intake>;

/**
 * The one path every channel's intake takes: made into a record, judged by the same rules, and
 * persisted in the outbox before the channel answers the citizen.
 */
export class IntakeAcceptor {
  constructor(
    private readonly outbox: IntakeOutbox,
    private readonly metrics: IntakeMetrics,
    private readonly judge: IntakeJudge = (i) => i,
    private readonly onAccepted: () => void = () => undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async accept(draft: IntakeDraft): Promise<AcceptedIntake> {
    const intake = await this.judge(buildIntake(draft, ulid(), this.clock()));
    const { intakeId, duplicate } = await this.outbox.enqueue(intake);
    this.metrics.accepted(intake.channel, duplicate);
    if (!duplicate) this.onAccepted();
    return { intake: duplicate ? { ...intake, intakeId } : intake, duplicate };
  }
}
