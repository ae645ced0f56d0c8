import type { Logger } from '../log/logger.js';
import type { CallOwnership } from '../core/ports/call-ownership.js';
import type {
  CallId,
  CallInfo,
  CollectDigitsRequest,
  Endpoint,
  HangupCause,
  OriginateRequest,
  Switch,
  SwitchEvent,
  SwitchEventListener,
} from '../core/ports/switch.js';
import { SwitchListeners } from '../core/ports/switch.js';
import type { ObservedEnd } from '../core/calls/lapsed-record.js';

export interface OwnedSwitchOptions {
  /** How often leases are renewed and lapsed calls looked for (a third of the lease). */
  renewEveryMs: number;
  /**
   * A call whose owner stopped and that ended before this instance could take it over: its owner
   * will never write its record, so this instance does (art. 17: every call archived). Called once,
   * by the instance that claimed the lapsed lease.
   */
  onLapsed?: (call: CallInfo, ended?: ObservedEnd) => Promise<void>;
  /**
   * After a call this instance owns hung up: resolves once whoever drove it has queued its record
   * (the IVR runner's `finished`), undefined when nothing is pending. The lease is kept — renewed —
   * until then, so an instance dying between the hang-up and its record leaves a lease that lapses
   * unreleased, and a watcher records the call (onLapsed) instead of nobody.
   */
  recordQueued?: (callId: CallId) => Promise<void> | undefined;
  log: Logger;
}

/** A call adopted while bridged: the leg it talks with, and its recording's close (RECORD_STOP). */
interface Adopted {
  call: CallInfo;
  partner?: CallId;
  recorded: () => void;
  recording: Promise<void>;
}

function callOf(event: SwitchEvent): CallId | undefined {
  switch (event.type) {
    case 'call.arrived':
      return event.call.callId;
    case 'switch.connected':
    case 'switch.disconnected':
      return undefined;
    default:
      return event.callId;
  }
}

/**
 * A Switch that passes on only the calls this instance owns. Every instance watching a FreeSWITCH
 * sees every call arrive; each races to claim it in Redis, the winner drives it and the others
 * keep it under watch. When the owner's lease lapses (it died), a watcher claims the call, checks
 * with the switch that it is still live, and takes it over as an arrival of its own.
 * Commands pass straight through (routing an agent's command to the owner comes with the ACD).
 */
export class OwnedSwitch implements Switch {
  readonly id: string;
  private readonly listeners: SwitchListeners;
  private readonly owned = new Set<CallId>();
  private readonly watched = new Map<CallId, CallInfo>();
  /**
   * Watched calls that ended, kept for a few leases: if the owner's lease lapses without a release
   * (it died before the hang-up), the call is claimed here and recorded through onLapsed.
   */
  private readonly endedWatched = new Map<CallId, { call: CallInfo; untilMs: number }>();
  /** Our calls that hung up and whose record is not queued yet: their leases are still renewed. */
  private readonly closing = new Set<CallId>();
  /**
   * Calls taken over while bridged with an agent: not driven (the IVR would start again over the
   * conversation), kept up under our lease, recorded when they end (onLapsed, with the end seen).
   */
  private readonly adopted = new Map<CallId, Adopted>();
  /** Events of a call that came while its claim was still in flight, replayed once it is ours. */
  private readonly claiming = new Map<CallId, SwitchEvent[]>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private ticks = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly inner: Switch,
    private readonly ownership: CallOwnership,
    private readonly opts: OwnedSwitchOptions,
  ) {
    this.id = inner.id;
    this.listeners = new SwitchListeners((err, event) => opts.log.error({ err, event: event.type }, 'switch event listener threw'));
    this.unsubscribe = inner.on((e) => this.onEvent(e));
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.renewEveryMs);
    this.timer.unref?.();
  }

  /** Stops renewing; the leases lapse and other instances take the calls over. */
  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  ownedCalls(): CallId[] {
    return [...this.owned];
  }

  on(listener: SwitchEventListener): () => void {
    return this.listeners.add(listener);
  }

  private emit(event: SwitchEvent): void {
    this.listeners.emit(event);
  }

  private onEvent(event: SwitchEvent): void {
    const callId = callOf(event);
    if (callId === undefined) {
      this.emit(event);
      return;
    }
    if (event.type === 'call.arrived') {
      this.claiming.set(callId, []);
      this.ownership.claim(callId, event.call).then(
        (mine) => {
          const held = this.claiming.get(callId) ?? [];
          this.claiming.delete(callId);
          if (!mine) {
            if (!held.some((e) => e.type === 'call.hungup')) this.watched.set(callId, event.call);
            return;
          }
          this.owned.add(callId);
          this.emit(event);
          for (const e of held) this.onEvent(e);
        },
        (err: unknown) => {
          // Redis unreachable: nobody can be sure of owning it; the lease sweep retries.
          this.claiming.delete(callId);
          this.watched.set(callId, event.call);
          this.opts.log.warn({ callId, err: (err as Error).message }, 'could not claim call');
        },
      );
      return;
    }
    const held = this.claiming.get(callId);
    if (held) {
      held.push(event);
      return;
    }
    const adopted = this.adopted.get(callId);
    if (adopted) {
      if (event.type === 'recording.finished') adopted.recorded();
      if (event.type === 'call.hungup') {
        // Recorded once; the lease is renewed (closing) until it is released.
        this.adopted.delete(callId);
        this.closing.add(callId);
        void this.endAdopted(adopted, { at: event.at, cause: event.cause }).finally(() => this.closing.delete(callId));
      }
      return;
    }
    if (event.type === 'call.hungup') {
      const watched = this.watched.get(callId);
      // Two leases (a release marks the call ended for four: RedisCallOwnership).
      if (watched && this.opts.onLapsed) this.endedWatched.set(callId, { call: watched, untilMs: Date.now() + 6 * this.opts.renewEveryMs });
      this.watched.delete(callId);
      if (this.owned.delete(callId)) {
        this.emit(event);
        this.releaseOnceRecorded(callId);
      }
      return;
    }
    if (this.owned.has(callId)) this.emit(event);
  }

  /** Releases an ended call of ours once its record is queued (RedisCallOwnership marks it ended). */
  private releaseOnceRecorded(callId: CallId): void {
    const release = () => void this.ownership.release(callId).catch(() => undefined); // the lease lapses anyway
    const pending = this.opts.recordQueued?.(callId);
    if (!pending) return release();
    this.closing.add(callId);
    void pending
      .catch(() => undefined)
      .then(() => {
        // Lost meanwhile (Redis was away past the lease): the taker-over records it, not us.
        if (this.closing.delete(callId)) release();
      });
  }

  /** Renews our leases, then claims watched calls whose owner's lease lapsed. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const lost = await this.ownership.renew([...this.owned, ...this.closing, ...this.adopted.keys()]);
      for (const callId of lost) {
        this.closing.delete(callId);
        this.adopted.delete(callId);
        if (!this.owned.delete(callId)) continue;
        this.opts.log.warn({ callId }, 'lost the lease of a call; another instance drives it now');
      }
      await this.sweepEnded();
      const candidates: CallInfo[] = [];
      for (const [callId, info] of this.watched) {
        if (await this.ownership.claim(callId, info)) candidates.push(info);
      }
      if (this.ticks++ % 3 === 0) await this.sweepUnseen();
      if (candidates.length === 0) return;
      // Reconcile with the switch before driving: the call may have ended unseen.
      const live = new Map((await this.inner.liveCalls()).map((c) => [c.callId, c]));
      for (const info of candidates) {
        this.watched.delete(info.callId);
        const now = live.get(info.callId);
        if (!now) {
          await this.lapsed(info);
          continue;
        }
        if (now.bridged) {
          let recorded!: () => void;
          const recording = new Promise<void>((r) => (recorded = r));
          this.adopted.set(info.callId, { call: info, ...(now.bridged.with ? { partner: now.bridged.with } : {}), recorded, recording });
          this.opts.log.warn({ callId: info.callId, partner: now.bridged.with }, 'adopted a call whose owner stopped while it was bridged: left talking, recorded when it ends');
          continue;
        }
        this.owned.add(info.callId);
        this.opts.log.info(
          { callId: info.callId },
          'took over a call whose owner stopped renewing its lease',
        );
        this.emit({ type: 'call.arrived', call: { ...info, answered: now.answered } });
      }
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'call lease sweep failed');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Once a lease, the live-call registry: a call this instance never saw end (it was not running —
   * a restart —, or started after the call did) whose owner stopped before its record was queued,
   * and that the switch no longer has, is recorded here. One still up is left to the takeover of
   * parked calls (the switch's reconciliation announces those) or, bridged, to go on: it is
   * recorded by the sweep after it ends.
   */
  private async sweepUnseen(): Promise<void> {
    const known = (id: CallId) => this.owned.has(id) || this.watched.has(id) || this.closing.has(id) || this.claiming.has(id) || this.endedWatched.has(id) || this.adopted.has(id);
    const unseen = (await this.ownership.unreleased()).filter((id) => !known(id));
    if (unseen.length === 0) return;
    // Asked before claiming: a claimable call (its lease lapsed a lease ago or more) missing from
    // the switch's list has ended.
    const live = new Set((await this.inner.liveCalls()).map((c) => c.callId));
    for (const callId of unseen) {
      if (live.has(callId) || known(callId) || !(await this.ownership.claim(callId))) continue;
      const info = await this.ownership.registered(callId);
      if (info) await this.lapsed(info);
      else await this.ownership.release(callId);
    }
  }

  /**
   * Ended watched calls: claimable means the owner's lease lapsed unreleased — it died before the
   * call's record was queued. Still owned means its owner is still writing the record: watched on.
   */
  private async sweepEnded(): Promise<void> {
    const now = Date.now();
    for (const [callId, entry] of this.endedWatched) {
      if (await this.ownership.claim(callId)) {
        this.endedWatched.delete(callId);
        await this.lapsed(entry.call);
      } else if (now > entry.untilMs) {
        if (await this.ownership.owner(callId)) entry.untilMs = now + 3 * this.opts.renewEveryMs;
        else this.endedWatched.delete(callId); // its owner released it: recorded there
      }
    }
  }

  /** A call that ended with nobody owning it: recorded here (onLapsed), then given up. */
  private async lapsed(call: CallInfo, ended?: ObservedEnd): Promise<void> {
    await this.opts.onLapsed?.(call, ended).catch((err: unknown) => this.opts.log.error({ err, callId: call.callId }, 'record of a lapsed call not queued'));
    await this.ownership.release(call.callId);
  }

  /**
   * An adopted call ended: the leg it was bridged with (the agent's phone, whose owner is gone) is
   * hung up, the recording given a moment to be closed, then the call is recorded and released.
   */
  private async endAdopted(a: Adopted, ended: ObservedEnd): Promise<void> {
    if (a.partner) await this.inner.hangup(a.partner).catch(() => undefined);
    await Promise.race([a.recording, new Promise((r) => setTimeout(r, 2000).unref?.())]);
    await this.lapsed(a.call, ended);
  }

  answer(callId: CallId): Promise<void> {
    return this.inner.answer(callId);
  }
  play(callId: CallId, media: string): Promise<{ interrupted: boolean }> {
    return this.inner.play(callId, media);
  }
  stopPlayback(callId: CallId): Promise<void> {
    return this.inner.stopPlayback(callId);
  }
  collectDigits(callId: CallId, request: CollectDigitsRequest): ReturnType<Switch['collectDigits']> {
    return this.inner.collectDigits(callId, request);
  }
  hold(callId: CallId, musicMedia?: string): Promise<void> {
    return this.inner.hold(callId, musicMedia);
  }
  unhold(callId: CallId): Promise<void> {
    return this.inner.unhold(callId);
  }
  bridge(callId: CallId, otherCallId: CallId): Promise<void> {
    return this.inner.bridge(callId, otherCallId);
  }
  startRecording(callId: CallId, path: string): Promise<void> {
    return this.inner.startRecording(callId, path);
  }
  stopRecording(callId: CallId, path: string): Promise<void> {
    return this.inner.stopRecording(callId, path);
  }
  conferenceJoin(callId: CallId, conference: string, flags?: string[]): Promise<void> {
    return this.inner.conferenceJoin(callId, conference, flags);
  }
  conferenceLeave(callId: CallId, conference: string): Promise<void> {
    return this.inner.conferenceLeave(callId, conference);
  }
  async originate(request: OriginateRequest): ReturnType<Switch['originate']> {
    const result = await this.inner.originate(request);
    // A leg this instance placed is this instance's to drive.
    if (result.callId && (await this.ownership.claim(result.callId))) this.owned.add(result.callId);
    return result;
  }
  transfer(callId: CallId, endpoint: Endpoint): Promise<void> {
    return this.inner.transfer(callId, endpoint);
  }
  hangup(callId: CallId, cause?: HangupCause): Promise<void> {
    return this.inner.hangup(callId, cause);
  }
  liveCalls(): Promise<CallInfo[]> {
    return this.inner.liveCalls();
  }
}
