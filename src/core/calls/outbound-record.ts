// The call-detail record of a call the centre places (callback attempts, satisfaction surveys):
// every call has one (art. 17 of seeds/002: complete archives; issue 4: a CDR for every call).
// Outbound calls show 12345 to the citizen; "caller" is that number, "dialled" the citizen's.
import { callerCitizenKey } from '../intake/citizen-key.js';
import type { CallEntry } from '../ports/switch.js';
import { durationSec, type CallDetailRecord, type CallDisposition, type CallFact, type RecordingMetadata } from './call-record.js';

export interface OutboundCall {
  /** The leg's id, chosen before dialling: a redelivery after a crash is the same record. */
  callId: string;
  switchId: string;
  /** The number shown to the citizen. */
  callerIdNumber: string;
  /** The citizen's number, E.164. */
  number: string;
  entry: CallEntry;
  disposition: CallDisposition;
  reason?: string;
  agentId?: string;
  dialledAt: string;
  answeredAt?: string;
  connectedAt?: string;
  endedAt: string;
  /** The switch's cause for the end of the leg (or why nobody answered). */
  hangupCause: string;
  recording?: RecordingMetadata;
  facts: CallFact[];
}

export function outboundCallRecord(c: OutboundCall): CallDetailRecord {
  return {
    callId: c.callId,
    switchId: c.switchId,
    direction: 'outbound',
    caller: c.callerIdNumber,
    citizenKey: callerCitizenKey(c.number, c.callId),
    dialled: c.number,
    entry: c.entry,
    disposition: c.disposition,
    ...(c.reason ? { reason: c.reason } : {}),
    priority: 'normal',
    ...(c.agentId ? { agentId: c.agentId } : {}),
    arrivedTime: c.dialledAt,
    ...(c.answeredAt ? { answeredTime: c.answeredAt } : {}),
    ...(c.connectedAt ? { connectedTime: c.connectedAt } : {}),
    endTime: c.endedAt,
    durationSec: durationSec(c.dialledAt, c.endedAt),
    hangupCause: c.hangupCause,
    callbackRequested: false,
    ...(c.recording ? { recording: c.recording } : {}),
    facts: c.facts,
  };
}
