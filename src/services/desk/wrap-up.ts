import { z } from 'zod';
import { HotlineError } from '../../core/errors.js';
import type { IntakeDraft } from '../../core/intake/draft.js';
import type { IntakeType } from '../../core/intake/intake.js';
import { toE164 } from '../../core/intake/phone.js';
import type { DeskResult, WrapUpForm } from '../../core/ports/desk.js';
import type { DeskCall } from '../../core/ports/desk-store.js';
import type { AcceptedIntake } from '../intake-acceptor.js';
import { incidentField } from '../../adapters/http/intake-fields.js';

/** The form's fields as the agent's screen names them. */
const FIELD_NAMES: Record<keyof WrapUpForm, string> = {
  type: '诉求类型',
  content: '诉求内容',
  place: '事发地点',
  incidentTime: '事发时间',
  name: '诉求人姓名',
  confidential: '是否要求保密',
};

const formSchema = z.strictObject({
  type: z.enum(['CONSULT', 'HELP', 'COMPLAINT', 'REPORT', 'SUGGESTION', 'PRAISE', 'UNKNOWN']),
  content: z.string().trim().min(1).max(5000),
  place: z.string().trim().max(500).optional(),
  incidentTime: z.string().trim().max(100).optional(),
  name: z.string().trim().max(64).optional(),
  confidential: z.boolean(),
});

export type WrapUpCheck = { ok: true; form: WrapUpForm } | { ok: false; code: 'INVALID_FIELD'; message: string; field: string };

/** Checks an agent's form; a bad one is named in Chinese by its first failing field. */
export function checkWrapUpForm(input: unknown): WrapUpCheck {
  const parsed = formSchema.safeParse(input);
  if (parsed.success) return { ok: true, form: parsed.data as WrapUpForm };
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const name = FIELD_NAMES[key as keyof WrapUpForm];
  if (!name) {
    return { ok: false, code: 'INVALID_FIELD', field: key || 'form', message: key ? `表单中有未知字段“${key}”` : '话后小结表单格式不正确' };
  }
  const why =
    issue.code === 'invalid_value' ? '取值不在可选范围内'
    : issue.code === 'too_small' ? '不能为空'
    : issue.code === 'too_big' ? '内容过长'
    : input && typeof input === 'object' && (input as Record<string, unknown>)[key] === undefined ? '必须填写'
    : '格式不正确';
  return { ok: false, code: 'INVALID_FIELD', field: key, message: `${name}${why}` };
}

/** The intake a wrap-up form makes of a call: the phone channel, linked to the call, its recording and agent. */
export function wrapUpDraft(call: DeskCall, agentId: string, form: WrapUpForm): IntakeDraft {
  const phone = toE164(call.caller);
  const incident = incidentField(form.incidentTime || undefined, form.place || undefined);
  return {
    channel: 'CHANNEL_PHONE',
    // One intake per call, however often the form is sent (the outbox answers a repeat as a duplicate).
    idempotencyKey: `phone:${call.callId}`,
    citizen: {
      ...(phone ? { phone } : {}),
      ...(form.name ? { name: form.name } : {}),
      confidentialityRequested: form.confidential,
      replyWanted: !!phone,
    },
    content: { text: form.content },
    ...(incident ? { incident } : {}),
    // The recording of a call has the call's id (IvrRunner).
    links: { callId: call.callId, recordingId: call.callId, agentId },
    ...(form.type !== 'UNKNOWN' ? { declaredType: `INTAKE_TYPE_${form.type}` as IntakeType } : {}),
  };
}

export interface IntakeAccepting {
  accept(draft: IntakeDraft): Promise<AcceptedIntake>;
}

/** `wrapup.submit`: the form becomes the call's phone intake through the acceptor every channel uses. */
export async function submitWrapUp(acceptor: IntakeAccepting, call: DeskCall | undefined, agentId: string, input: unknown): Promise<DeskResult> {
  if (!call) return { ok: false, code: 'NOT_FOUND', message: '找不到该通话，无法提交话后小结' };
  if (call.agentId !== agentId) return { ok: false, code: 'FORBIDDEN', message: '只有接听该通话的座席可以提交话后小结' };
  const checked = checkWrapUpForm(input);
  if (!checked.ok) return { ok: false, code: checked.code, message: checked.message };
  try {
    const { intake, duplicate } = await acceptor.accept(wrapUpDraft(call, agentId, checked.form));
    return { ok: true, detail: { intakeId: intake.intakeId, duplicate, emergencyLine: intake.emergencyLine, inScope: intake.scope.inScope } };
  } catch (err) {
    if (err instanceof HotlineError) {
      return { ok: false, code: err.code, message: err.field ? `${FIELD_NAMES[err.field as keyof WrapUpForm] ?? err.field}：${err.message}` : err.message };
    }
    throw err;
  }
}
