// The call-detail record of one callback attempt (忙时回拨): every call has one (art. 17 of
// seeds/002: complete archives; issue 4: a CDR for every call), and a callback attempt is a call
// the centre places — direction outbound, entry kind `callback`, shown as 12345 to the citizen.
import type { CallDetailRecord, CallFact, RecordingMetadata } from '../calls/call-record.js';
import { callerCitizenKey } from '../intake/citizen-key.js';
import type { CallbackDialRequest, CallbackDialResult } from '../ports/callbacks.js';

export interface CallbackAttemptLeg {
  switchId: string;
  /** The number shown to the citizen (callbacks.call.callerId). */
  callerIdNumber: string;
  /** When the citizen's number was dialled, answered, bridged with the agent, and the leg ended. */
  dialledAt: string;
  answeredAt?: string;
  connectedAt?: string;
  endedAt: string;
  /** The switch's cause for the end of the citizen's leg (or why nobody answered). */
  hangupCause: string;
  recording?: RecordingMetadata;
}

/**
 * The attempt's record: `answered` when the citizen was bridged with the agent, `not-reached`
 * otherwise with the outcome (and the switch's cause) as the reason. The call id is the citizen
 * leg's, chosen before dialling, so a redelivery after a crash is the same record.
 */
export function callbackAttemptRecord(req: CallbackDialRequest, result: CallbackDialResult, leg: CallbackAttemptLeg): CallDetailRecord {
  const context = { callbackId: req.callbackId, attempt: String(req.attempt) };
  const facts: CallFact[] = [{ at: leg.dialledAt, type: 'callback.dialled', detail: { ...context } }];
  if (leg.answeredAt) facts.push({ at: leg.answeredAt, type: 'callback.answered' });
  if (leg.connectedAt) facts.push({ at: leg.connectedAt, type: 'callback.connected', detail: req.agentId ? { agentId: req.agentId } : {} });
  facts.push({ at: leg.endedAt, type: 'callback.outcome', detail: { outcome: result.outcome, ...(result.cause ? { cause: result.cause } : {}) } });
  const reached = result.outcome === 'reached';
  const seconds = (from: string) => Math.round(Date.parse(leg.endedAt) - Date.parse(from)) / 1000;
  return {
    callId: req.callId,
    switchId: leg.switchId,
    direction: 'outbound',
    caller: leg.callerIdNumber,
    citizenKey: callerCitizenKey(req.number, req.callId),
    dialled: req.number,
    entry: { kind: 'callback', context },
    disposition: reached ? 'answered' : 'not-reached',
    ...(reached ? {} : { reason: result.cause ? `${result.outcome}: ${result.cause}` : result.outcome }),
    priority: 'normal',
    ...(req.agentId ? { agentId: req.agentId } : {}),
    arrivedTime: leg.dialledAt,
    ...(leg.answeredAt ? { answeredTime: leg.answeredAt } : {}),
    ...(leg.connectedAt ? { connectedTime: leg.connectedAt } : {}),
    endTime: leg.endedAt,
    durationSec: Math.max(0, seconds(leg.dialledAt)),
    hangupCause: leg.hangupCause,
    callbackRequested: false,
    ...(leg.recording ? { recording: leg.recording } : {}),
    facts,
  };
}
