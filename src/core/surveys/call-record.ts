// The call-detail record of one satisfaction survey call (回访, art. 16 of seeds/002): a call the
// centre places (src/core/calls/outbound-record.ts), entry kind `survey` with the work order and
// attempt. Nobody at the centre talks on it: an answered survey call ended in the IVR.
import type { CallDetailRecord, CallFact, RecordingMetadata } from '../calls/call-record.js';
import { outboundCallRecord } from '../calls/outbound-record.js';
import type { AttemptOutcome, Rating, ReasonRecording } from './survey.js';

export interface SurveyCallLeg {
  callId: string;
  switchId: string;
  callerIdNumber: string;
  /** The citizen's number, E.164. */
  number: string;
  workOrderId: string;
  attempt: number;
  dialledAt: string;
  answeredAt?: string;
  endedAt: string;
  hangupCause: string;
  outcome: AttemptOutcome;
  rating?: Rating;
  /** The dissatisfied citizen's spoken reason, when recorded. */
  reasonRecording?: ReasonRecording;
  /** The whole call from the answer (art. 17: every call recorded), when answered. */
  recording?: RecordingMetadata;
}

/**
 * `ended-in-ivr` when the citizen answered (rated or not), `not-reached` otherwise; the attempt's
 * outcome is the reason either way. The rating and the reason's recording are facts.
 */
export function surveyCallRecord(leg: SurveyCallLeg): CallDetailRecord {
  const context = { workOrderId: leg.workOrderId, attempt: String(leg.attempt) };
  const answered = leg.answeredAt !== undefined;
  const facts: CallFact[] = [{ at: leg.dialledAt, type: 'survey.dialled', detail: { ...context } }];
  if (leg.answeredAt) facts.push({ at: leg.answeredAt, type: 'survey.answered' });
  if (leg.rating) facts.push({ at: leg.endedAt, type: 'survey.rated', detail: { rating: leg.rating } });
  if (leg.reasonRecording) {
    facts.push({ at: leg.endedAt, type: 'survey.reason-recorded', detail: { recordingId: leg.reasonRecording.recordingId, sha256: leg.reasonRecording.sha256 } });
  }
  facts.push({ at: leg.endedAt, type: 'survey.outcome', detail: { outcome: leg.outcome } });
  return outboundCallRecord({
    ...leg,
    entry: { kind: 'survey', context },
    disposition: answered ? 'ended-in-ivr' : 'not-reached',
    reason: leg.outcome,
    facts,
  });
}
