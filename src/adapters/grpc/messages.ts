// Wire shapes of hotline.intake.v1 as plain objects (proto3 JSON mapping, see proto.ts).
import type { Intake } from '../../core/intake/intake.js';

export interface SubmitRequest {
  intake: Intake;
}

export interface SubmitAckMessage {
  intakeId?: string;
  idempotencyKey?: string;
  duplicate?: boolean;
  workOrderId?: string;
  rejection?: { code?: string; message?: string };
}
