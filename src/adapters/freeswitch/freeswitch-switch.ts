import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import {
  SwitchError,
  SwitchListeners,
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
import { EslConnection, type EslConnectionOptions, type EslServer } from './esl-connection.js';
import type { EslEvent } from './esl-parser.js';
import { callInfoFromEvent, callInfoFromRow, entryFromVariables, usecToIso, type ChannelRow } from './entry.js';

/** Events the adapter needs; FreeSWITCH sends every subscribed socket every matching event. */
export const SUBSCRIBED_EVENTS = [
  'CHANNEL_PARK',
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP_COMPLETE',
  'DTMF',
  'CHANNEL_EXECUTE_COMPLETE',
  'BACKGROUND_JOB',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'RECORD_STOP',
] as const;
export const SUBSCRIBED_CUSTOM = ['conference::maintenance'] as const;

/** Hang-up cause we report for a call that ended while the socket was down (seen by reconciliation). */
export const GONE_WHILE_DISCONNECTED = 'GONE_WHILE_DISCONNECTED';

export interface FreeSwitchOptions {
  server: EslServer;
  log: Logger;
  format?: 'plain' | 'json';
  connection?: Partial<Omit<EslConnectionOptions, 'server' | 'log' | 'events' | 'customEvents' | 'format'>>;
  /** After a (re)connect, reconcile again this much later (ms). */
  reconcileAgainMs?: number;
  /** Conference profile for conferenceJoin (FreeSWITCH's `default`). */
  conferenceProfile?: string;
}

interface Exec {
  callId: CallId;
  resolve: (event: EslEvent | null) => void;
  reject: (err: Error) => void;
}

interface CallState {
  info: CallInfo;
  /** Writes for this call, one after the other: the next is written once the previous is acknowledged. */
  chain: Promise<void>;
  dtmf: number;
  breaks: number;
  members: Map<string, string>;
  joins: Map<string, { resolve: () => void; reject: (e: Error) => void }>;
  /** The leg it is bridged with (from CHANNEL_BRIDGE / CHANNEL_UNBRIDGE). */
  partner: CallId | undefined;
  /** Hold music is playing (an endless_playback we started). */
  held: boolean;
  /** Waiting for this call's next CHANNEL_PARK (back in park after a transfer). */
  parked: (() => void) | undefined;
  /** Waiting for CHANNEL_BRIDGE with this leg (uuid_bridge answers +OK before the legs are bridged). */
  bridged: ((other: CallId) => void) | undefined;
  /** A blind transfer under way: bridged out, or back in park because the far end did not answer. */
  transfer: { settle: (outcome: 'bridged' | 'parked') => void; fail: (e: Error) => void } | undefined;
}

const HANGING_UP: ReadonlySet<string> = new Set(['CS_HANGUP', 'CS_REPORTING', 'CS_DESTROY']);

const NO_SUCH_CALL = /invalid session id|No such channel|Cannot locate session|^-ERROR|does not exist/i;

function failure(text: string, what: string): SwitchError {
  const t = text.trim();
  return new SwitchError(
    NO_SUCH_CALL.test(t) ? 'NO_SUCH_CALL' : 'COMMAND_FAILED',
    `${what}: ${t || 'no answer'}`,
  );
}

/** A value FreeSWITCH splits on: app arguments and originate parts must not carry whitespace. */
function token(value: string, what: string): string {
  if (!value || /\s/.test(value))
    throw new SwitchError('COMMAND_FAILED', `${what} must be one word: "${value}"`);
  return value;
}

function channelVar(value: string): string {
  // {a=b,c=d}: a comma inside a value is escaped; a value with spaces is single-quoted.
  const v = value.replace(/,/g, '\\,');
  if (/['{}\r\n]/.test(v))
    throw new SwitchError('COMMAND_FAILED', `channel variable value not allowed: "${value}"`);
  return /\s/.test(v) ? `'${v}'` : v;
}

function dialString(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'gateway':
      return `sofia/gateway/${token(endpoint.gateway, 'gateway')}/${token(endpoint.number, 'number')}`;
    case 'user':
      return `user/${token(endpoint.user, 'user')}`;
    case 'uri':
      return `sofia/external/${token(endpoint.uri.replace(/^sips?:/, ''), 'uri')}`;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ORIGINATE_OUTCOMES: Record<string, OriginateOutcome> = {
  USER_BUSY: 'busy',
  NO_ANSWER: 'no-answer',
  NO_USER_RESPONSE: 'no-answer',
  ORIGINATOR_CANCEL: 'no-answer',
  PROGRESS_TIMEOUT: 'no-answer',
  UNALLOCATED_NUMBER: 'invalid-number',
  INVALID_NUMBER_FORMAT: 'invalid-number',
  NO_ROUTE_DESTINATION: 'invalid-number',
  CALL_REJECTED: 'refused',
  USER_NOT_REGISTERED: 'refused',
};

/**
 * The Switch port over one FreeSWITCH server's Event Socket (inbound mode).
 *
 * Dialplan apps run with `sendmsg … execute` carrying our own Event-UUID; FreeSWITCH reports the end
 * with CHANNEL_EXECUTE_COMPLETE whose Application-UUID is that id, so completions are matched by id,
 * never by order. API commands all go through bgapi (Job-UUID): nothing blocks the shared socket.
 */
export class FreeSwitchSwitch implements Switch {
  readonly id: string;
  readonly connection: EslConnection;
  private readonly log: Logger;
  private readonly listeners: SwitchListeners;
  private readonly calls = new Map<CallId, CallState>();
  private readonly execs = new Map<string, Exec>();
  /** The same apps by call: a hang-up settles its call's apps without a scan of every call's. */
  private readonly execsByCall = new Map<CallId, Set<string>>();
  /** Legs we originated: their park is ours, not an arrival. */
  private readonly originated = new Set<CallId>();
  private digitsVar = 0;
  private secondPass: NodeJS.Timeout | undefined;
  private readonly reconcileAgainMs: number;
  private readonly conferenceProfile: string;

  constructor(opts: FreeSwitchOptions) {
    this.connection = new EslConnection({
      ...opts.connection,
      server: opts.server,
      log: opts.log,
      events: SUBSCRIBED_EVENTS,
      customEvents: SUBSCRIBED_CUSTOM,
      format: opts.format ?? 'plain',
    });
    this.id = this.connection.id;
    this.log = opts.log.child({ freeswitch: this.id });
    this.listeners = new SwitchListeners((err, event) =>
      this.log.error({ err, event: event.type }, 'switch event listener threw'),
    );
    this.conferenceProfile = opts.conferenceProfile ?? 'default';
    this.reconcileAgainMs = opts.reconcileAgainMs ?? 2000;
    this.connection.onEvent((e) => this.onEvent(e));
    this.connection.onState((s) => {
      if (s.up) {
        this.emit({ type: 'switch.connected', switchId: this.id });
        const reconcile = (): void => {
          this.reconcile().catch((err: unknown) =>
            this.log.warn({ err: (err as Error).message }, 'reconciliation failed'),
          );
        };
        reconcile();
        // Once more a little later: a channel that was hanging up while we reconnected is still
        // listed by show channels for a moment, and its HANGUP_COMPLETE went to the dead socket
        // (seen on FreeSWITCH 1.10.12).
        clearTimeout(this.secondPass);
        this.secondPass = setTimeout(() => this.connection.connected && reconcile(), this.reconcileAgainMs);
        this.secondPass.unref?.();
      } else {
        this.failExecs(new SwitchError('DISCONNECTED', `FreeSWITCH ${this.id} connection lost`));
        this.emit({ type: 'switch.disconnected', switchId: this.id, ...(s.error ? { error: s.error } : {}) });
      }
    });
  }

  start(): void {
    this.connection.start();
  }

  stop(): Promise<void> {
    clearTimeout(this.secondPass);
    return this.connection.stop();
  }

  /** The calls this adapter tracks now (for tests and health). */
  knownCalls(): CallInfo[] {
    return [...this.calls.values()].map((s) => s.info);
  }

  on(listener: SwitchEventListener): () => void {
    return this.listeners.add(listener);
  }

  private emit(event: SwitchEvent): void {
    this.listeners.emit(event);
  }

  // ---- events ------------------------------------------------------------------------------

  private track(info: CallInfo): CallState {
    const st: CallState = {
      info,
      chain: Promise.resolve(),
      dtmf: 0,
      breaks: 0,
      members: new Map(),
      joins: new Map(),
      partner: undefined,
      held: false,
      parked: undefined,
      bridged: undefined,
      transfer: undefined,
    };
    this.calls.set(info.callId, st);
    return st;
  }

  private onEvent(e: EslEvent): void {
    switch (e.name) {
      case 'CHANNEL_EXECUTE_COMPLETE': {
        if (this.execs.size === 0) return; // Application-UUID is the last header: skip the scan
        const appId = e.get('Application-UUID');
        const exec = appId ? this.execs.get(appId) : undefined;
        if (exec && appId) {
          this.forgetExec(appId, exec.callId);
          exec.resolve(e);
        }
        return;
      }
      case 'CHANNEL_PARK': {
        const callId = e.get('Unique-ID');
        if (!callId) return;
        const known = this.calls.get(callId);
        if (known) {
          // Back in park after a transfer (uuid_transfer … park inline) of a call we hold.
          known.parked?.();
          known.parked = undefined;
          known.transfer?.settle('parked');
          return;
        }
        // An outbound leg we did not place is another gateway instance's (or another program's).
        if (e.get('Call-Direction') === 'outbound' && !this.originated.has(callId)) return;
        // The entry variables sit among ~50 others: read them in one pass, the rest by name.
        const vars = e.withPrefix('variable_hotline_');
        const info = callInfoFromEvent(
          (h) => (h.startsWith('variable_hotline_') ? vars[h] : e.get(h)),
          this.id,
        );
        this.track(info);
        if (this.originated.has(callId)) return;
        this.emit({ type: 'call.arrived', call: info });
        return;
      }
      case 'CHANNEL_ANSWER': {
        const st = this.calls.get(e.get('Unique-ID') ?? '');
        if (!st || st.info.answered) return;
        st.info.answered = true;
        this.emit({ type: 'call.answered', callId: st.info.callId });
        return;
      }
      case 'DTMF': {
        const st = this.calls.get(e.get('Unique-ID') ?? '');
        const digit = e.get('DTMF-Digit');
        if (!st || !digit) return;
        st.dtmf++;
        this.emit({ type: 'dtmf', callId: st.info.callId, digit });
        return;
      }
      case 'CHANNEL_BRIDGE':
      case 'CHANNEL_UNBRIDGE': {
        const a = e.get('Bridge-A-Unique-ID');
        const b = e.get('Bridge-B-Unique-ID');
        if (!a || !b) return;
        // FreeSWITCH sends these on the bridge's A leg only (captures 50_, 51_): both legs are told.
        const bridged = e.name === 'CHANNEL_BRIDGE';
        for (const [self, other] of [
          [a, b],
          [b, a],
        ] as const) {
          const st = this.calls.get(self);
          if (!st) continue;
          if (bridged) {
            st.partner = other;
            st.bridged?.(other);
            st.transfer?.settle('bridged');
          } else if (st.partner === other) st.partner = undefined;
          this.emit(
            e.name === 'CHANNEL_BRIDGE'
              ? { type: 'call.bridged', callId: self, otherCallId: other }
              : { type: 'call.unbridged', callId: self, otherCallId: other },
          );
        }
        return;
      }
      case 'RECORD_STOP': {
        const callId = e.get('Unique-ID');
        const path = e.get('Record-File-Path');
        if (callId && path && this.calls.has(callId)) this.emit({ type: 'recording.finished', callId, path });
        return;
      }
      case 'CHANNEL_HANGUP_COMPLETE': {
        // Read in FreeSWITCH's order: the timestamp, Hangup-Cause (before the channel block), Unique-ID.
        const at = e.get('Event-Date-Timestamp');
        const cause = e.get('Hangup-Cause');
        const callId = e.get('Unique-ID') ?? '';
        if (!this.calls.has(callId)) return;
        this.ended(callId, cause ?? e.get('variable_hangup_cause') ?? 'NORMAL_CLEARING', usecToIso(at));
        return;
      }
      case 'CUSTOM': {
        if (e.get('Event-Subclass') !== 'conference::maintenance') return;
        const action = e.get('Action');
        const st = this.calls.get(e.get('Unique-ID') ?? '');
        const conference = e.get('Conference-Name');
        if (!st || !conference) return;
        if (action === 'add-member') {
          st.members.set(conference, e.get('Member-ID') ?? '');
          st.joins.get(conference)?.resolve();
          st.joins.delete(conference);
          this.emit({ type: 'conference.joined', callId: st.info.callId, conference });
        } else if (action === 'del-member') {
          st.members.delete(conference);
          this.emit({ type: 'conference.left', callId: st.info.callId, conference });
        }
        return;
      }
    }
  }

  private ended(callId: CallId, cause: HangupCause, at: string): void {
    const st = this.calls.get(callId);
    if (!st) return;
    this.calls.delete(callId);
    this.originated.delete(callId);
    // Apps queued behind the one running never report completion once the channel is gone.
    const apps = this.execsByCall.get(callId);
    this.execsByCall.delete(callId);
    for (const appId of apps ?? []) {
      const exec = this.execs.get(appId);
      this.execs.delete(appId);
      exec?.resolve(null);
    }
    for (const join of st.joins.values())
      join.reject(new SwitchError('NO_SUCH_CALL', `call ${callId} hung up`));
    st.transfer?.fail(new SwitchError('NO_SUCH_CALL', `call ${callId} hung up during the transfer`));
    this.emit({ type: 'call.hungup', callId, cause, at });
  }

  private failExecs(err: SwitchError): void {
    const execs = [...this.execs.values()];
    this.execs.clear();
    this.execsByCall.clear();
    for (const exec of execs) exec.reject(err);
    for (const st of this.calls.values()) {
      for (const join of st.joins.values()) join.reject(err);
      st.joins.clear();
    }
  }

  /**
   * After (re)connecting: calls we knew that FreeSWITCH no longer has ended while we were away;
   * parked inbound calls we did not know (they parked while no socket was up) are taken over.
   */
  async reconcile(): Promise<void> {
    // Only calls known before the snapshot was asked for can be judged by it: a leg originated
    // meanwhile is not in it yet and is not gone.
    const before = new Set(this.calls.keys());
    // A channel in its hang-up states is listed a little longer but is gone for us.
    const rows = (await this.showChannels()).filter((r) => !HANGING_UP.has(r.state ?? ''));
    const live = new Map(rows.map((r) => [r.uuid, r]));
    for (const [callId, st] of [...this.calls]) {
      if (!before.has(callId)) continue;
      const row = live.get(callId);
      if (!row) {
        // show channels reads FreeSWITCH's channel database, which lags: a leg originated or
        // transferred a moment ago can be missing from it while it is up (seen in the real-switch
        // suite: a consult leg reported hung up by the second pass). Ask the core itself.
        if ((await this.exists(callId)) !== false) continue;
        this.ended(callId, GONE_WHILE_DISCONNECTED, new Date().toISOString());
      } else if (!st.info.answered && callInfoFromRow(row, this.id).answered) {
        st.info.answered = true;
        this.emit({ type: 'call.answered', callId });
      }
    }
    for (const row of rows) {
      if (this.calls.has(row.uuid) || this.originated.has(row.uuid)) continue;
      if (row.direction !== 'inbound' || row.application !== 'park') continue;
      const info = await this.describe(row);
      if (this.calls.has(row.uuid)) continue; // its CHANNEL_PARK came in meanwhile
      this.track(info);
      this.log.info({ callId: info.callId }, 'took over a parked call found by reconciliation');
      this.emit({ type: 'call.arrived', call: info });
    }
  }

  /** uuid_exists: true or false, undefined when FreeSWITCH could not be asked. */
  private async exists(callId: CallId): Promise<boolean | undefined> {
    try {
      const answer = (await this.connection.bgapi(`uuid_exists ${callId}`, 10_000)).trim();
      return answer === 'true' ? true : answer === 'false' ? false : undefined;
    } catch {
      return undefined;
    }
  }

  private async describe(row: ChannelRow): Promise<CallInfo> {
    try {
      const dump = await this.connection.bgapi(`uuid_dump ${row.uuid} json`, 10_000);
      const vars = JSON.parse(dump) as Record<string, string>;
      const info = callInfoFromEvent((h) => (typeof vars[h] === 'string' ? vars[h] : undefined), this.id);
      if (info.callId === row.uuid) return info;
    } catch (err) {
      this.log.warn(
        { callId: row.uuid, err: (err as Error).message },
        'uuid_dump failed; entry taken from show channels',
      );
    }
    return callInfoFromRow(row, this.id);
  }

  private async showChannels(): Promise<ChannelRow[]> {
    const body = await this.connection.bgapi('show channels as json', 30_000);
    let parsed: { rows?: ChannelRow[] };
    try {
      parsed = JSON.parse(body) as { rows?: ChannelRow[] };
    } catch {
      throw new SwitchError('COMMAND_FAILED', `show channels: ${body.slice(0, 80)}`);
    }
    // FreeSWITCH omits `rows` when there are none: {"row_count": 0}.
    return Array.isArray(parsed.rows) ? parsed.rows : [];
  }

  // ---- commands ----------------------------------------------------------------------------

  private inOrder<T>(callId: CallId, step: () => Promise<T>): Promise<T> {
    const st = this.calls.get(callId);
    if (!st) return step();
    const run = st.chain.then(step, step);
    st.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** A bgapi whose output must start with +OK (the FreeSWITCH convention). */
  private async api(callId: CallId, command: string): Promise<string> {
    const body = await this.inOrder(callId, () => this.connection.bgapi(command));
    if (!body.startsWith('+OK')) throw failure(body, command.split(' ')[0]!);
    return body;
  }

  /** Writes an execute in this call's order; resolves with its CHANNEL_EXECUTE_COMPLETE (null: hung up first). */
  private execute(
    callId: CallId,
    app: string,
    arg?: string,
  ): { written: Promise<void>; done: Promise<EslEvent | null> } {
    const appId = randomUUID();
    const done = new Promise<EslEvent | null>((resolve, reject) =>
      this.execs.set(appId, { callId, resolve, reject }),
    );
    let apps = this.execsByCall.get(callId);
    if (!apps) this.execsByCall.set(callId, (apps = new Set()));
    apps.add(appId);
    done.catch(() => undefined);
    const written = this.inOrder(callId, async () => {
      try {
        const reply = await this.connection.send(`sendmsg ${callId}`, {
          'call-command': 'execute',
          'execute-app-name': app,
          ...(arg ? { 'execute-app-arg': arg } : {}),
          'Event-UUID': appId,
        });
        const text = reply.headers['Reply-Text'] ?? '';
        if (!text.startsWith('+OK')) throw failure(text, app);
      } catch (err) {
        this.forgetExec(appId, callId);
        throw err;
      }
    });
    return { written, done };
  }

  private forgetExec(appId: string, callId: CallId): void {
    this.execs.delete(appId);
    const apps = this.execsByCall.get(callId);
    if (apps?.delete(appId) && apps.size === 0) this.execsByCall.delete(callId);
  }

  private async run(callId: CallId, app: string, arg?: string): Promise<EslEvent | null> {
    const { written, done } = this.execute(callId, app, arg);
    await written;
    return done;
  }

  async answer(callId: CallId): Promise<void> {
    const done = await this.run(callId, 'answer');
    if (!done) throw new SwitchError('NO_SUCH_CALL', `call ${callId} hung up before it was answered`);
  }

  async play(callId: CallId, media: string): Promise<{ interrupted: boolean }> {
    const breaks = this.calls.get(callId)?.breaks ?? 0;
    const done = await this.run(callId, 'playback', token(media, 'media'));
    // A hang-up completes the running app too; the completion then says Answer-State: hangup.
    if (!done || done.get('Answer-State') === 'hangup') return { interrupted: true };
    return { interrupted: (this.calls.get(callId)?.breaks ?? 0) !== breaks };
  }

  async stopPlayback(callId: CallId): Promise<void> {
    const st = this.calls.get(callId);
    if (st) st.breaks++;
    await this.api(callId, `uuid_break ${callId} all`);
  }

  async collectDigits(callId: CallId, r: CollectDigitsRequest): Promise<CollectDigitsResult> {
    // A fresh variable per request: FreeSWITCH leaves the previous run's result on the channel
    // and does not clear it on a timeout, so a reused name would return stale digits.
    const variable = `hg_digits_${++this.digitsVar}`;
    const pattern = r.pattern ?? '^[0-9*#]+$';
    const arg = [
      r.min,
      r.max,
      r.tries ?? 1,
      r.timeoutMs,
      token(r.terminators ?? '#', 'terminators'),
      token(r.media, 'media'),
      token(r.invalidMedia ?? 'silence_stream://250', 'invalidMedia'),
      variable,
      token(pattern, 'pattern'),
      r.interDigitTimeoutMs ?? r.timeoutMs,
    ].join(' ');
    const dtmfBefore = this.calls.get(callId)?.dtmf ?? 0;
    const done = await this.run(callId, 'play_and_get_digits', arg);
    if (!done || done.get('Answer-State') === 'hangup') return { digits: '', outcome: 'hangup' };
    const digits = done.get(`variable_${variable}`);
    if (digits) return { digits, outcome: 'ok' };
    // No result: keys were pressed but never matched (invalid), or none came (timeout).
    const pressed = (this.calls.get(callId)?.dtmf ?? 0) > dtmfBefore;
    return { digits: '', outcome: pressed ? 'invalid' : 'timeout' };
  }

  /**
   * Takes a call out of its bridge: `uuid_transfer <uuid> -both park inline` sends both legs back
   * to park, where they stay up (capture 61_); resolves once the legs we hold have parked, so a
   * following bridge or app finds them there. A call in no bridge is left alone.
   */
  private async separate(callId: CallId): Promise<void> {
    const st = this.calls.get(callId);
    if (!st?.partner) return;
    const other = this.calls.get(st.partner);
    await this.reparked(st, () => this.api(callId, `uuid_transfer ${callId} -both park inline`), other);
    st.partner = undefined;
    if (other) other.partner = undefined;
  }

  /** Runs a transfer back to park and resolves once the legs we hold have parked again. */
  private async reparked(st: CallState, transfer: () => Promise<unknown>, other?: CallState): Promise<void> {
    const parked = [st, other].flatMap((leg) =>
      leg ? [new Promise<void>((resolve) => (leg.parked = resolve))] : [],
    );
    await transfer();
    await this.within(Promise.all(parked), `call ${st.info.callId} back to park`);
  }

  /**
   * Stops hold music we started, so the next app or bridge is not queued behind it. uuid_break
   * does not end endless_playback (it starts the media again; seen on FreeSWITCH 1.10.12), so the
   * call is sent back to park, which ends the running app; resolves once it has parked.
   */
  private async stopMusic(callId: CallId): Promise<void> {
    const st = this.calls.get(callId);
    if (!st?.held) return;
    st.held = false;
    await this.reparked(st, () => this.api(callId, `uuid_transfer ${callId} park inline`));
  }

  /**
   * Music on hold. A bridged call is first taken out of its bridge (both legs stay up, in park):
   * the agent's leg is then free for a consultation, and `uuid_hold` would not do — it keeps the
   * bridge and plays the music to the partner (switch_ivr_hold).
   */
  async hold(callId: CallId, musicMedia?: string): Promise<void> {
    await this.separate(callId);
    const st = this.calls.get(callId);
    if (st) st.held = true;
    // The caller is parked: the music loops until unhold (back to park) or a bridge.
    const { written, done } = this.execute(
      callId,
      'endless_playback',
      token(musicMedia ?? 'local_stream://moh', 'media'),
    );
    void done.catch(() => undefined);
    await written;
  }

  async unhold(callId: CallId): Promise<void> {
    if (this.calls.get(callId)?.held) await this.stopMusic(callId);
    else await this.api(callId, `uuid_break ${callId} all`);
  }

  /**
   * Connects two calls. A leg bridged with a third is first taken out of that bridge (the third
   * stays up, in park) and hold music is stopped: FreeSWITCH's uuid_bridge is only used on two
   * parked legs, as captured (50_, 62_).
   */
  async bridge(callId: CallId, otherCallId: CallId): Promise<void> {
    for (const leg of [callId, otherCallId]) {
      const partner = this.calls.get(leg)?.partner;
      if (partner && partner !== (leg === callId ? otherCallId : callId)) await this.separate(leg);
      else if (partner) return; // already bridged with each other
      await this.stopMusic(leg);
    }
    // uuid_bridge answers +OK at once; the legs are bridged a moment later (CHANNEL_BRIDGE), and a
    // command sent in between finds them half way (seen on FreeSWITCH 1.10.12: a conference join
    // right after was undone by the bridge).
    const st = this.calls.get(callId);
    const done = st
      ? this.within(
          new Promise<void>((resolve) => (st.bridged = (other) => other === otherCallId && resolve())),
          `bridge of ${callId} with ${otherCallId}`,
        )
      : Promise.resolve();
    done.catch(() => undefined);
    try {
      await this.api(callId, `uuid_bridge ${callId} ${otherCallId}`);
      await done;
    } finally {
      if (st) st.bridged = undefined;
    }
  }

  /** A wait for an event that must come soon: TIMEOUT after 5 s. */
  private async within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new SwitchError('TIMEOUT', `${what}: no event within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async startRecording(callId: CallId, path: string): Promise<void> {
    // Stereo (caller and centre on their own channels), and kept across transfers: without the
    // follow_* variables a recording stops at a transfer (seed 002 art. 18: every call recorded).
    await this.api(
      callId,
      `uuid_setvar_multi ${callId} RECORD_STEREO=true;recording_follow_transfer=true;recording_follow_attxfer=true`,
    );
    await this.api(callId, `uuid_record ${callId} start ${token(path, 'path')}`);
  }

  async stopRecording(callId: CallId, path: string): Promise<void> {
    await this.api(callId, `uuid_record ${callId} stop ${token(path, 'path')}`);
  }

  async conferenceJoin(callId: CallId, conference: string, flags?: string[]): Promise<void> {
    const st = this.calls.get(callId);
    if (!st) throw new SwitchError('NO_SUCH_CALL', `call ${callId} is not known`);
    const name = token(conference, 'conference');
    // The conference app runs in park: out of a bridge first, and not queued behind hold music.
    await this.separate(callId);
    await this.stopMusic(callId);
    const joined = new Promise<void>((resolve, reject) => st.joins.set(name, { resolve, reject }));
    joined.catch(() => undefined);
    const f = flags?.length ? `+flags{${flags.map((x) => token(x, 'flag')).join('|')}}` : '';
    const { written, done } = this.execute(callId, 'conference', `${name}@${this.conferenceProfile}${f}`);
    // The app only completes when the member leaves; a completion before add-member is a failure.
    void done.then(
      () => st.joins.get(name)?.reject(new SwitchError('COMMAND_FAILED', `conference ${name}: not joined`)),
      () => undefined,
    );
    try {
      await written;
    } catch (err) {
      st.joins.delete(name);
      throw err;
    }
    await joined;
  }

  async conferenceLeave(callId: CallId, conference: string): Promise<void> {
    const member = this.calls.get(callId)?.members.get(conference);
    if (!member) throw new SwitchError('NO_SUCH_CALL', `call ${callId} is not in conference ${conference}`);
    // A kicked member goes back to park and stays up (seen on FreeSWITCH 1.10.12).
    await this.api(callId, `conference ${token(conference, 'conference')} kick ${member}`);
  }

  async originate(
    req: OriginateRequest,
  ): Promise<{ callId?: CallId; outcome: OriginateOutcome; cause?: string }> {
    // The caller may name the leg (a callback attempt chooses its leg id before dialling, so a
    // crash can find it): a UUID is taken, anything else refused — it goes into the command line.
    const wanted = req.variables?.origination_uuid;
    if (wanted !== undefined && (!UUID.test(wanted) || this.calls.has(wanted)))
      throw new SwitchError('COMMAND_FAILED', `origination_uuid must be a new UUID: "${wanted}"`);
    const callId = wanted ?? randomUUID();
    const vars: Record<string, string> = {
      ...req.variables,
      origination_uuid: callId,
      origination_caller_id_number: req.callerIdNumber,
      originate_timeout: String(req.timeoutSec),
      ...(req.callerIdName ? { origination_caller_id_name: req.callerIdName } : {}),
    };
    const prefix = Object.entries(vars)
      .map(([k, v]) => `${token(k, 'variable name')}=${channelVar(v)}`)
      .join(',');
    const command = `originate {${prefix}}${dialString(req.endpoint)} &park()`;
    this.originated.add(callId);
    this.track({
      callId,
      switchId: this.id,
      direction: 'outbound',
      caller: req.callerIdNumber,
      dialled:
        req.endpoint.kind === 'gateway'
          ? req.endpoint.number
          : req.endpoint.kind === 'user'
            ? req.endpoint.user
            : req.endpoint.uri,
      // The leg's entry as its variables give it (callback, survey, agent-leg …); else 'other'.
      entry: req.variables?.hotline_entry
        ? entryFromVariables((h) => req.variables?.[h.replace(/^variable_/, '')])
        : { kind: 'other' },
      answered: false,
      createdAt: new Date().toISOString(),
    });
    // The job's +OK comes before the leg has parked (capture 41_: BACKGROUND_JOB, then
    // CHANNEL_EXECUTE park, CHANNEL_PARK); a uuid_bridge or an app sent in between races the leg
    // into park and FreeSWITCH may hang it up (DESTINATION_OUT_OF_ORDER, seen in the real-switch
    // suite). So the leg counts as ready once it has parked.
    const leg = this.calls.get(callId)!;
    const parked = new Promise<void>((resolve) => (leg.parked = resolve));
    let body: string;
    try {
      body = await this.connection.bgapi(command, req.timeoutSec * 1000 + 30_000);
    } catch (err) {
      this.calls.delete(callId);
      this.originated.delete(callId);
      throw err;
    }
    if (body.startsWith('+OK')) {
      leg.info.answered = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([parked, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      return { callId, outcome: 'answered' };
    }
    this.calls.delete(callId);
    this.originated.delete(callId);
    const cause = body.replace(/^-ERR\s*/, '').trim();
    return { outcome: ORIGINATE_OUTCOMES[cause] ?? 'failed', cause };
  }

  /**
   * Blind transfer out of the centre (a sub-centre line, a handling unit's number): the call runs
   * an inline dialplan that bridges it to the endpoint; a leg it was bridged with (the agent) is
   * hung up by FreeSWITCH (capture 63_). Resolves once the far end answered and the call is
   * bridged to it. If nobody answers the call is not lost: the bridge app would hang the caller up
   * with the failure's cause (switch_channel_handle_cause in mod_dptools' bridge), so
   * continue_on_fail sends it on to park, where it stays ours, and this rejects (no dead end,
   * 7×24 human service); hangup_after_bridge ends the call when the far end hangs up.
   */
  async transfer(callId: CallId, endpoint: Endpoint): Promise<void> {
    const st = this.calls.get(callId);
    const dial = dialString(endpoint);
    const settled = new Promise<'bridged' | 'parked'>((resolve, reject) => {
      if (st) st.transfer = { settle: resolve, fail: reject };
    });
    settled.catch(() => undefined);
    if (st) st.held = false;
    try {
      await this.api(
        callId,
        `uuid_transfer ${callId} set:continue_on_fail=true,set:hangup_after_bridge=true,bridge:${dial},park inline`,
      );
      if (!st) return;
      if ((await settled) === 'parked')
        throw new SwitchError(
          'COMMAND_FAILED',
          `transfer to ${dial}: not answered; the call is back in park`,
        );
    } finally {
      if (st) st.transfer = undefined;
    }
  }

  async hangup(callId: CallId, cause: HangupCause = 'NORMAL_CLEARING'): Promise<void> {
    await this.api(callId, `uuid_kill ${callId} ${token(cause, 'cause')}`);
  }

  async liveCalls(): Promise<CallInfo[]> {
    const rows = await this.showChannels();
    return rows.map((row) => {
      const st = this.calls.get(row.uuid);
      const info = st?.info ?? callInfoFromRow(row, this.id);
      // uuid_bridge (ours) or bridge (a dialplan's) is the channel's application while it is bridged.
      const bridged = st?.partner !== undefined || row.application === 'uuid_bridge' || row.application === 'bridge';
      return bridged ? { ...info, bridged: st?.partner ? { with: st.partner } : {} } : info;
    });
  }
}
