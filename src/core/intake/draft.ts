import { citizenKeyOf } from './citizen-key.js';
import type { Channel, Citizen, Content, EmergencyLine, Incident, Intake, Links } from './intake.js';
import { missingElements } from './required-elements.js';

/** What a channel knows of an intake before the gateway gives it an id and judges it. */
export interface IntakeDraft {
  channel: Channel;
  /** Channel-scoped key: the same key twice is the same intake ("web:<clientRequestId>"). */
  idempotencyKey?: string;
  citizen: Omit<Citizen, 'citizenKey'>;
  content: Content;
  incident?: Incident;
  links?: Links;
  /**
   * Set when a person already knows the matter belongs to an emergency line: an agent handed the
   * call over to 110/119/120/122 (art. 11 (四); seeds/003 art. 2). The rules keep it.
   */
  emergencyLine?: Exclude<EmergencyLine, 'EMERGENCY_LINE_NONE'>;
}

/** A draft made into a record: id, time, citizen key, and the elements of art. 13 it lacks. */
export function buildIntake(draft: IntakeDraft, intakeId: string, now: Date): Intake {
  const citizen: Citizen = { ...draft.citizen, citizenKey: citizenKeyOf(draft.citizen, intakeId) };
  const base = {
    citizen,
    content: draft.content,
    ...(draft.incident ? { incident: draft.incident } : {}),
  };
  return {
    intakeId,
    idempotencyKey: draft.idempotencyKey ?? `${draft.channel.toLowerCase().replace('channel_', '')}:${intakeId}`,
    channel: draft.channel,
    receivedTime: now.toISOString(),
    ...base,
    // A handed-over matter is critical, so the outbox sends it ahead of normal traffic (art. 18).
    classification: { type: 'INTAKE_TYPE_UNKNOWN', urgency: draft.emergencyLine ? 'URGENCY_CRITICAL' : 'URGENCY_NORMAL' },
    scope: draft.emergencyLine ? { inScope: false, reason: 'SCOPE_REASON_EMERGENCY_LINE' } : { inScope: true },
    emergencyLine: draft.emergencyLine ?? 'EMERGENCY_LINE_NONE',
    missingElements: missingElements(base),
    ...(draft.links ? { links: draft.links } : {}),
    decisions: draft.emergencyLine
      ? [{ rule: 'emergency.handoff', outcome: draft.emergencyLine, reason: 'handed over to the emergency line by an agent (art. 11 (四); seeds/003 art. 2)' }]
      : [],
  };
}
