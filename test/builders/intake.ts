import { ulid } from 'ulid';
import { buildIntake, type IntakeDraft } from '../../src/core/intake/draft.js';
import type { Intake, Urgency } from '../../src/core/intake/intake.js';

/** An intake as the acceptor would build it, with the parts a test cares about. */
export function anIntake(options: { phone?: string; urgency?: Urgency; text?: string; key?: string } = {}): Intake {
  const draft: IntakeDraft = {
    channel: 'CHANNEL_WEB',
    ...(options.key ? { idempotencyKey: options.key } : {}),
    citizen: options.phone ? { phone: options.phone } : {},
    content: { text: options.text ?? '小区路灯坏了' },
  };
  const intake = buildIntake(draft, ulid(), new Date());
  if (options.urgency) intake.classification.urgency = options.urgency;
  return intake;
}
