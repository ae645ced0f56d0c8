import type { Intake } from '../intake/intake.js';

export const POSSIBLE_EMERGENCY_HINT = '如情况紧急，请立即拨打110（治安）、119（火警）、120（急救）或122（交通事故）。';

/**
 * The answer a text channel gives the citizen at once: for an emergency-line matter the number
 * to call comes first (DESIGN.md "Emergency first"); an out-of-scope matter is recorded and the
 * citizen told where it belongs (解释引导, art. 11 of seeds/002).
 */
export function citizenReply(intake: Pick<Intake, 'intakeId' | 'scope' | 'emergencyLine' | 'decisions'>): string {
  const number = `受理编号 ${intake.intakeId}`;
  if (intake.emergencyLine !== 'EMERGENCY_LINE_NONE' && intake.scope.explanation) return `${intake.scope.explanation}（${number}）`;
  // A possible emergency the rules could not place: the numbers, just in case.
  const possible = intake.decisions.some((d) => d.rule === 'emergency.possible') ? POSSIBLE_EMERGENCY_HINT : '';
  if (!intake.scope.inScope && intake.scope.explanation) return `您的诉求已记录，${number}。${intake.scope.explanation}${possible}`;
  return `您的诉求已受理，${number}。${possible}`;
}
