// The call-detail record of a call whose gateway stopped while driving it, and that ended before
// another gateway could take it over (art. 17 of seeds/002: every call archived). The instance
// that finds it knows what the switch told every instance when the call arrived, the facts the
// dead owner had stored, and the recording's metadata — not how or when the call ended.
import { callerCitizenKey } from '../intake/citizen-key.js';
import type { CallInfo } from '../ports/switch.js';
import { durationSec, type CallDetailRecord, type CallFact, type RecordingMetadata } from './call-record.js';

/** How an adopted call ended, as the instance that kept it up saw it. */
export interface ObservedEnd {
  at: string;
  cause: string;
}

/**
 * `interrupted`, with the facts and the recording as stored; no answer time, queue, agent or
 * hang-up cause is claimed. It ended at the latest when `foundAtMs` (the lease lapsed and the
 * switch no longer had it) — or, `ended` given, as observed: a call bridged with an agent that
 * another instance adopted when its owner died kept talking, and that instance saw it end.
 */
export function lapsedCallRecord(call: CallInfo, facts: readonly CallFact[], recording: RecordingMetadata | undefined, foundAtMs: number, ended?: ObservedEnd): CallDetailRecord {
  const endTime = new Date(Math.max(ended ? Date.parse(ended.at) : foundAtMs, Date.parse(call.createdAt))).toISOString();
  return {
    callId: call.callId,
    switchId: call.switchId,
    direction: call.direction,
    caller: call.caller,
    citizenKey: callerCitizenKey(call.caller, call.callId),
    dialled: call.dialled,
    entry: call.entry,
    disposition: 'interrupted',
    reason: ended
      ? 'the gateway driving the call stopped while the caller talked with an agent; another gateway kept the call up and saw it end'
      : 'the gateway driving the call stopped, and the call ended before another gateway took it over; the end time is when that was found',
    priority: call.entry.kind === 'emergency-transfer' ? 'emergency-transfer' : 'normal',
    arrivedTime: call.createdAt,
    endTime,
    durationSec: durationSec(call.createdAt, endTime),
    hangupCause: ended?.cause ?? '',
    // As the IVR counts it: the caller asked (whatever the store answered), or a capture was not refused.
    callbackRequested: facts.some((f) => f.type === 'callback.requested' || (f.type === 'callback.captured' && f.detail?.outcome !== 'refused')),
    ...(recording ? { recording } : {}),
    facts: [...facts].sort((a, b) => a.at.localeCompare(b.at)),
  };
}
