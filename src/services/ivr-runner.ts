import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { completeRecording } from './file-checksum.js';
import { durationSec, type CallDetailRecord, type CallDisposition, type CallFact, type RecordingMetadata } from '../core/calls/call-record.js';
import type { EmergencyRoutes } from '../core/ivr/flow.js';
import type { IvrMachine} from '../core/ivr/machine.js';
import { initialState, type IvrCommand, type IvrEvent, type IvrFact, type IvrState } from '../core/ivr/machine.js';
import { callerCitizenKey } from '../core/intake/citizen-key.js';
import { FAULT_HANGUP_CAUSES } from '../core/callbacks/callback.js';
import type { CallbackAskInput } from './callback-service.js';
import type { AbuseLimits } from '../core/ports/abuse-limits.js';

import type { CallStore } from '../core/ports/call-records.js';
import type { CallRecorder } from './call-recorder.js';
import type { Acd } from '../core/ports/acd.js';
import type { AcdPolicy } from '../core/acd/model.js';
import { overflowTarget, subCentreQueue } from '../core/acd/routing.js';
import { announcementPrompts, callbackOfferDue, nextAnnouncementAtMs } from '../core/acd/announcement.js';
import type { WorkOrderQuery } from '../core/ports/work-order-query.js';
import type { CallId, CallInfo, Switch, SwitchEvent } from '../core/ports/switch.js';

export interface IvrRunnerOptions {
  switch: Switch;
  machine: IvrMachine;
  abuseLimits: AbuseLimits;
  /** The call queues: the caller's place, position and estimated wait, overflow (issue 5). */
  acd: Acd;
  acdPolicy: AcdPolicy;
  /** This gateway instance (the owner of the calls it runs; offers are bridged by the owner). */
  instanceId: string;
  /** Whether the flow has a callback key to offer to long waiters. */
  callbackOffer: boolean;
  /** A call entered, moved in or left a queue: the desk dispatches, withdraws an offer. */
  onQueue?: (event: QueueEvent) => void;
  now?: () => number;
  /** Callbacks (issue 6): the callback key, and callers who abandon after a long wait. */
  callbacks: IvrCallbacks;
  query: WorkOrderQuery;
  calls: CallStore;
  /** Each call's CDR when it ends. */
  callRecords: CallRecorder;
  emergency: EmergencyRoutes;
  recordingsDir: string;
  /** Prompt id → what the switch plays (a file path, or the id itself on the simulated switch). */
  media: (promptId: string) => string;
  log: Logger;
  /** How long to wait after a hang-up for the switch to finish the recording file. */
  recordingWaitMs?: number;
}

/** What the IVR asks of the callbacks (CallbackService). */
export interface IvrCallbacks {
  ask(input: CallbackAskInput): Promise<'created' | 'existing' | 'refused'>;
  /** A caller who asked for a callback hung up: a keep-my-place callback takes their place. */
  callerLeft(citizenKey: string): Promise<void>;
}

export type QueueEvent =
  | { type: 'entered'; callId: CallId; queue: string }
  | { type: 'moved'; callId: CallId; queue: string; why: 'key' | 'overflow' }
  | {
      type: 'left';
      callId: CallId;
      queue: string;
      /** An agent the call was on offer to, freed. */
      releasedAgent?: string;
      /** An agent whose call it was, its end recorded by an instance that did not own it (the owner died): wrap-up. */
      endedAgent?: string;
    };

interface Session {
  info: CallInfo;
  citizenKey: string;
  state: IvrState;
  chain: Promise<void>;
  log: Logger;
  facts: CallFact[];
  mediaKind?: 'play' | 'collect' | 'hold';
  answeredTime?: string;
  connectedTime?: string;
  agentId?: string;
  lastQueue?: string;
  lastPosition?: number;
  /** When the caller first took a place (kept across moves and a re-entry after a failed emergency transfer). */
  firstQueuedAtMs?: number;
  /** When the caller started waiting in the current queue's rhythm of announcements. */
  announceFromMs?: number;
  queueTimer?: NodeJS.Timeout;
  lastAnnouncedAtMs?: number;
  callbackRequested: boolean;
  disposition?: CallDisposition;
  reason?: string;
  emergencyLine?: string;
  hangup?: { cause: string; at: string };
  recording?: RecordingMetadata;
  recordingFinished: Promise<string | undefined>;
  resolveRecording: (path: string | undefined) => void;
  finished: Promise<void>;
  resolveFinished: () => void;
}

/**
 * Drives the IVR machine (src/core/ivr) on a Switch: every inbound call is answered, recorded
 * from answer to hang-up (art. 17), screened for restrictions (art. 34; never calls from 110/119/
 * 120/122), walked through the flow, and ends with one call-detail record in the durable outbox.
 * Events of one call are handled one at a time, in order; slow work (media, the core, the trunk)
 * reports back as events, so a key pressed meanwhile is never lost.
 */
export class IvrRunner {
  private readonly sessions = new Map<CallId, Session>();
  /** Outbound legs seen (agents' phones), to name the agent when one is bridged to a caller. */
  private readonly legs = new Map<CallId, CallInfo>();
  private unsubscribe?: () => void;

  constructor(private readonly o: IvrRunnerOptions) {}

  start(): void {
    this.unsubscribe ??= this.o.switch.on((e) => this.onEvent(e));
  }

  /** Stops taking new calls; calls in progress finish on their own. */
  stop(): void {
    this.unsubscribe?.();
    delete this.unsubscribe;
  }

  /** Resolves when every call in progress has ended and its record is queued. */
  async drain(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.finished));
  }

  /** Resolves when this call's record is queued (tests, the dev HTTP surface). */
  finished(callId: CallId): Promise<void> | undefined {
    return this.sessions.get(callId)?.finished;
  }

  /**
   * The desk blind-transferred this call to a queue (the agent's leg is being released, the caller
   * holds): the session waits again — hold music, announcements, its first arrival time and
   * priority kept — and the next agent to answer is the call's agent. False when it is not ours,
   * over, or the queue is unknown.
   */
  requeue(callId: CallId, queue: string): boolean {
    const s = this.sessions.get(callId);
    if (!s || s.hangup || s.state.phase !== 'connected' || !this.o.acdPolicy.queues.has(queue)) return false;
    delete s.agentId;
    this.post(callId, { type: 'requeued', queue });
    return true;
  }

  get activeCalls(): number {
    return this.sessions.size;
  }

  private onEvent(e: SwitchEvent): void {
    switch (e.type) {
      case 'call.arrived':
        if (e.call.direction === 'outbound' || ['callback', 'survey', 'agent-leg'].includes(e.call.entry.kind)) {
          this.legs.set(e.call.callId, e.call);
          return;
        }
        this.arrive(e.call);
        return;
      case 'dtmf':
        this.post(e.callId, { type: 'key', digit: e.digit });
        return;
      case 'call.bridged': {
        const s = this.sessions.get(e.callId);
        if (!s) return;
        const leg = this.legs.get(e.otherCallId);
        s.connectedTime ??= new Date().toISOString();
        // An agent's leg that says whose it is names the agent who has the call now (after an
        // attended transfer, the second agent); any other party leaves the first agent named.
        const named = leg?.entry.kind === 'agent-leg' ? leg.entry.context?.agentId : undefined;
        if (named) s.agentId = named;
        else s.agentId ??= leg ? (leg.entry.context?.agentId ?? leg.dialled.replace(/^user:/, '')) : e.otherCallId;
        this.post(e.callId, { type: 'bridged', otherCallId: e.otherCallId });
        return;
      }
      case 'recording.finished':
        this.sessions.get(e.callId)?.resolveRecording(e.path);
        return;
      case 'call.hungup': {
        this.legs.delete(e.callId);
        const s = this.sessions.get(e.callId);
        if (!s || s.hangup) return;
        s.hangup = { cause: e.cause, at: e.at };
        this.post(e.callId, { type: 'hangup' });
        this.enqueue(s, () => this.finish(s));
        return;
      }
      default:
        return;
    }
  }

  private arrive(info: CallInfo): void {
    if (this.sessions.has(info.callId)) return;
    const citizenKey = callerCitizenKey(info.caller, info.callId);
    let resolveRecording!: (p: string | undefined) => void;
    let resolveFinished!: () => void;
    const s: Session = {
      info,
      citizenKey,
      state: initialState(),
      chain: Promise.resolve(),
      log: this.o.log.child({ callId: info.callId, entry: info.entry.kind }),
      facts: [],
      callbackRequested: false,
      recordingFinished: new Promise((r) => (resolveRecording = r)),
      resolveRecording: (p) => resolveRecording(p),
      finished: new Promise((r) => (resolveFinished = r)),
      resolveFinished: () => resolveFinished(),
    };
    this.sessions.set(info.callId, s);
    this.enqueue(s, () => this.begin(s));
  }

  private async begin(s: Session): Promise<void> {
    const sw = this.o.switch;
    const id = s.info.callId;
    await sw.answer(id);
    s.answeredTime = new Date().toISOString();
    const day = s.answeredTime.slice(0, 10);
    const path = join(this.o.recordingsDir, day, `${id}.wav`);
    s.recording = { recordingId: id, callId: id, caller: s.info.caller, entry: s.info.entry, path, startTime: s.answeredTime };
    try {
      await sw.startRecording(id, path);
    } catch (err) {
      // Never drop a citizen for a recorder fault; the gap is kept in the metadata.
      s.recording.error = `recording did not start: ${(err as Error).message}`;
      s.resolveRecording(undefined);
      s.log.error({ err }, 'recording did not start');
    }
    await this.o.calls.saveRecording(s.recording).catch((err: unknown) => s.log.warn({ err }, 'recording metadata not saved'));

    const fromEmergencyLine = s.info.entry.kind === 'emergency-transfer';
    let restricted = false;
    if (!fromEmergencyLine) {
      try {
        const verdict = await this.o.abuseLimits.check(s.citizenKey, 'call');
        restricted = !verdict.allowed;
        if (!verdict.allowed) s.reason = verdict.why;
      } catch (err) {
        // 7×24 human service: a fault of ours never turns a caller away.
        s.log.warn({ err }, 'abuse limits unavailable; caller let through');
      }
    } else {
      s.emergencyLine = s.info.entry.fromLine;
    }
    // A sub-centre line whose agents sit in this centre (双号并行, art. 8) has its own queue.
    const local = s.info.entry.kind === 'sub-centre' && s.info.entry.fromLine ? subCentreQueue(this.o.acdPolicy.queues.values(), s.info.entry.fromLine) : undefined;
    const queue = local && !local.externalNumber ? local.id : undefined;
    // The SIP front found the centre at capacity: a busy-time callback instead of a busy tone
    // (art. 13; the machine never captures an emergency transfer).
    const capture = s.info.entry.admission === 'callback-capture' && !fromEmergencyLine;
    if (capture) s.log.info('captured at overload: a busy-time callback instead of a queue place');
    await this.step(s, { type: 'start', fromEmergencyLine, restricted, ...(queue ? { queue } : {}), ...(capture ? { capture } : {}) });
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private clearQueueCheck(s: Session): void {
    if (s.queueTimer) clearTimeout(s.queueTimer);
    delete s.queueTimer;
  }

  /** One timer per waiting call: the next announcement or the overflow, whichever comes first. */
  private scheduleQueueCheck(s: Session): void {
    this.clearQueueCheck(s);
    const queue = s.state.queue ? this.o.acdPolicy.queues.get(s.state.queue) : undefined;
    if (!queue || s.hangup || s.announceFromMs === undefined) return;
    const now = this.now();
    let at = nextAnnouncementAtMs(queue, s.announceFromMs, now);
    if (queue.overflow) at = Math.min(at, s.announceFromMs + queue.overflow.afterSec * 1000);
    s.queueTimer = setTimeout(() => this.enqueue(s, () => this.queueCheck(s)), Math.max(0, at - now));
    s.queueTimer.unref();
  }

  /** Overflow when due, then position and estimated wait (over hold music only). */
  private async queueCheck(s: Session): Promise<void> {
    delete s.queueTimer;
    if (s.hangup || !s.state.queue) return;
    const now = this.now();
    const standing = await this.o.acd.standing(s.info.callId);
    if (!standing) return;
    if (standing.state === 'waiting') {
      const queue = this.o.acdPolicy.queues.get(standing.queue);
      const to = queue ? overflowTarget(queue, now - standing.inQueueSinceMs) : undefined;
      if (to) {
        // Overflow to the general queue (or wherever configured), keeping the caller's arrival time.
        const { position } = await this.o.acd.move(s.info.callId, to);
        s.lastQueue = to;
        s.lastPosition = position;
        this.o.onQueue?.({ type: 'moved', callId: s.info.callId, queue: to, why: 'overflow' });
        await this.step(s, { type: 'queue.overflowed', to });
        s.log.info({ from: standing.queue, to }, 'queue overflow');
        this.scheduleQueueCheck(s);
        return;
      }
      // The latest announcement boundary passed; each is announced once (an overflow check may fire between).
      const from = s.announceFromMs ?? now;
      const boundary = queue ? nextAnnouncementAtMs(queue, from, now) - queue.announceEverySec * 1000 : from;
      if (queue && boundary > from && boundary !== s.lastAnnouncedAtMs) {
        s.lastAnnouncedAtMs = boundary;
        const offer = this.o.callbackOffer && !s.callbackRequested && callbackOfferDue(queue, now - standing.enqueuedAtMs);
        const media = announcementPrompts(standing.position, standing.estimatedWaitSec, offer);
        await this.step(s, {
          type: 'queue.status',
          media,
          position: standing.position,
          callbackOffered: offer,
          ...(standing.estimatedWaitSec !== undefined ? { estimatedWaitSec: standing.estimatedWaitSec } : {}),
        });
      }
    }
    this.scheduleQueueCheck(s);
  }

  private post(callId: CallId, event: IvrEvent): void {
    const s = this.sessions.get(callId);
    if (s) this.enqueue(s, () => this.step(s, event));
  }

  private enqueue(s: Session, work: () => Promise<void>): void {
    s.chain = s.chain.then(work).catch((err: unknown) => {
      const e = err as { code?: string };
      if (e.code === 'NO_SUCH_CALL') return; // the caller hung up under a command: the hang-up event follows
      s.log.error({ err }, 'IVR step failed');
    });
  }

  private async step(s: Session, event: IvrEvent): Promise<void> {
    const { state, commands } = this.o.machine.step(s.state, event);
    s.state = state;
    for (const c of commands) await this.exec(s, c);
  }

  private async exec(s: Session, c: IvrCommand): Promise<void> {
    const sw = this.o.switch;
    const id = s.info.callId;
    const live = !s.hangup;
    switch (c.do) {
      case 'play':
        if (!live) return;
        s.mediaKind = 'play';
        void sw.play(id, this.o.media(c.media)).then(
          () => this.post(id, { type: 'media.done', token: c.token }),
          () => undefined,
        );
        return;
      case 'collect':
        if (!live) return;
        s.mediaKind = 'collect';
        void sw.collectDigits(id, { ...c.request, media: this.o.media(c.request.media) }).then(
          (result) => this.post(id, { type: 'digits', token: c.token, result }),
          () => undefined,
        );
        return;
      case 'hold':
        if (!live) return;
        s.mediaKind = 'hold';
        await sw.hold(id, this.o.media(c.media));
        return;
      case 'stop-media':
        if (!live || !s.mediaKind) return;
        if (s.mediaKind === 'hold') await sw.unhold(id);
        else await sw.stopPlayback(id);
        delete s.mediaKind;
        return;
      case 'enter-queue': {
        if (!live) return;
        const now = this.now();
        s.firstQueuedAtMs ??= now;
        s.announceFromMs = now;
        const { position } = await this.o.acd.enqueue({ callId: id, queue: c.queue, priority: c.priority, enqueuedAtMs: s.firstQueuedAtMs, owner: this.o.instanceId });
        s.lastQueue = c.queue;
        s.lastPosition = position;
        this.o.onQueue?.({ type: 'entered', callId: id, queue: c.queue });
        this.scheduleQueueCheck(s);
        return;
      }
      case 'move-queue': {
        const { position } = await this.o.acd.move(id, c.to);
        s.lastQueue = c.to;
        s.lastPosition = position;
        s.announceFromMs = this.now();
        this.o.onQueue?.({ type: 'moved', callId: id, queue: c.to, why: 'key' });
        this.scheduleQueueCheck(s);
        return;
      }
      case 'leave-queue': {
        this.clearQueueCheck(s);
        const { releasedAgent } = await this.o.acd.remove(id);
        this.o.onQueue?.({ type: 'left', callId: id, queue: c.queue, ...(releasedAgent ? { releasedAgent } : {}) });
        return;
      }
      case 'transfer-emergency': {
        const number = this.o.emergency.numbers[c.line];
        s.emergencyLine = c.line;
        s.log.warn({ line: c.line }, 'emergency transfer');
        void sw.transfer(id, { kind: 'gateway', gateway: this.o.emergency.trunk, number }).then(
          () => this.post(id, { type: 'transfer.done', ok: true }),
          (err: unknown) => {
            s.log.error({ err, line: c.line }, 'emergency transfer failed; caller goes ahead of the queue');
            this.post(id, { type: 'transfer.done', ok: false });
          },
        );
        return;
      }
      case 'query-progress':
        void this.o.query.progress(c.workOrder, s.citizenKey.startsWith('tel:') ? s.citizenKey.slice(4) : undefined).then(
          (a) => this.post(id, { type: 'progress.answer', answer: a.found ? { found: true, status: a.status } : { found: false } }),
          (err: unknown) => {
            s.log.warn({ err }, 'work-order progress query failed');
            this.post(id, { type: 'progress.answer', answer: { unavailable: true } });
          },
        );
        return;
      case 'request-callback': {
        // Keep my place (virtual hold): the callback keeps the caller's place in their queue and is
        // dialled in their turn; asked outside a queue it is a busy-time callback (art. 13), as is
        // the one of a call captured at overload (origin overload, the queue it would have waited in).
        const queue = c.queue ?? s.state.queue ?? s.lastQueue ?? this.o.acdPolicy.general;
        const place = s.state.queue && s.firstQueuedAtMs !== undefined ? { queue: s.state.queue, priority: s.state.priority, enqueuedAtMs: s.firstQueuedAtMs } : undefined;
        void this.o.callbacks
          .ask({
            ...this.askerOf(s, !!s.emergencyLine),
            kind: place ? 'keep-place' : 'busy-time',
            origin: c.origin ?? 'requested',
            queue,
            ...(place ? { place } : {}),
          })
          .then(
            (outcome) => {
              s.callbackRequested = outcome !== 'refused';
              this.post(id, { type: 'callback.stored', outcome });
            },
            (err: unknown) => {
              s.log.warn({ err }, 'callback request not stored');
              this.post(id, { type: 'callback.stored', outcome: 'failed' });
            },
          );
        return;
      }
      case 'hangup':
        if (live) await sw.hangup(id, c.cause);
        return;
      case 'fact':
        await this.fact(s, c.fact);
        return;
      case 'finish':
        s.disposition = c.disposition;
        if (c.reason) s.reason = c.reason;
        return;
    }
  }

  /**
   * Callbacks after the hang-up (issue 6): a caller who had asked for one left (a keep-my-place
   * callback takes their place now); a caller who abandoned after waiting longer than the policy's
   * few seconds gets a busy-time callback (art. 13 of seeds/002; the policy refuses short waits,
   * emergencies and restricted callers).
   */
  private async afterHangup(s: Session, record: CallDetailRecord): Promise<void> {
    if (s.callbackRequested) {
      await this.o.callbacks.callerLeft(s.citizenKey);
      return;
    }
    const base = { ...this.askerOf(s, !!record.emergencyLine), kind: 'busy-time' as const };
    if (FAULT_HANGUP_CAUSES.has(record.hangupCause) && record.disposition !== 'emergency-transferred') {
      // Dropped by a fault (the switch, the network), whatever stage the call was at: called back.
      await this.o.callbacks.ask({ ...base, origin: 'fault', queue: s.lastQueue ?? this.o.acdPolicy.general });
      return;
    }
    if (record.disposition !== 'abandoned' || !s.lastQueue || s.firstQueuedAtMs === undefined) return;
    await this.o.callbacks.ask({ ...base, origin: 'abandoned', queue: s.lastQueue, waitedMs: Math.max(0, Date.parse(record.endTime) - s.firstQueuedAtMs) });
  }

  /** The caller's part of every callback ask: who, on which call, and what the policy refuses (emergencies, restricted callers, withheld numbers). */
  private askerOf(s: Session, emergency: boolean): Pick<CallbackAskInput, 'citizenKey' | 'number' | 'callId' | 'emergency' | 'restricted'> {
    return {
      citizenKey: s.citizenKey,
      ...(s.citizenKey.startsWith('tel:') ? { number: s.citizenKey.slice(4) } : {}),
      callId: s.info.callId,
      emergency,
      restricted: s.state.restricted,
    };
  }

  private async fact(s: Session, fact: IvrFact): Promise<void> {
    const { type, ...rest } = fact;
    const detail: Record<string, string> = {};
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) detail[k] = String(v);
    if (type === 'queue.entered' && s.lastPosition !== undefined) detail.position = String(s.lastPosition);
    const f: CallFact = { at: new Date().toISOString(), type, ...(Object.keys(detail).length ? { detail } : {}) };
    s.facts.push(f);
    await this.o.calls.appendFact(s.info.callId, f).catch((err: unknown) => s.log.warn({ err }, 'call fact not saved'));
  }

  /** After the hang-up: the recording's checksum and metadata, then the one CDR of the call. */
  private async finish(s: Session): Promise<void> {
    const id = s.info.callId;
    this.clearQueueCheck(s);
    try {
      const rec = s.recording;
      const endTime = s.hangup?.at ?? new Date().toISOString();
      if (rec) {
        const missing = await completeRecording(rec, s.recordingFinished, endTime, this.o.recordingWaitMs ?? 10_000);
        if (missing) s.log.error({ err: missing }, 'recording file missing');
      }
      const facts = await factsOf(this.o.calls, s);
      // An agent's emergency handoff (call control) marks the record for its line too.
      const emergencyLine = s.emergencyLine ?? facts.find((f) => f.type === 'emergency.handoff.answered')?.detail?.line;
      if (rec) {
        if (s.agentId) rec.agentId = s.agentId;
        await this.o.calls.saveRecording(rec);
      }
      const record: CallDetailRecord = {
        callId: id,
        switchId: s.info.switchId,
        direction: s.info.direction,
        caller: s.info.caller,
        citizenKey: s.citizenKey,
        dialled: s.info.dialled,
        entry: s.info.entry,
        disposition: s.disposition ?? (s.state.queue ? 'abandoned' : 'ended-in-ivr'),
        ...(s.reason ? { reason: s.reason } : {}),
        ...(s.lastQueue ? { queue: s.lastQueue } : {}),
        priority: s.state.priority,
        ...(emergencyLine ? { emergencyLine } : {}),
        ...(s.agentId ? { agentId: s.agentId } : {}),
        arrivedTime: s.info.createdAt,
        ...(s.answeredTime ? { answeredTime: s.answeredTime } : {}),
        ...(s.connectedTime ? { connectedTime: s.connectedTime } : {}),
        endTime,
        durationSec: durationSec(s.info.createdAt, endTime),
        hangupCause: s.hangup?.cause ?? 'NORMAL_CLEARING',
        callbackRequested: s.callbackRequested,
        ...(rec ? { recording: rec } : {}),
        facts,
      };
      await this.o.callRecords.record(record, s.log);
      await this.afterHangup(s, record).catch((err: unknown) => s.log.warn({ err }, 'callback not asked after the hang-up'));
      s.log.info({ disposition: record.disposition, durationSec: record.durationSec }, 'call ended');
    } finally {
      this.sessions.delete(id);
      s.resolveFinished();
    }
  }
}

/**
 * The call's facts as stored: the IVR's own and those other services appended (call control's
 * transfers and conferences), in time order; a fact of ours the store missed is kept too.
 */
async function factsOf(calls: CallStore, s: { info: CallInfo; facts: CallFact[]; log: Logger }): Promise<CallFact[]> {
  try {
    const stored = await calls.facts(s.info.callId);
    const seen = new Set(stored.map((f) => JSON.stringify(f)));
    const missing = s.facts.filter((f) => !seen.has(JSON.stringify(f)));
    return [...stored, ...missing].sort((a, b) => a.at.localeCompare(b.at));
  } catch (err) {
    s.log.warn({ err }, 'call facts not read back; the record has the IVR\'s own');
    return s.facts;
  }
}

