import type { Intake } from '../intake/intake.js';

export interface SinkAck {
  intakeId: string;
  duplicate: boolean;
  workOrderId?: string;
  /** Set when the core refuses the intake for good. */
  rejection?: { code: string; message: string };
}

export interface SinkBatchResult {
  /** One ack per delivered intake, in the order sent; may be shorter than the batch. */
  acks: SinkAck[];
  /** Why the rest of the batch was not acknowledged (core unreachable, stream broken). */
  error?: Error;
}

/** The work-order core's intake service (hotline.intake.v1.IntakeSink). */
export interface IntakeSink {
  submitBatch(intakes: Intake[]): Promise<SinkBatchResult>;
}
