import type { Intake } from '../core/intake/intake.js';
import type { RecentIntakes, RememberedIntake } from '../core/ports/recent-intakes.js';
import { judgeIntake, normalisedText, type CompiledIntakeRules } from '../core/rules/intake-rules.js';

/** Citizens without a phone or channel identity are keyed by the intake alone: nothing to compare. */
const anonymous = (intake: Intake) => intake.citizen.citizenKey.startsWith('anon:');

/**
 * The intake rules with their one lookup: the citizen's recent intakes for the repeat rule.
 * `judge` runs before the intake is stored, `stored` after (so a channel's retry, which the outbox
 * answers as a duplicate, is never remembered as a second matter).
 */
export class IntakeRulesJudge {
  constructor(
    private readonly rules: CompiledIntakeRules,
    private readonly recent: RecentIntakes,
  ) {}

  judge = async (intake: Intake): Promise<Intake> => {
    const windowMs = this.rules.repeats.cfg.windowHours * 3_600_000;
    const earlier = anonymous(intake)
      ? []
      : await this.recent.recent(intake.citizen.citizenKey, new Date(Date.parse(intake.receivedTime) - windowMs), this.rules.repeats.cfg.maxCompared);
    return judgeIntake(intake, this.rules, earlier);
  };

  /** What to remember of a stored intake (nothing for an anonymous one), for a store that does it in its own step. */
  memory = (intake: Intake): RememberedIntake | undefined => {
    if (anonymous(intake)) return undefined;
    const windowMs = this.rules.repeats.cfg.windowHours * 3_600_000;
    return {
      citizenKey: intake.citizen.citizenKey,
      entry: { intakeId: intake.intakeId, receivedTime: intake.receivedTime, text: normalisedText(intake) },
      keepUntil: new Date(Date.parse(intake.receivedTime) + windowMs),
    };
  };

  stored = async (intake: Intake): Promise<void> => {
    const m = this.memory(intake);
    if (m) await this.recent.remember(m.citizenKey, m.entry, m.keepUntil);
  };
}
