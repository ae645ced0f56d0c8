import { loadIntakeRules } from '../../src/config/intake-rules.js';
import { buildIntake, type IntakeDraft } from '../../src/core/intake/draft.js';
import type { Intake } from '../../src/core/intake/intake.js';
import { compileIntakeRules, judgeIntake, type CompiledIntakeRules } from '../../src/core/rules/intake-rules.js';
import type { EarlierIntake } from '../../src/core/rules/repeats.js';

/** The shipped rules file, compiled: what a centre gets without tuning. */
export const shippedRules: CompiledIntakeRules = compileIntakeRules(loadIntakeRules());

let seq = 0;

/** A web intake with this text, judged by the shipped rules. */
export function judgeText(text: string, options: { draft?: Partial<IntakeDraft>; earlier?: EarlierIntake[]; rules?: CompiledIntakeRules } = {}): Intake {
  const draft: IntakeDraft = { channel: 'CHANNEL_WEB', citizen: { phone: '+8613800138000' }, content: { text }, ...options.draft };
  return judgeIntake(buildIntake(draft, `T${String(++seq).padStart(6, '0')}`, new Date('2026-01-15T08:00:00Z')), options.rules ?? shippedRules, options.earlier);
}

export function ruleOf(intake: Intake, prefix: string): string | undefined {
  return intake.decisions.find((d) => d.rule.startsWith(prefix))?.rule;
}
