import type { CallDetailRecord, CallFact, RecordingMetadata } from '../calls/call-record.js';

/** Recording metadata and the facts of a call, kept in Redis (art. 17: retrievable archives). */
export interface CallStore {
  saveRecording(meta: RecordingMetadata): Promise<void>;
  recording(callId: string): Promise<RecordingMetadata | undefined>;
  appendFact(callId: string, fact: CallFact): Promise<void>;
  facts(callId: string): Promise<CallFact[]>;
}

export interface LeasedCallRecord {
  record: CallDetailRecord;
  attempts: number;
}

export interface CallRecordLease {
  leaseId: string;
  items: LeasedCallRecord[];
}

export type CallRecordSettlement =
  | { callId: string; outcome: 'delivered'; duplicate: boolean }
  | { callId: string; outcome: 'failed'; error: string };

/** The durable outbox of CDRs, idempotent by call id; the same delivery rules as intakes. */
export interface CallRecordOutbox {
  enqueue(record: CallDetailRecord): Promise<{ duplicate: boolean }>;
  lease(max: number): Promise<CallRecordLease>;
  settle(lease: CallRecordLease, settlements: CallRecordSettlement[]): Promise<void>;
  stats(): Promise<{ depth: number; inFlight: number; failed: number }>;
}

export interface CallRecordAck {
  callId: string;
  duplicate: boolean;
  rejection?: { code: string; message: string };
}

/** The core's call-records service (hotline.calls.v1.CallRecords). */
export interface CallRecordSink {
  submitBatch(records: CallDetailRecord[]): Promise<{ acks: CallRecordAck[]; error?: Error }>;
}
