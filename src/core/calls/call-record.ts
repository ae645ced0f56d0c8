// The call-detail record (CDR) of every call, answered or not (art. 17 of seeds/002: complete
// archives; art. 13: the answer rate is counted from these), and the recording metadata that goes
// with it. Field names follow the proto3 JSON mapping of proto/hotline/calls/v1/calls.proto.

import type { CallEntry } from '../ports/switch.js';

/**
 * answered: reached an agent; abandoned: the caller hung up while holding a queue place;
 * emergency-transferred: handed to 110/119/120/122; ended-in-ivr: ended before any queue (a
 * restricted caller released after the notice, or a hang-up before the welcome started);
 * not-reached: an outbound call (a callback attempt) that did not connect the citizen with the
 * agent — not answered, busy, refused during the notice, or failed (the record's reason says which);
 * interrupted: the gateway handling the call stopped before the call ended, and another gateway
 * wrote the record from what was stored (a callback attempt whose gateway died while the citizen
 * was dialled or talking; an inbound call that ended while its owner was dead, or that an instance
 * adopted while it was bridged with an agent — then with the end it saw).
 */
export const CALL_DISPOSITIONS = ['answered', 'abandoned', 'emergency-transferred', 'ended-in-ivr', 'not-reached', 'interrupted'] as const;
export type CallDisposition = (typeof CALL_DISPOSITIONS)[number];

/**
 * Seconds from `from` to `to` (RFC 3339 times or ms since the epoch), to the millisecond; never
 * negative (a clock stepped back between the two readings gives 0, not a negative duration).
 */
export function durationSec(from: string | number, to: string | number): number {
  const ms = (t: string | number) => (typeof t === 'number' ? t : Date.parse(t));
  return Math.max(0, Math.round(ms(to) - ms(from))) / 1000;
}

export interface RecordingMetadata {
  recordingId: string;
  callId: string;
  caller: string;
  entry: CallEntry;
  agentId?: string;
  path: string;
  startTime: string;
  endTime?: string;
  durationSec?: number;
  bytes?: number;
  /** Hex sha256 of the file, so an archived recording can be shown to be complete (art. 17). */
  sha256?: string;
  /** Why there is no file (the switch never wrote one): kept so a gap is visible, never silent. */
  error?: string;
}

export interface CallFact {
  at: string;
  type: string;
  detail?: Record<string, string>;
}

export interface CallDetailRecord {
  callId: string;
  switchId: string;
  direction: 'inbound' | 'outbound';
  caller: string;
  /** The key limits and callbacks use (tel:+86…), when the number is known. */
  citizenKey: string;
  dialled: string;
  entry: CallEntry;
  disposition: CallDisposition;
  reason?: string;
  /** The last queue the caller held a place in. */
  queue?: string;
  priority: 'emergency-transfer' | 'normal';
  emergencyLine?: string;
  agentId?: string;
  arrivedTime: string;
  answeredTime?: string;
  connectedTime?: string;
  endTime: string;
  durationSec: number;
  hangupCause: string;
  callbackRequested: boolean;
  recording?: RecordingMetadata;
  facts: CallFact[];
}

/** Delivery order of CDRs: records exchanged with emergency lines first (seeds/003 measure 2). */
export function callRecordRank(record: CallDetailRecord): number {
  return record.disposition === 'emergency-transferred' || record.entry.kind === 'emergency-transfer' ? 0 : 2;
}
