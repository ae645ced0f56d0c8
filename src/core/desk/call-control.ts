// Call control beyond answer/hold/hang-up (issue 5), as pure policy: the state of one connected
// call (consult leg, conference and who is in it, the citizen's consent) and which agent command
// may run in which state, with the Chinese refusal the agent sees. The service that carries the
// commands out on a Switch is src/services/desk/call-control.ts.

import { describeHours, type DirectoryUnit } from './directory.js';

/**
 * connected: caller and agent talk. *-dialing: an outbound leg rings (the caller stays with the
 * agent, or on hold for a consult). consulting: the caller on hold, the agent with the consult
 * target. conference: caller, agent (until they leave) and a third party or an emergency line.
 * switching: a short switch step (bridge, join) is under way. released: the agent's part is over
 * (transferred, left the conference). ended: the caller hung up.
 */
export type CallControlPhase =
  | 'connected'
  | 'blind-dialing'
  | 'consult-dialing'
  | 'consulting'
  | 'threeway-dialing'
  | 'emergency-dialing'
  | 'conference'
  | 'switching'
  | 'released'
  | 'ended';

export type ConferenceRole = 'caller' | 'agent' | 'third-party' | 'emergency';

export interface ConsultState {
  /** The consult leg, once answered. */
  leg?: string;
  /** What the agent sees: a line's name, an agent's name. */
  label: string;
  /** Set when the target is another agent (the desk reserved them). */
  agentId?: string;
  /** The agent and the consult target talk in this conference (their legs survive each other's hang-up). */
  conference: string;
}

export interface ConferenceState {
  name: string;
  kind: 'threeway' | 'emergency';
  /** The leg of the third party: the expert, the unit's fixed line or the emergency operator. */
  partyLeg: string;
  label: string;
  /** For an emergency conference: which line. */
  line?: string;
  members: Set<ConferenceRole>;
}

export interface CallControlState {
  callId: string;
  callerLeg: string;
  agentLeg: string;
  agentId: string;
  phase: CallControlPhase;
  /** When the agent recorded the citizen's consent to a three-way call (art. 14 of seeds/002). */
  consentAt?: string;
  consult?: ConsultState;
  conference?: ConferenceState;
  /** Bumped whenever something outside a command (a hang-up) changes the call: a command that awaited the switch checks it. */
  epoch: number;
}

export type CallControlAction = 'blind' | 'consult' | 'complete' | 'cancel' | 'consent' | 'threeway' | 'leave' | 'emergency';

/** The closed set of refusal codes, each with its Chinese text (the agent sees it). */
export const REFUSAL_TEXT = {
  UNKNOWN_CALL: '没有找到该通话，或该通话不在您的话机上。',
  CALL_ENDED: '诉求人已挂机，通话已结束。',
  AGENT_RELEASED: '您已离开该通话，无法再操作。',
  BUSY: '上一步操作仍在进行中，请稍候再试。',
  CONSULT_RINGING: '咨询对象尚未接通，请稍候，或取消咨询转接。',
  NO_CONSULT: '当前没有进行中的咨询转接，无法完成或取消转接。',
  CANCELLED: '咨询转接已取消，诉求人已回到您的通话中。',
  CONSULT_TARGET_GONE: '咨询对象已挂机，诉求人已回到您的通话中。',
  CONSULT_ACTIVE: '咨询转接进行中，请先完成或取消咨询转接。',
  CONFERENCE_ACTIVE: '三方通话进行中，无法进行该操作。',
  NOT_IN_CONFERENCE: '当前没有进行中的三方通话，无法退出。',
  NO_CONSENT: '请先征得诉求人同意并点击“已征得同意”，再发起三方通话（《办法》第十四条）。',
  UNKNOWN_UNIT: '三固定目录中没有该承办单位，请核对后重试，或派发工单办理。',
  OUTSIDE_HOURS: '当前不在该单位三方通话固定接听时间内，请派发工单办理。',
  NOT_IN_DIRECTORY: '该号码不在转接目录中，不能转出。请核对号码，或派发工单办理。',
  NO_EXPERT: '专家座席暂无可用专家，请稍后再试，或派发工单办理。',
  NO_AGENT: '该座席当前无法接听，请选择其他座席或队列。',
  AGENT_NOT_AVAILABLE: '该座席当前不是空闲状态（通话中、振铃中、示忙或未登录），无法转接，诉求人仍在您的通话中。请选择其他座席或转队列。',
  UNKNOWN_QUEUE: '没有该队列，无法转接，诉求人仍在您的通话中。',
  UNSUPPORTED: '该转接方式暂不可用。',
  EMERGENCY_RINGING: '紧急热线尚未接通，请继续陪同诉求人，接通后方可退出。',
  SUMMARY_REQUIRED: '请填写转警摘要（事由），随通话一并移交紧急热线。',
  TARGET_BUSY: '对方忙，未能接通。诉求人已回到您的通话中。',
  TARGET_NO_ANSWER: '对方无人接听。诉求人已回到您的通话中。',
  TARGET_REFUSED: '对方拒绝接听或号码无效。诉求人已回到您的通话中。',
  TARGET_FAILED: '呼叫失败。诉求人已回到您的通话中。',
  EMERGENCY_FAILED: '紧急热线暂时未能接通，诉求人仍在您的通话中，请立即重试或指导诉求人直接拨打。',
  SWITCH_FAILED: '交换机操作失败，诉求人仍在您的通话中。',
} as const;
export type RefusalCode = keyof typeof REFUSAL_TEXT;

export interface Refusal {
  ok: false;
  code: RefusalCode;
  message: string;
}

export function refusal(code: RefusalCode, message: string = REFUSAL_TEXT[code]): Refusal {
  return { ok: false, code, message };
}

/** The refusal for a three-way call to a unit's fixed line outside its fixed hours, naming the hours. */
export function outsideHours(unit: DirectoryUnit): Refusal {
  return refusal(
    'OUTSIDE_HOURS',
    `${unit.name}三方通话固定接听时间为${describeHours(unit)}（北京时间），现在不在接听时间内。建议派发工单，由该单位按时限办理。`,
  );
}

/** The refusal for a leg that did not answer, by the switch's outcome. */
export function notReached(outcome: string): Refusal {
  switch (outcome) {
    case 'busy':
      return refusal('TARGET_BUSY');
    case 'no-answer':
      return refusal('TARGET_NO_ANSWER');
    case 'refused':
    case 'invalid-number':
      return refusal('TARGET_REFUSED');
    default:
      return refusal('TARGET_FAILED');
  }
}

/**
 * Whether an action may start in this state; undefined means it may. Order matters: what the
 * agent can least do anything about (the call ended, they left it) is said first.
 */
export function checkAction(state: CallControlState, action: CallControlAction): Refusal | undefined {
  const p = state.phase;
  if (p === 'ended') return refusal('CALL_ENDED');
  if (p === 'released') return refusal('AGENT_RELEASED');
  if (action === 'consent') return undefined; // recording consent never disturbs the call
  if (p === 'switching' || p === 'blind-dialing' || p === 'threeway-dialing') return refusal('BUSY');
  switch (action) {
    case 'complete':
      if (p === 'consult-dialing') return refusal('CONSULT_RINGING');
      return p === 'consulting' ? undefined : refusal('NO_CONSULT');
    case 'cancel':
      // Cancelling while the target still rings brings the caller back at once.
      return p === 'consulting' || p === 'consult-dialing' ? undefined : refusal('NO_CONSULT');
    case 'leave':
      if (p === 'emergency-dialing') return refusal('EMERGENCY_RINGING');
      if (p !== 'conference' || !state.conference?.members.has('agent')) return refusal('NOT_IN_CONFERENCE');
      return undefined;
    case 'blind':
    case 'consult':
    case 'threeway':
    case 'emergency':
      if (p === 'consulting' || p === 'consult-dialing') return refusal('CONSULT_ACTIVE');
      if (p === 'conference' || p === 'emergency-dialing') return refusal('CONFERENCE_ACTIVE');
      if (action === 'threeway' && !state.consentAt) return refusal('NO_CONSENT');
      return undefined;
  }
}
