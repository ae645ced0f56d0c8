import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { completeRecording, recordingChecksum } from './file-checksum.js';
import { trunkEndpoint } from '../core/sip/numbers.js';
import type { SurveyCallOutcome, SurveyCaller } from '../core/ports/surveys.js';
import type { CallId, OriginateOutcome, Switch, SwitchEvent } from '../core/ports/switch.js';
import type { AttemptOutcome, Rating, SurveyRequest } from '../core/surveys/survey.js';
import { surveyCallRecord, type SurveyCallLeg } from '../core/surveys/call-record.js';
import type { CallRecorder } from './call-recorder.js';
import type { RecordingMetadata } from '../core/calls/call-record.js';
import type { CallStore } from '../core/ports/call-records.js';

export interface SurveyCallOptions {
  switch: Switch;
  /** The switch gateway (trunk) survey calls leave by. */
  gateway: string;
  /** Shown to the citizen (art. 16: the survey comes from 12345). */
  callerIdNumber: string;
  ringTimeoutSec: number;
  /** Waiting for the rating key after the question. */
  keyTimeoutMs: number;
  /** DTMF key → rating (default 1/2/3 → very satisfied/satisfied/dissatisfied, seeds/004). */
  keys: Readonly<Record<string, Rating>>;
  reason: { record: boolean; maxSeconds: number };
  /** Prompt ids, resolved by `media`. */
  prompts: { question: string; invalid: string; reason: string; thanks: string };
  media: (promptId: string) => string;
  recordingsDir: string;
  /** Where the whole call's recording metadata is saved (the recordings API reads it there). */
  calls: Pick<CallStore, 'saveRecording'>;
  /** How long the end of a recording is waited for after the call (default 10 s). */
  recordingWaitMs?: number;
  /** Every survey call gets its call-detail record (direction outbound, entry `survey`) here. */
  callRecords: CallRecorder;
  log: Logger;
}

const ATTEMPT_OF: Record<Exclude<OriginateOutcome, 'answered'>, AttemptOutcome> = {
  'no-answer': 'no-answer',
  busy: 'busy',
  'invalid-number': 'invalid-number',
  refused: 'refused',
  failed: 'failed',
};

/**
 * One survey call on a Switch (originated with caller id 12345 and entry kind 'survey'): the
 * question, the rating key (invalid or none → the question once more, then no answer for this
 * attempt), after a dissatisfied rating an optional short spoken reason (recorded, checksummed
 * like every call recording, art. 17), then thanks and hang-up. Every call placed leaves one
 * call-detail record (src/core/surveys/call-record.ts) before call() returns.
 */
export class SwitchSurveyCaller implements SurveyCaller {
  private readonly perCall = new Map<CallId, (e: SwitchEvent) => void>();
  private readonly unsubscribe: () => void;

  constructor(private readonly o: SurveyCallOptions) {
    this.unsubscribe = o.switch.on((e) => {
      if ('callId' in e) this.perCall.get(e.callId)?.(e);
    });
  }

  close(): void {
    this.unsubscribe();
  }

  async call(request: SurveyRequest, attempt: number, onRated: (rating: Rating) => Promise<void>): Promise<SurveyCallOutcome> {
    const o = this.o;
    const sw = o.switch;
    const callId = randomUUID();
    const log = o.log.child({ callId, workOrderId: request.workOrderId, attempt });
    // Events of this call (hang-up, keys) are watched from before it exists.
    let hungUp = false;
    let hangup: { cause: string; at: string } | undefined;
    let hangupSeen!: () => void;
    const ended = new Promise<void>((r) => (hangupSeen = r));
    let onKey: ((digit: string) => void) | undefined;
    // Two recordings may run on the call (the whole call, the reason): each finishes by its path.
    const recordingsDone = new Map<string, (path: string) => void>();
    const whenFinished = (path: string) => new Promise<string>((r) => recordingsDone.set(path, r));
    const handler = (e: SwitchEvent) => {
      if (e.type === 'call.hungup') {
        hungUp = true;
        hangup = { cause: e.cause, at: e.at };
        hangupSeen();
      } else if (e.type === 'dtmf') onKey?.(e.digit);
      else if (e.type === 'recording.finished') recordingsDone.get(e.path)?.(e.path);
    };
    this.perCall.set(callId, handler);
    const dialledAt = new Date().toISOString();
    let answeredAt: string | undefined;
    let unansweredCause: string | undefined;
    let whole: { rec: RecordingMetadata; finished: Promise<string> } | undefined;
    let result: SurveyCallOutcome | undefined;
    try {
      result = await (async (): Promise<SurveyCallOutcome> => {
        const placed = await sw.originate({
          endpoint: trunkEndpoint(o.gateway, request.phone),
          callerIdNumber: o.callerIdNumber,
          timeoutSec: o.ringTimeoutSec,
          variables: { origination_uuid: callId, hotline_entry: 'survey', hotline_work_order: request.workOrderId },
        });
        if (placed.outcome !== 'answered') {
          log.info({ outcome: placed.outcome, cause: placed.cause }, 'survey call not answered');
          unansweredCause = placed.cause;
          return { outcome: ATTEMPT_OF[placed.outcome] };
        }
        answeredAt = new Date().toISOString();
        // A switch may name the leg itself (FreeSWITCH's adapter sets its own origination_uuid).
        const id = placed.callId ?? callId;
        this.perCall.set(id, handler);
        whole = await this.startRecording(id, request, attempt, whenFinished, log);
        const pattern = `^[${Object.keys(o.keys).join('').replace(/[\]\\^-]/g, '\\$&')}]$`;
        const collected = await sw
          .collectDigits(id, {
            media: o.media(o.prompts.question),
            invalidMedia: o.media(o.prompts.invalid),
            min: 1,
            max: 1,
            tries: 2,
            timeoutMs: o.keyTimeoutMs,
            pattern,
          })
          .catch(() => ({ digits: '', outcome: 'hangup' as const }));
        const rating = collected.outcome === 'ok' ? o.keys[collected.digits] : undefined;
        if (!rating) {
          log.info({ outcome: collected.outcome }, 'survey call: no rating');
          if (!hungUp) await sw.hangup(id, 'NORMAL_CLEARING').catch(() => undefined);
          return { outcome: 'answered-no-key', callId: id };
        }
        await onRated(rating);
        log.info({ rating }, 'survey rated');
        let reasonRecording: SurveyCallOutcome['reasonRecording'];
        if (rating === 'dissatisfied' && o.reason.record && !hungUp) {
          reasonRecording = await this.recordReason(id, () => hungUp, ended, (f) => (onKey = f), whenFinished, log);
        }
        if (!hungUp) {
          await sw.play(id, o.media(o.prompts.thanks)).catch(() => undefined);
          await sw.hangup(id, 'NORMAL_CLEARING').catch(() => undefined);
        }
        return { outcome: 'answered-rated', callId: id, rating, ...(reasonRecording ? { reasonRecording } : {}) };
      })();
      return result;
    } finally {
      // The leg's end as the switch reports it (we usually hung up ourselves: its event follows).
      if (answeredAt && !hungUp) await Promise.race([ended, new Promise((r) => setTimeout(r, 1000).unref())]);
      const endedAt = hangup?.at ?? new Date().toISOString();
      if (whole) await this.finishRecording(whole.rec, whole.finished, endedAt, log);
      await this.record(
        {
          callId: result?.callId ?? callId,
          switchId: sw.id,
          callerIdNumber: o.callerIdNumber,
          number: request.phone,
          workOrderId: request.workOrderId,
          attempt,
          dialledAt,
          ...(answeredAt ? { answeredAt } : {}),
          endedAt,
          hangupCause: hangup?.cause ?? unansweredCause ?? (answeredAt ? 'NORMAL_CLEARING' : (result?.outcome ?? 'failed')),
          outcome: result?.outcome ?? 'failed',
          ...(result?.rating ? { rating: result.rating } : {}),
          ...(result?.reasonRecording ? { reasonRecording: result.reasonRecording } : {}),
          ...(whole ? { recording: whole.rec } : {}),
        },
        log,
      );
      for (const [k, h] of this.perCall) if (h === handler) this.perCall.delete(k);
    }
  }

  /**
   * Recording from the answer (art. 17: every call), into <recordingsDir>/<day>/<callId>.wav, its
   * metadata saved at once — as every other call's. A recorder fault never stops the survey: the
   * gap is kept in the metadata.
   */
  private async startRecording(
    id: CallId,
    request: SurveyRequest,
    attempt: number,
    whenFinished: (path: string) => Promise<string>,
    log: Logger,
  ): Promise<{ rec: RecordingMetadata; finished: Promise<string> }> {
    const startTime = new Date().toISOString();
    const rec: RecordingMetadata = {
      recordingId: id,
      callId: id,
      caller: request.phone,
      entry: { kind: 'survey', context: { workOrderId: request.workOrderId, attempt: String(attempt) } },
      path: join(this.o.recordingsDir, startTime.slice(0, 10), `${id}.wav`),
      startTime,
    };
    const finished = whenFinished(rec.path);
    try {
      await this.o.switch.startRecording(id, rec.path);
    } catch (err) {
      rec.error = `recording did not start: ${(err as Error).message}`;
      log.error({ err }, 'survey call recording did not start');
    }
    await this.o.calls.saveRecording(rec).catch((err: unknown) => log.warn({ err }, 'survey call recording metadata not saved'));
    return { rec, finished };
  }

  /** After the call: the file's size and sha256, the end time, saved (errors logged: the call is over). */
  private async finishRecording(rec: RecordingMetadata, finished: Promise<string>, endTime: string, log: Logger): Promise<void> {
    try {
      const missing = await completeRecording(rec, finished, endTime, this.o.recordingWaitMs ?? 10_000);
      if (missing) log.error({ err: missing }, 'survey call recording missing');
      await this.o.calls.saveRecording(rec);
    } catch (err) {
      log.error({ err }, 'survey call recording metadata not saved');
    }
  }

  /** The call's record, queued for the core (errors logged: the call is over). */
  private async record(leg: SurveyCallLeg, log: Logger): Promise<void> {
    try {
      await this.o.callRecords.record(surveyCallRecord(leg), log);
    } catch (err) {
      log.error({ err }, 'survey call record not queued');
    }
  }

  /** The reason prompt, then recording until '#', a hang-up or maxSeconds; the file's size and sha256. */
  private async recordReason(
    id: CallId,
    hungUp: () => boolean,
    ended: Promise<void>,
    setOnKey: (f: (d: string) => void) => void,
    whenFinished: (path: string) => Promise<string>,
    log: Logger,
  ): Promise<SurveyCallOutcome['reasonRecording']> {
    const o = this.o;
    const sw = o.switch;
    await sw.play(id, o.media(o.prompts.reason)).catch(() => undefined);
    if (hungUp()) return undefined;
    const startedAt = Date.now();
    const path = join(o.recordingsDir, new Date(startedAt).toISOString().slice(0, 10), `survey-reason-${id}.wav`);
    const finished = whenFinished(path);
    try {
      await sw.startRecording(id, path);
    } catch (err) {
      log.error({ err }, 'survey reason recording did not start');
      return undefined;
    }
    let stop!: () => void;
    const pressed = new Promise<void>((r) => (stop = r));
    setOnKey((d) => d === '#' && stop());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, pressed, new Promise<void>((r) => (timer = setTimeout(r, o.reason.maxSeconds * 1000)))]);
    clearTimeout(timer);
    const durationSec = Math.round((Date.now() - startedAt) / 10) / 100;
    if (!hungUp()) await sw.stopRecording(id, path).catch(() => undefined);
    const file = await recordingChecksum(path, finished, 10_000);
    if ('error' in file) {
      log.error({ err: file.error }, 'survey reason recording missing');
      return undefined;
    }
    return { recordingId: `survey-reason-${id}`, durationSec, ...file };
  }
}
