// The call-detail record of one callback attempt (忙时回拨): a call the centre places — direction
// outbound, entry kind `callback`, shown as 12345 to the citizen (src/core/calls/outbound-record.ts).
import type { CallDetailRecord, CallFact } from '../calls/call-record.js';
import { outboundCallRecord, type OutboundCall } from '../calls/outbound-record.js';
import type { CallbackDialRequest, CallbackDialResult } from '../ports/callbacks.js';

/** What the caller knows of the attempt's leg: times, the switch's cause, the recording. */
export type CallbackAttemptLeg = Pick<OutboundCall, 'switchId' | 'callerIdNumber' | 'dialledAt' | 'answeredAt' | 'connectedAt' | 'endedAt' | 'hangupCause' | 'recording'>;

/**
 * The attempt's record: `answered` when the citizen was bridged with the agent, `not-reached`
 * otherwise with the outcome (and the switch's cause) as the reason.
 */
export function callbackAttemptRecord(req: CallbackDialRequest, result: CallbackDialResult, leg: CallbackAttemptLeg): CallDetailRecord {
  const context = { callbackId: req.callbackId, attempt: String(req.attempt) };
  const facts: CallFact[] = [{ at: leg.dialledAt, type: 'callback.dialled', detail: { ...context } }];
  if (leg.answeredAt) facts.push({ at: leg.answeredAt, type: 'callback.answered' });
  if (leg.connectedAt) facts.push({ at: leg.connectedAt, type: 'callback.connected', detail: req.agentId ? { agentId: req.agentId } : {} });
  facts.push({ at: leg.endedAt, type: 'callback.outcome', detail: { outcome: result.outcome, ...(result.cause ? { cause: result.cause } : {}) } });
  const reached = result.outcome === 'reached';
  return outboundCallRecord({
    ...leg,
    callId: req.callId,
    number: req.number,
    entry: { kind: 'callback', context },
    disposition: reached ? 'answered' : 'not-reached',
    ...(reached ? {} : { reason: result.cause ? `${result.outcome}: ${result.cause}` : result.outcome }),
    ...(req.agentId ? { agentId: req.agentId } : {}),
    facts,
  });
}

/** What the store kept of an attempt another gateway was placing when it stopped. */
export interface CutOffAttempt {
  callbackId: string;
  /** The citizen's number, E.164. */
  number: string;
  attempt: number;
  /** The citizen's leg (the record's call id: the same one the dead gateway would have used). */
  callId: string;
  dialledAtMs: number;
  agentId?: string;
  switchId?: string;
}

/**
 * The record of an attempt whose gateway stopped after the citizen was dialled (art. 17: every
 * call archived): `interrupted`, since whether the citizen answered is not known here; it ended
 * at the latest when `foundAtMs`, when another gateway took the callback over.
 */
export function interruptedAttemptRecord(a: CutOffAttempt, foundAtMs: number, callerIdNumber: string): CallDetailRecord {
  const context = { callbackId: a.callbackId, attempt: String(a.attempt) };
  const dialledAt = new Date(a.dialledAtMs).toISOString();
  const endedAt = new Date(Math.max(foundAtMs, a.dialledAtMs)).toISOString();
  return outboundCallRecord({
    callId: a.callId,
    switchId: a.switchId ?? '',
    callerIdNumber,
    number: a.number,
    entry: { kind: 'callback', context },
    disposition: 'interrupted',
    reason: 'the gateway placing the call stopped; the end time is when another gateway took the callback over',
    ...(a.agentId ? { agentId: a.agentId } : {}),
    dialledAt,
    endedAt,
    hangupCause: '',
    facts: [
      { at: dialledAt, type: 'callback.dialled', detail: { ...context } },
      { at: endedAt, type: 'callback.outcome', detail: { outcome: 'interrupted' } },
    ],
  });
}
