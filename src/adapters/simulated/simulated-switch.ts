import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  SwitchError,
  SwitchListeners,
  type CallEntry,
  type CallId,
  type CallInfo,
  type CollectDigitsRequest,
  type CollectDigitsResult,
  type Endpoint,
  type HangupCause,
  type OriginateOutcome,
  type OriginateRequest,
  type Switch,
  type SwitchEvent,
  type SwitchEventListener,
} from '../../core/ports/switch.js';
import { renderCallWav } from './wav.js';

/** How a virtual endpoint (agent phone, emergency operator, trunk number) treats a leg offered to it. */
export interface EndpointBehaviour {
  /** invalid-number: the carrier knows no such number (UNALLOCATED_NUMBER). */
  answer: 'answer' | 'busy' | 'no-answer' | 'reject' | 'invalid-number';
  /** Ringing time before it answers. */
  answerAfterMs?: number;
  /** What the person who answers an outbound leg does (keys, hang-up), timed from the answer. */
  script?: CallScript;
}

/** Scripted actions of a virtual person on a call, timed from the moment the call is answered. */
export type CallScript = Array<{ atMs: number; press: string } | { atMs: number; hangup: true }>;

export interface SimulatedSwitchOptions {
  id?: string;
  /** How long a medium plays; hold music plays until unhold. Default 300 ms. */
  mediaDurationMs?: (media: string) => number;
  /** How long an unanswered leg rings before NO_ANSWER (capped by the request's timeout). */
  noAnswerAfterMs?: number;
  /** Behaviour of endpoints nobody configured. */
  defaultEndpoint?: EndpointBehaviour;
}

export interface PlaceCallRequest {
  caller: string;
  dialled?: string;
  callerName?: string;
  entry?: CallEntry;
  /** Scripted actions, timed from the moment the call is answered. */
  script?: CallScript;
}

type Media =
  | { kind: 'play'; media: string; timer: NodeJS.Timeout; resolve: (r: { interrupted: boolean }) => void }
  | { kind: 'hold'; media: string }
  | { kind: 'collect'; media: string; onDigit: (d: string) => void; end: (r: CollectDigitsResult) => void };

interface SimCall {
  info: CallInfo;
  state: 'ringing' | 'answered' | 'ended';
  media?: Media;
  /** Prompts and music in the order the caller heard them (heard = started). */
  heard: string[];
  /** Recordings running on the call by path (FreeSWITCH records one channel to several files at once). */
  recordings: Map<string, { path: string; startedAt: number; tones: { atMs: number; digit: string }[] }>;
  bridgedWith?: CallId;
  transferredTo?: Endpoint;
  conferences: Set<string>;
  timers: NodeJS.Timeout[];
  hangupCause?: HangupCause;
  waiters: Array<() => void>;
  ended: Promise<HangupCause>;
  resolveEnded: (cause: HangupCause) => void;
}

export function endpointKey(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'gateway':
      return `gateway:${endpoint.gateway}/${endpoint.number}`;
    case 'user':
      return `user:${endpoint.user}`;
    case 'uri':
      return `uri:${endpoint.uri}`;
  }
}

/** What a test or a demo holds of a virtual caller: keys to press, a receiver to put down, what it heard. */
export class VirtualCaller {
  constructor(
    private readonly sw: SimulatedSwitch,
    readonly callId: CallId,
  ) {}

  get heard(): readonly string[] {
    return this.sw.callState(this.callId).heard;
  }
  get transferredTo(): Endpoint | undefined {
    return this.sw.callState(this.callId).transferredTo;
  }
  get state(): 'ringing' | 'answered' | 'ended' {
    return this.sw.callState(this.callId).state;
  }
  /** The leg this call is bridged with now, if any. */
  get bridgedWith(): CallId | undefined {
    return this.sw.callState(this.callId).bridgedWith;
  }
  /** The conferences this call is in now. */
  get conferences(): readonly string[] {
    return [...this.sw.callState(this.callId).conferences];
  }
  /** What the caller hears now: a prompt, hold music or nothing. */
  get hearing(): { kind: 'play' | 'hold' | 'collect'; media: string } | undefined {
    const m = this.sw.callState(this.callId).media;
    return m ? { kind: m.kind, media: m.media } : undefined;
  }
  get ended(): Promise<HangupCause> {
    return this.sw.callState(this.callId).ended;
  }

  /** Presses keys one after the other, gapMs apart. */
  async press(keys: string, gapMs = 30): Promise<void> {
    for (const [i, k] of [...keys].entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      this.sw.dtmf(this.callId, k);
    }
  }

  hangup(): Promise<void> {
    return this.sw.hangup(this.callId, 'NORMAL_CLEARING');
  }

  /** Resolves when the caller starts hearing this medium (or has heard it `nth` times). */
  waitForMedia(media: string, options: { timeoutMs?: number; nth?: number } = {}): Promise<void> {
    const nth = options.nth ?? 1;
    return this.waitUntil(() => this.heard.filter((m) => m === media).length >= nth, `media ${media}`, options.timeoutMs);
  }

  waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return this.sw.waitUntil(this.callId, predicate, what, timeoutMs);
  }
}

/**
 * An in-process Switch with virtual callers and endpoints, for tests and for `npm start` when no
 * FreeSWITCH is configured (telephony is then simulated, and the banner and /healthz say so).
 * It keeps the habits of the real switch that the layers above depend on: events arrive
 * asynchronously and in order; a key press interrupts digit collection but not a plain prompt;
 * hold music lasts until unhold or a bridge; recordings are real WAV files written at the end.
 */
export class SimulatedSwitch implements Switch {
  readonly id: string;
  private readonly listeners: SwitchListeners;
  private readonly calls = new Map<CallId, SimCall>();
  private readonly endpoints = new Map<string, EndpointBehaviour>();
  private readonly writes = new Set<Promise<void>>();

  constructor(private readonly options: SimulatedSwitchOptions = {}) {
    this.id = options.id ?? 'simulated';
    // No logger here: a listener that throws is reported on stderr and the others still run.
    this.listeners = new SwitchListeners((err, event) => process.stderr.write(`simulated switch: listener threw on ${event.type}: ${String(err)}\n`));
  }

  // --- the virtual world ---

  /** Sets how an endpoint answers legs offered to it (e.g. 'gateway:emergency/110', 'user:1001'). */
  endpoint(key: string, behaviour: EndpointBehaviour): void {
    this.endpoints.set(key, behaviour);
  }

  placeCall(request: PlaceCallRequest): VirtualCaller {
    const callId = randomUUID();
    const call = this.newCall({
      callId,
      switchId: this.id,
      direction: 'inbound',
      caller: request.caller,
      ...(request.callerName ? { callerName: request.callerName } : {}),
      dialled: request.dialled ?? '12345',
      entry: request.entry ?? { kind: 'citizen' },
      sipCallId: `sim-${callId}`,
      answered: false,
      createdAt: new Date().toISOString(),
    });
    if (request.script?.length) {
      const script = request.script;
      void this.waitUntil(callId, () => call.state !== 'ringing', 'answer', 60_000).then(
        () => this.runScript(call, script),
        () => undefined,
      );
    }
    this.emit({ type: 'call.arrived', call: { ...call.info } });
    return new VirtualCaller(this, callId);
  }

  caller(callId: CallId): VirtualCaller {
    this.callState(callId);
    return new VirtualCaller(this, callId);
  }

  /** A key pressed on the call's phone. */
  dtmf(callId: CallId, digit: string): void {
    const call = this.calls.get(callId);
    if (!call || call.state !== 'answered') return;
    for (const rec of call.recordings.values()) rec.tones.push({ atMs: Date.now() - rec.startedAt, digit });
    this.emit({ type: 'dtmf', callId, digit });
    if (call.media?.kind === 'collect') call.media.onDigit(digit);
  }

  /** Internal state of a call, for VirtualCaller and the dev HTTP surface. */
  callState(callId: CallId): SimCall {
    const call = this.calls.get(callId);
    if (!call) throw new SwitchError('NO_SUCH_CALL', `no call ${callId}`);
    return call;
  }

  /** Every call the switch has seen, ended ones too (newest last). */
  allCalls(): CallInfo[] {
    return [...this.calls.values()].map((c) => c.info);
  }

  waitUntil(callId: CallId, predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const call = this.callState(callId);
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        call.waiters = call.waiters.filter((w) => w !== check);
        reject(new Error(`call ${callId}: timed out waiting for ${what}; heard ${JSON.stringify(call.heard)}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        call.waiters = call.waiters.filter((w) => w !== check);
        resolve();
      };
      call.waiters.push(check);
    });
  }

  /** Waits for recordings still being written (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.writes.size) await Promise.all([...this.writes]);
  }

  // --- Switch ---

  on(listener: SwitchEventListener): () => void {
    return this.listeners.add(listener);
  }

  async answer(callId: CallId): Promise<void> {
    const call = this.live(callId);
    if (call.state === 'answered') return;
    call.state = 'answered';
    call.info.answered = true;
    this.changed(call);
    this.emit({ type: 'call.answered', callId });
  }

  async play(callId: CallId, media: string): Promise<{ interrupted: boolean }> {
    const call = this.answered(callId);
    this.endMedia(call);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (call.media?.kind === 'play' && call.media.timer === timer) delete call.media;
        this.changed(call);
        resolve({ interrupted: false });
      }, this.duration(media));
      call.media = { kind: 'play', media, timer, resolve };
      call.heard.push(media);
      this.changed(call);
    });
  }

  async stopPlayback(callId: CallId): Promise<void> {
    const call = this.live(callId);
    if (call.media?.kind === 'play' || call.media?.kind === 'collect') this.endMedia(call);
  }

  async collectDigits(callId: CallId, request: CollectDigitsRequest): Promise<CollectDigitsResult> {
    const call = this.answered(callId);
    this.endMedia(call);
    const tries = Math.max(1, request.tries ?? 1);
    const terminators = request.terminators ?? '';
    const pattern = request.pattern ? new RegExp(request.pattern) : undefined;
    return new Promise((resolve) => {
      let attempt = 0;
      let buffer = '';
      let timer: NodeJS.Timeout | undefined;
      let promptTimer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (result: CollectDigitsResult) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(promptTimer);
        if (call.media?.kind === 'collect' && call.media.end === end) delete call.media;
        this.changed(call);
        resolve(result);
      };
      const judge = (timedOut: boolean) => {
        const ok = buffer.length >= request.min && (!pattern || pattern.test(buffer));
        if (ok) return finish({ digits: buffer, outcome: 'ok' });
        const outcome = timedOut && buffer === '' ? 'timeout' : 'invalid';
        if (++attempt < tries) return start(request.invalidMedia);
        finish({ digits: buffer, outcome });
      };
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => judge(true), ms);
      };
      const onDigit = (d: string) => {
        if (done) return;
        clearTimeout(promptTimer); // a key interrupts the prompt (play_and_get_digits does)
        if (terminators.includes(d)) return judge(false);
        buffer += d;
        if (buffer.length >= request.max) return judge(false);
        arm(request.interDigitTimeoutMs ?? request.timeoutMs);
      };
      const end = (r: CollectDigitsResult) => finish(r);
      const start = (invalidMedia?: string) => {
        buffer = '';
        clearTimeout(timer);
        const prompts = invalidMedia ? [invalidMedia, request.media] : [request.media];
        call.media = { kind: 'collect', media: request.media, onDigit, end };
        let wait = 0;
        for (const p of prompts) {
          call.heard.push(p);
          wait += this.duration(p);
        }
        this.changed(call);
        promptTimer = setTimeout(() => arm(request.timeoutMs), wait);
      };
      start();
    });
  }

  async hold(callId: CallId, musicMedia = 'hold-music'): Promise<void> {
    const call = this.answered(callId);
    // As on FreeSWITCH: a held call leaves its bridge; the other leg stays up (port: hold).
    this.unbridge(call);
    this.endMedia(call);
    call.media = { kind: 'hold', media: musicMedia };
    call.heard.push(musicMedia);
    this.changed(call);
  }

  async unhold(callId: CallId): Promise<void> {
    const call = this.live(callId);
    if (call.media?.kind === 'hold') {
      delete call.media;
      this.changed(call);
    }
  }

  async bridge(callId: CallId, otherCallId: CallId): Promise<void> {
    const a = this.answered(callId);
    const b = this.answered(otherCallId);
    if (a.bridgedWith === otherCallId) return;
    this.endMedia(a);
    this.endMedia(b);
    // Like uuid_bridge: each leg leaves its earlier bridge or conference; the former partners stay
    // up (call control brings them elsewhere), they are not hung up (port: bridge).
    this.unbridge(a);
    this.unbridge(b);
    this.leaveConferences(a);
    this.leaveConferences(b);
    a.bridgedWith = otherCallId;
    b.bridgedWith = callId;
    this.changed(a);
    this.emit({ type: 'call.bridged', callId, otherCallId });
    this.emit({ type: 'call.bridged', callId: otherCallId, otherCallId: callId });
  }

  async startRecording(callId: CallId, path: string): Promise<void> {
    const call = this.answered(callId);
    call.recordings.set(path, { path, startedAt: Date.now(), tones: [] });
  }

  async stopRecording(callId: CallId, path: string): Promise<void> {
    const call = this.live(callId);
    if (call.recordings.has(path)) this.finishRecording(call, path);
  }

  async conferenceJoin(callId: CallId, conference: string): Promise<void> {
    const call = this.answered(callId);
    this.endMedia(call);
    // Joining a conference ends the leg's bridge (FreeSWITCH transfers it to the conference app);
    // the former partner stays up. A leg is in one conference at a time.
    this.unbridge(call);
    if (!call.conferences.has(conference)) this.leaveConferences(call);
    call.conferences.add(conference);
    this.emit({ type: 'conference.joined', callId, conference });
  }

  async conferenceLeave(callId: CallId, conference: string): Promise<void> {
    const call = this.live(callId);
    if (call.conferences.delete(conference)) this.emit({ type: 'conference.left', callId, conference });
  }

  async originate(request: OriginateRequest): Promise<{ callId?: CallId; outcome: OriginateOutcome; cause?: string }> {
    const behaviour = this.behaviourOf(request.endpoint);
    const ring = Math.min(request.timeoutSec * 1000, behaviour.answer === 'no-answer' ? (this.options.noAnswerAfterMs ?? 300) : (behaviour.answerAfterMs ?? 20));
    await new Promise((r) => setTimeout(r, ring));
    switch (behaviour.answer) {
      case 'busy':
        return { outcome: 'busy', cause: 'USER_BUSY' };
      case 'no-answer':
        return { outcome: 'no-answer', cause: 'NO_ANSWER' };
      case 'reject':
        return { outcome: 'refused', cause: 'CALL_REJECTED' };
      case 'invalid-number':
        return { outcome: 'invalid-number', cause: 'UNALLOCATED_NUMBER' };
      case 'answer': {
        const callId = request.variables?.origination_uuid ?? randomUUID();
        const kind = (request.variables?.hotline_entry as CallEntry['kind'] | undefined) ?? 'agent-leg';
        const context = request.variables?.hotline_context ? Object.fromEntries(new URLSearchParams(request.variables.hotline_context)) : undefined;
        const call = this.newCall({
          callId,
          switchId: this.id,
          direction: 'outbound',
          caller: request.callerIdNumber,
          dialled: endpointKey(request.endpoint),
          entry: { kind, ...(context ? { context } : {}) },
          answered: true,
          createdAt: new Date().toISOString(),
        });
        call.state = 'answered';
        this.emit({ type: 'call.arrived', call: { ...call.info } });
        this.emit({ type: 'call.answered', callId });
        if (behaviour.script?.length) this.runScript(call, behaviour.script);
        return { callId, outcome: 'answered' };
      }
    }
  }

  async transfer(callId: CallId, endpoint: Endpoint): Promise<void> {
    const call = this.live(callId);
    const behaviour = this.behaviourOf(endpoint);
    this.endMedia(call);
    await new Promise((r) => setTimeout(r, behaviour.answer === 'no-answer' ? (this.options.noAnswerAfterMs ?? 300) : (behaviour.answerAfterMs ?? 20)));
    if (call.state === 'ended') throw new SwitchError('NO_SUCH_CALL', `call ${callId} ended during the transfer`);
    if (behaviour.answer !== 'answer') {
      throw new SwitchError('COMMAND_FAILED', `transfer to ${endpointKey(endpoint)} failed: ${behaviour.answer}`);
    }
    // The caller now talks to the endpoint; the recording follows the transfer
    // (recording_follow_transfer on FreeSWITCH) and the call ends when either side hangs up.
    call.transferredTo = endpoint;
    this.changed(call);
  }

  async hangup(callId: CallId, cause: HangupCause = 'NORMAL_CLEARING'): Promise<void> {
    const call = this.calls.get(callId);
    if (!call || call.state === 'ended') return;
    call.state = 'ended';
    this.endMedia(call);
    call.hangupCause = cause;
    for (const t of call.timers) clearTimeout(t);
    const other = call.bridgedWith;
    this.emit({ type: 'call.hungup', callId, cause, at: new Date().toISOString() });
    for (const path of [...call.recordings.keys()]) this.finishRecording(call, path);
    this.leaveConferences(call);
    call.resolveEnded(cause);
    this.changed(call);
    if (other) await this.hangup(other, 'NORMAL_CLEARING');
  }

  async liveCalls(): Promise<CallInfo[]> {
    return [...this.calls.values()].filter((c) => c.state !== 'ended').map((c) => ({ ...c.info }));
  }

  // --- internals ---

  private runScript(call: SimCall, script: CallScript): void {
    const callId = call.info.callId;
    for (const step of script) {
      call.timers.push(
        setTimeout(() => {
          if ('press' in step) void new VirtualCaller(this, callId).press(step.press);
          else void this.hangup(callId, 'NORMAL_CLEARING');
        }, step.atMs),
      );
    }
  }

  private newCall(info: CallInfo): SimCall {
    let resolveEnded!: (cause: HangupCause) => void;
    const ended = new Promise<HangupCause>((r) => (resolveEnded = r));
    const call: SimCall = { info, state: 'ringing', heard: [], conferences: new Set(), recordings: new Map(), timers: [], waiters: [], ended, resolveEnded };
    this.calls.set(info.callId, call);
    return call;
  }

  private behaviourOf(endpoint: Endpoint): EndpointBehaviour {
    return this.endpoints.get(endpointKey(endpoint)) ?? this.options.defaultEndpoint ?? { answer: 'answer' };
  }

  private duration(media: string): number {
    return this.options.mediaDurationMs?.(media) ?? 300;
  }

  private live(callId: CallId): SimCall {
    const call = this.callState(callId);
    if (call.state === 'ended') throw new SwitchError('NO_SUCH_CALL', `call ${callId} has ended`);
    return call;
  }

  private answered(callId: CallId): SimCall {
    const call = this.live(callId);
    if (call.state !== 'answered') throw new SwitchError('COMMAND_FAILED', `call ${callId} is not answered`);
    return call;
  }

  private unbridge(call: SimCall): void {
    const otherId = call.bridgedWith;
    if (!otherId) return;
    delete call.bridgedWith;
    const other = this.calls.get(otherId);
    if (other?.bridgedWith === call.info.callId) delete other.bridgedWith;
    this.emit({ type: 'call.unbridged', callId: call.info.callId, otherCallId: otherId });
    if (other) this.emit({ type: 'call.unbridged', callId: otherId, otherCallId: call.info.callId });
  }

  private leaveConferences(call: SimCall): void {
    for (const conference of call.conferences) this.emit({ type: 'conference.left', callId: call.info.callId, conference });
    call.conferences.clear();
  }

  /** Whatever plays ends now: a prompt resolves interrupted, a collection ends as a hang-up would. */
  private endMedia(call: SimCall): void {
    const m = call.media;
    if (!m) return;
    delete call.media;
    if (m.kind === 'play') {
      clearTimeout(m.timer);
      m.resolve({ interrupted: true });
    } else if (m.kind === 'collect') {
      m.end({ digits: '', outcome: call.state === 'ended' ? 'hangup' : 'timeout' });
    }
  }

  private finishRecording(call: SimCall, path: string): void {
    const rec = call.recordings.get(path)!;
    call.recordings.delete(path);
    const durationMs = Date.now() - rec.startedAt;
    const write = (async () => {
      await mkdir(dirname(rec.path), { recursive: true });
      await writeFile(rec.path, renderCallWav(durationMs, rec.tones));
    })()
      // A failed write still finishes the recording: the runner finds no file and records the gap.
      .catch(() => undefined)
      .then(() => this.emit({ type: 'recording.finished', callId: call.info.callId, path: rec.path }));
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private changed(call: SimCall): void {
    for (const w of [...call.waiters]) w();
  }

  private emit(event: SwitchEvent): void {
    // Asynchronous and in order, like events read off a socket.
    queueMicrotask(() => this.listeners.emit(event));
  }
}
