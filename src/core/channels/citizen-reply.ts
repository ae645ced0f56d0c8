import type { EmergencyLine, Intake } from '../intake/intake.js';

/** What a text channel tells the citizen once the intake is judged, in the words they read. */
export type CitizenReply =
  | { kind: 'emergency'; line: string; text: string }
  | { kind: 'out-of-scope'; intakeId: string; text: string }
  | { kind: 'accepted'; intakeId: string; text: string };

const LINE_NUMBERS: Record<Exclude<EmergencyLine, 'EMERGENCY_LINE_NONE'>, { number: string; what: string }> = {
  EMERGENCY_LINE_110: { number: '110', what: '报警' },
  EMERGENCY_LINE_119: { number: '119', what: '火警' },
  EMERGENCY_LINE_120: { number: '120', what: '急救' },
  EMERGENCY_LINE_122: { number: '122', what: '交通事故报警' },
};

const DEFAULT_OUT_OF_SCOPE = '您反映的事项不属于 12345 热线受理范围，建议您通过相应渠道反映。';

/**
 * Emergency first (DESIGN.md; art. 11-4 of seeds/002; 国办函〔2025〕66号): a matter for
 * 110/119/120/122 is answered with the number to call at once, before anything else. An
 * out-of-scope matter is still recorded and the citizen gets the explanation (解释引导, art. 11).
 */
export function citizenReplyFor(intake: Pick<Intake, 'intakeId' | 'emergencyLine' | 'scope'>): CitizenReply {
  if (intake.emergencyLine !== 'EMERGENCY_LINE_NONE') {
    const { number, what } = LINE_NUMBERS[intake.emergencyLine];
    return {
      kind: 'emergency',
      line: number,
      text: `您反映的情况属于紧急事项，请立即拨打 ${number}（${what}）。12345 已记录您的信息（编号 ${intake.intakeId}）。`,
    };
  }
  if (!intake.scope.inScope) {
    const explanation = intake.scope.explanation?.trim() || DEFAULT_OUT_OF_SCOPE;
    return { kind: 'out-of-scope', intakeId: intake.intakeId, text: `${explanation}（登记编号 ${intake.intakeId}）` };
  }
  return {
    kind: 'accepted',
    intakeId: intake.intakeId,
    text: `您的诉求已受理，受理编号 ${intake.intakeId}。我们将尽快转交相关单位办理，请留意后续回复。`,
  };
}
