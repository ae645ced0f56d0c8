import type { Intake } from '../intake/intake.js';

export type IntakeState = 'queued' | 'delivered' | 'failed';

export interface IntakeStatus {
  intakeId: string;
  status: IntakeState;
  acceptedAt: string;
  deliveredAt?: string;
  workOrderId?: string;
  attempts: number;
  error?: string;
}

export interface EnqueueResult {
  intakeId: string;
  /** True when the idempotency key was seen before: nothing new was stored. */
  duplicate: boolean;
}

export interface LeasedIntake {
  intake: Intake;
  attempts: number;
}

export interface Lease {
  leaseId: string;
  items: LeasedIntake[];
}

export type Settlement =
  | { intakeId: string; outcome: 'delivered'; workOrderId?: string; duplicate: boolean }
  | { intakeId: string; outcome: 'failed'; error: string };

export interface OutboxStats {
  /** Intakes accepted and not yet delivered (ready + in flight). */
  depth: number;
  inFlight: number;
  failed: number;
}

/**
 * The durable outbox between the channels and the work-order core. `enqueue` returns only once
 * the intake is persisted; delivery leases batches in order (critical first; FIFO per citizen
 * within one urgency) and settles each lease.
 */
export interface IntakeOutbox {
  enqueue(intake: Intake): Promise<EnqueueResult>;
  status(intakeId: string): Promise<IntakeStatus | undefined>;
  /** Leases up to max intakes; intakes of lapsed leases (a crashed worker) go back in line first. */
  lease(max: number): Promise<Lease>;
  /** Settles what was delivered or refused for good; every other intake of the lease goes back, in place. */
  settle(lease: Lease, settlements: Settlement[]): Promise<void>;
  stats(): Promise<OutboxStats>;
}
