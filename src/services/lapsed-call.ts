import { lapsedCallRecord, type ObservedEnd } from '../core/calls/lapsed-record.js';
import type { Acd } from '../core/ports/acd.js';
import type { QueueEvent } from './ivr-runner.js';
import type { CallStore } from '../core/ports/call-records.js';
import type { CallInfo } from '../core/ports/switch.js';
import type { Logger } from '../log/logger.js';
import type { CallRecorder } from './call-recorder.js';
import { completeRecording } from './file-checksum.js';

/**
 * The record of a call whose gateway stopped while driving it and that ended before another
 * took it over (OwnedSwitch's onLapsed): the facts the owner stored, the recording as the switch
 * left it on disk (checksummed now, or the gap noted), disposition `interrupted`. Queued under
 * the call's id, so a record the owner had already queued is the one kept.
 */
export async function recordLapsedCall(
  call: CallInfo,
  o: {
    calls: CallStore;
    recorder: CallRecorder;
    log: Logger;
    now?: () => number;
    /**
     * The call queues: a call that ended while nobody owned it leaves its queue here at once (the
     * desk would drop it only at its next reservation, its owner no longer listening), an agent it
     * held on offer is freed, and the call of an agent who had answered it is ended (wrap-up, as
     * any call's end; nobody else would end it).
     */
    queues?: { acd: Pick<Acd, 'standing' | 'remove' | 'agents' | 'endCall'>; left: (event: QueueEvent) => void };
  },
  /** An adopted call's end as seen (OwnedSwitch); without it, the end is when it was found. */
  ended?: ObservedEnd,
): Promise<void> {
  const log = o.log.child({ callId: call.callId });
  const foundAt = o.now?.() ?? Date.now();
  const [facts, recording] = await Promise.all([o.calls.facts(call.callId), o.calls.recording(call.callId)]);
  const record = lapsedCallRecord(call, facts, recording, foundAt, ended);
  if (record.recording && !record.recording.endTime) {
    // The switch wrote the file up to the hang-up; nobody waits for its event any more. The
    // record carries the metadata completed here.
    const missing = await completeRecording(record.recording, Promise.resolve(record.recording.path), record.endTime, 0);
    if (missing) log.error({ err: missing }, 'recording of a lapsed call missing');
    await o.calls.saveRecording(record.recording).catch((err: unknown) => log.warn({ err }, 'recording metadata not saved'));
  }
  await o.recorder.record(record, log);
  log.warn('call ended while its gateway was stopped: recorded as interrupted');
  const standing = await o.queues?.acd.standing(call.callId);
  if (!o.queues || !standing) return;
  const { acd, left } = o.queues;
  let endedAgent: string | undefined;
  if (standing.state === 'answered') {
    // Its owner would have ended the agent's call at the hang-up.
    endedAgent = (await acd.agents()).find((a) => a.callId === call.callId && a.state === 'on-call')?.agentId;
    if (endedAgent) await acd.endCall(endedAgent, o.now?.() ?? Date.now());
  }
  const { releasedAgent } = await acd.remove(call.callId);
  left({ type: 'left', callId: call.callId, queue: standing.queue, ...(releasedAgent ? { releasedAgent } : {}), ...(endedAgent ? { endedAgent } : {}) });
  log.warn({ queue: standing.queue, state: standing.state, releasedAgent, endedAgent }, 'took the ended call out of the queues');
}
