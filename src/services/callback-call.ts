// The citizen's leg of a callback attempt (忙时回拨, art. 13 of seeds/002; 国办函〔2025〕66号 for
// missed calls). Progressive dialling, the Amazon Connect model (TELEPHONY-NOTES.md): the agent is
// reserved and already on the line when dial() is called; the citizen is dialled showing 12345,
// recorded from the answer (art. 17: every call is recorded; every attempt is kept with its
// recording), told who is calling, then bridged with the agent.
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { completeRecording } from './file-checksum.js';
import type { RecordingMetadata } from '../core/calls/call-record.js';
import { callbackAttemptRecord, type CallbackAttemptLeg } from '../core/callbacks/attempt-record.js';
import type { CallStore } from '../core/ports/call-records.js';
import type { CallbackCaller, CallbackDialRequest, CallbackDialResult } from '../core/ports/callbacks.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallId, Endpoint, Switch, SwitchEvent } from '../core/ports/switch.js';

export interface CallbackCallOptions {
  /** The switches by id: the citizen is dialled on the agent's switch (the bridge needs both legs there). */
  switches: ReadonlyMap<string, Switch>;
  /** Where the citizen's number is dialled: the trunk gateway in production (callbacks.call.gateway). */
  endpoint: (e164: string) => Endpoint;
  /** Shown to the citizen: the callback comes from 12345. */
  callerIdNumber: string;
  ringTimeoutSec: number;
  /** Prompt ids, resolved by `media`. */
  prompts: { notice: string; agentGone: string };
  media: (promptId: string) => string;
  /** Absolute: the switch writes the file, the gateway checksums it (shared storage with FreeSWITCH). */
  recordingsDir: string;
  /** The recordings' metadata, in the store the IVR's recordings use (the recordings API reads it). */
  calls: Pick<CallStore, 'saveRecording'>;
  /** How long to wait after the hang-up for the switch to finish the recording file. */
  recordingWaitMs?: number;
  /** Every attempt that placed a call gets its call-detail record (direction outbound) here. */
  callRecords: CallRecorder;
  log: Logger;
}

/** What is known of one attempt's legs, from the switch's events. */
interface Watch {
  citizenGone: boolean;
  agentGone: boolean;
  /** Called once when the agent's leg ends (while the citizen's phone rings: stop ringing it). */
  onAgentGone?: () => void;
  /** We hung the citizen's leg up because the agent's ended. */
  cancelled: boolean;
  /** Resolves when the citizen's leg has ended. */
  citizenEnded: Promise<void>;
  /** Resolves with the file's path when the switch has finished the citizen's recording. */
  recordingFinished: Promise<string>;
  /** The citizen's leg's end, from its hang-up event. */
  hangup?: { cause: string; at: string };
  /** When the citizen was bridged with the agent. */
  connectedAt?: string;
  onEvent(e: SwitchEvent): void;
}

function watch(citizen: CallId, agent: CallId): Watch {
  let ended!: () => void;
  let recorded!: (path: string) => void;
  const w: Watch = {
    citizenGone: false,
    agentGone: false,
    cancelled: false,
    citizenEnded: new Promise<void>((r) => (ended = r)),
    recordingFinished: new Promise<string>((r) => (recorded = r)),
    onEvent(e) {
      if (e.type === 'call.hungup' && e.callId === citizen) {
        w.citizenGone = true;
        w.hangup = { cause: e.cause, at: e.at };
        ended();
      } else if (e.type === 'call.hungup' && e.callId === agent && !w.agentGone) {
        w.agentGone = true;
        w.onAgentGone?.();
      } else if (e.type === 'recording.finished' && e.callId === citizen) recorded(e.path);
    },
  };
  return w;
}

/**
 * After the notice was cut short or the bridge failed: gives the citizen leg's hang-up event time
 * to arrive before judging who left (on FreeSWITCH CHANNEL_HANGUP_COMPLETE follows the app's end).
 */
async function citizenEndedWithin(w: Watch, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([w.citizenEnded, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Places the citizen's leg of a callback attempt: originated on `req.switchId` as `req.callId`
 * (entry kind `callback`, the callback id and attempt in `hotline_context`) with caller id 12345;
 * on answer the leg is recorded (metadata through CallStore, checksummed once the file is
 * finished), the citizen hears the notice, then the leg is bridged with the agent's.
 *
 * Outcomes: `reached` (bridged); the switch's no-answer / busy / invalid-number / refused / failed
 * when nobody answered; `refused` when the citizen hangs up before the agent is connected — they
 * answered and heard who was calling, so calling them again would be pestering, not a retry;
 * `failed` (cause `agent-gone`) when the agent's leg ended before the bridge: the citizen hears an
 * apology and is hung up. Whatever the outcome but `reached`, the citizen's leg is down when dial()
 * returns. The agent's leg is never ended here: it belongs to the caller of dial().
 *
 * Every attempt that placed a call leaves one call-detail record (direction outbound, entry
 * `callback`): at once when nobody answered, after the citizen's leg ended (recording checksummed)
 * when they did. An attempt that dialled nothing (no such switch, a number the trunk cannot
 * take) leaves none: there was no call.
 */
export class SwitchCallbackCaller implements CallbackCaller {
  private readonly watches = new Map<CallId, Watch>();
  private readonly unsubscribe: Array<() => void> = [];
  /** Recordings still being finished (checksum, metadata) after their call. */
  private readonly finishing = new Set<Promise<void>>();

  constructor(private readonly o: CallbackCallOptions) {
    for (const sw of o.switches.values()) {
      this.unsubscribe.push(
        sw.on((e) => {
          if (!('callId' in e)) return;
          for (const w of this.watches.values()) w.onEvent(e);
        }),
      );
    }
  }

  /** Stops listening; recordings still being finished keep the metadata saved at their start. */
  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Waits until the recordings of ended attempts are checksummed and saved (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.finishing.size) await Promise.all([...this.finishing]);
  }

  async dial(req: CallbackDialRequest): Promise<CallbackDialResult> {
    const log = this.o.log.child({ callId: req.callId, callbackId: req.callbackId, attempt: req.attempt, agentLegId: req.agentLegId });
    const sw = this.o.switches.get(req.switchId);
    if (!sw) {
      log.error({ switchId: req.switchId }, 'callback: no such switch');
      return { outcome: 'failed', cause: `no switch ${req.switchId}` };
    }
    let endpoint: Endpoint;
    try {
      endpoint = this.o.endpoint(req.number);
    } catch (err) {
      return { outcome: 'invalid-number', cause: (err as Error).message };
    }
    const w = watch(req.callId, req.agentLegId);
    this.watches.set(req.callId, w);
    let keepWatching = false;
    // The agent hanging up while the citizen's phone rings: the ringing stops (nobody to talk to).
    w.onAgentGone = () => {
      w.cancelled = true;
      void sw.hangup(req.callId, 'ORIGINATOR_CANCEL').catch(() => undefined);
    };
    const dialledAt = new Date().toISOString();
    let commandFailed = false;
    try {
      const placed = await sw
        .originate({
          endpoint,
          callerIdNumber: this.o.callerIdNumber,
          timeoutSec: this.o.ringTimeoutSec,
          variables: {
            origination_uuid: req.callId,
            hotline_entry: 'callback',
            hotline_context: new URLSearchParams({ callbackId: req.callbackId, attempt: String(req.attempt) }).toString(),
          },
        })
        .catch(async (err: unknown) => {
          // The command failed (connection lost …): the leg may exist all the same.
          commandFailed = true;
          await sw.hangup(req.callId, 'NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
          return { outcome: 'failed' as const, cause: (err as Error).message, callId: undefined };
        });
      delete w.onAgentGone;
      const unanswered = (result: CallbackDialResult): CallbackDialResult => {
        const endedAt = new Date().toISOString();
        // The switch's cause when it reported the leg's end; ours when we hung up a failed command.
        const hangupCause = w.hangup?.cause ?? (commandFailed ? 'NORMAL_TEMPORARY_FAILURE' : (placed.cause ?? placed.outcome));
        this.track(this.record(req, result, { switchId: sw.id, callerIdNumber: this.o.callerIdNumber, dialledAt, endedAt, hangupCause }, log));
        return result;
      };
      if (placed.outcome !== 'answered' && w.cancelled) {
        log.info({ outcome: placed.outcome }, "callback: the agent's leg ended while the citizen's phone rang");
        return unanswered({ outcome: 'failed', cause: 'agent-gone' });
      }
      if (placed.outcome !== 'answered') {
        log.info({ outcome: placed.outcome, cause: placed.cause }, 'callback: citizen not reached');
        return unanswered({ outcome: placed.outcome, ...(placed.cause ? { cause: placed.cause } : {}) });
      }
      const answeredAt = new Date().toISOString();
      const id = placed.callId ?? req.callId;
      if (id !== req.callId) {
        // The port promises the leg under the id chosen before dialling (a crash finds it by it).
        log.error({ legId: id }, 'callback: the switch named the leg itself; hung up');
        await sw.hangup(id, 'NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
        commandFailed = true;
        return unanswered({ outcome: 'failed', callId: id, cause: 'switch ignored origination_uuid' });
      }
      const recording = await this.startRecording(sw, req, log);
      keepWatching = true;
      let result: CallbackDialResult = { outcome: 'failed', cause: 'the attempt was cut short' };
      try {
        result = { ...(await this.connect(sw, req, w, log)), callId: id, recordingId: recording.recordingId };
        return result;
      } finally {
        // After the citizen's leg ends: the recording checksummed, then the attempt's record.
        this.track(this.finishAttempt(req, result, recording, w, { switchId: sw.id, callerIdNumber: this.o.callerIdNumber, dialledAt, answeredAt }, log));
      }
    } finally {
      // The recording's finisher needs the citizen leg's events until it ends.
      if (!keepWatching) this.watches.delete(req.callId);
    }
  }

  /** The notice, then the bridge; an apology and a hang-up when the agent is gone. */
  private async connect(sw: Switch, req: CallbackDialRequest, w: Watch, log: Logger): Promise<CallbackDialResult> {
    const o = this.o;
    const refused = (): CallbackDialResult => {
      log.info('callback: the citizen hung up before the agent was connected');
      return { outcome: 'refused', cause: 'hung up during the notice' };
    };
    const notice = await sw.play(req.callId, o.media(o.prompts.notice)).catch(() => ({ interrupted: true }));
    if (notice.interrupted) await citizenEndedWithin(w, 500);
    if (w.citizenGone) return w.cancelled ? { outcome: 'failed', cause: 'agent-gone' } : refused();
    if (!w.agentGone) {
      try {
        await sw.bridge(req.callId, req.agentLegId);
        w.connectedAt = new Date().toISOString();
        log.info('callback: citizen reached and bridged with the agent');
        return { outcome: 'reached' };
      } catch (err) {
        await citizenEndedWithin(w, 500);
        if (w.citizenGone) return w.cancelled ? { outcome: 'failed', cause: 'agent-gone' } : refused();
        // Either leg may be missing (the agent's ended before we watched it): judged by the citizen's.
        log.warn({ err: (err as Error).message }, 'callback: bridge with the agent failed');
        if (!w.agentGone) return this.apologise(sw, req, w, log, `bridge failed: ${(err as Error).message}`);
      }
    }
    return this.apologise(sw, req, w, log, 'agent-gone');
  }

  private async apologise(sw: Switch, req: CallbackDialRequest, w: Watch, log: Logger, cause: string): Promise<CallbackDialResult> {
    log.warn({ cause }, "callback: the agent's leg is gone; the citizen hears the apology");
    await sw.play(req.callId, this.o.media(this.o.prompts.agentGone)).catch(() => undefined);
    if (!w.citizenGone) await sw.hangup(req.callId, 'NORMAL_CLEARING').catch(() => undefined);
    return { outcome: 'failed', cause };
  }

  /** Recording from the answer, into <recordingsDir>/<day>/<callId>.wav; its metadata saved at once. */
  private async startRecording(sw: Switch, req: CallbackDialRequest, log: Logger): Promise<RecordingMetadata> {
    const startTime = new Date().toISOString();
    const rec: RecordingMetadata = {
      recordingId: req.callId,
      callId: req.callId,
      caller: req.number,
      entry: { kind: 'callback', context: { callbackId: req.callbackId, attempt: String(req.attempt) } },
      ...(req.agentId ? { agentId: req.agentId } : {}),
      path: join(this.o.recordingsDir, startTime.slice(0, 10), `${req.callId}.wav`),
      startTime,
    };
    try {
      await sw.startRecording(req.callId, rec.path);
    } catch (err) {
      // Never drop a citizen for a recorder fault; the gap is kept in the metadata.
      rec.error = `recording did not start: ${(err as Error).message}`;
      log.error({ err }, 'callback: recording did not start');
    }
    await this.o.calls.saveRecording(rec).catch((err: unknown) => log.warn({ err }, 'callback: recording metadata not saved'));
    return rec;
  }

  /** Keeps a finishing step until it settles (settled() waits for them). */
  private track(step: Promise<void>): void {
    this.finishing.add(step);
    void step.finally(() => this.finishing.delete(step));
  }

  /** The attempt's call-detail record, queued for the core (errors logged: the call is over). */
  private async record(req: CallbackDialRequest, result: CallbackDialResult, leg: CallbackAttemptLeg, log: Logger): Promise<void> {
    try {
      await this.o.callRecords.record(callbackAttemptRecord(req, result, leg), log);
    } catch (err) {
      log.error({ err }, 'callback: call record not queued');
    }
  }

  /**
   * After the citizen's leg ended: the file's size and sha256, the end time, saved; then the
   * attempt's call-detail record with the recording in it.
   */
  private async finishAttempt(
    req: CallbackDialRequest,
    result: CallbackDialResult,
    rec: RecordingMetadata,
    w: Watch,
    leg: Omit<CallbackAttemptLeg, 'endedAt' | 'hangupCause'>,
    log: Logger,
  ): Promise<void> {
    try {
      await w.citizenEnded;
      const endTime = w.hangup?.at ?? new Date().toISOString();
      try {
        const missing = await completeRecording(rec, w.recordingFinished, endTime, this.o.recordingWaitMs ?? 10_000);
        if (missing) log.error({ err: missing }, 'callback: recording file missing');
        await this.o.calls.saveRecording(rec);
      } catch (err) {
        log.error({ err }, 'callback: recording metadata not saved');
      }
      await this.record(
        req,
        result,
        { ...leg, ...(w.connectedAt ? { connectedAt: w.connectedAt } : {}), endedAt: endTime, hangupCause: w.hangup?.cause ?? 'NORMAL_CLEARING', recording: rec },
        log,
      );
    } finally {
      this.watches.delete(rec.callId);
    }
  }
}
