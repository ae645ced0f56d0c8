// Busy-time and keep-my-place callbacks from request to outcome (issue 6; art. 13 of seeds/002:
// "忙时未及时接通的话务…应当在闲时回拨"; 国办函〔2025〕66号 repeats it for missed calls).
// The policy is pure (src/core/callbacks); this service stores callbacks (CallbackStore), runs one
// durable BullMQ job per callback (KeyedSchedule: a restart loses none, two gateways never work on
// the same one), grants busy-time dials at idle time, and hands each attempt to the desk, which
// reserves an agent first and then dials the citizen (CallbackPlacer).
import { randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { Logger } from '../log/logger.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallPriority } from '../core/acd/model.js';
import {
  admitCallback,
  citizenGotThrough,
  nextAttemptAt,
  overdue,
  recordAttempt,
  type CallbackAsk,
  type CallbackOutcome,
  type CallbackStatus,
} from '../core/callbacks/callback.js';
import { interruptedAttemptRecord } from '../core/callbacks/attempt-record.js';
import { decideIdleDialling, keepPlaceTurn } from '../core/callbacks/idle-dialling.js';
import type { callbackPolicy } from '../core/callbacks/idle-dialling.js';
import { insideWindow } from '../core/schedule/calling-window.js';
import { ERROR_CODES, HotlineError, invalidField } from '../core/errors.js';
import type { Acd } from '../core/ports/acd.js';
import type { CallbackAdmin, CallbackDialResult, CallbackFilter, CallbackStore, StoredCallback } from '../core/ports/callbacks.js';
import { CENTRE_FIGURES, type CallCenterFigures } from '../core/ports/figures.js';
import type { Clock, KeyedSchedule } from '../core/ports/schedule.js';

const nextId = monotonicFactory();

/** One attempt for the desk to place: reserve an agent through the queue, then dial the citizen. */
export interface CallbackPlacement {
  callback: StoredCallback;
  attempt: number;
  /** The virtual call's id in the ACD, and the citizen leg's id once dialled. */
  callId: string;
  queue: string;
  /** Keep-my-place: the caller's own priority and first arrival (their place); busy-time: `callback`, now. */
  priority: CallPriority;
  enqueuedAtMs: number;
  /**
   * The agent answered and their phone is up: claims the attempt before the citizen is dialled
   * (with the agent and the switch, kept for the record should this gateway stop); false → do not dial.
   */
  dialling(leg: { agentId: string; switchId: string }): Promise<boolean>;
  /** Aborted when the callback is cancelled, overdue, or a keep-my-place callback's window closes while it waits. */
  signal: AbortSignal;
}

export type PlacementResult = { placed: false; why: string } | { placed: true; agentId: string; result: CallbackDialResult };

export interface CallbackPlacer {
  place(p: CallbackPlacement): Promise<PlacementResult>;
}

/** What the IVR (or the SIP front) knows when it asks for a callback: the policy's ask (the time is the service's), and the caller's place. */
export type CallbackAskInput = Omit<CallbackAsk, 'at'> & {
  /** Keep-my-place: the place the caller holds now. */
  place?: StoredCallback['place'];
};

export interface CallbackServiceOptions {
  store: CallbackStore;
  schedule: KeyedSchedule;
  acd: Acd;
  figures: CallCenterFigures;
  /** Bound late: the desk is composed after the service. */
  placer: () => CallbackPlacer | undefined;
  policy: ReturnType<typeof callbackPolicy>;
  /** Every queue id (idle time is judged on the queues a callback belongs to). */
  queues: readonly string[];
  /** How many ready callbacks per queue the idle decision reads. */
  readyPerQueue: number;
  /** How often a placement in progress looks for a cancel, the deadline or the window's end. */
  watchMs: number;
  instanceId: string;
  /** Where the record of an attempt cut off by a stopped gateway goes, and the number it showed. */
  attemptRecords: { recorder: CallRecorder; callerIdNumber: string };
  clock: Clock;
  log: Logger;
}

const FINAL: ReadonlySet<CallbackStatus> = new Set(['reached', 'failed', 'cancelled', 'overdue']);

export class CallbackService implements CallbackAdmin {
  /** Callbacks this instance is placing now (an active attempt of another instance that stopped was interrupted). */
  private readonly here = new Map<string, AbortController>();
  private idle: { running: boolean; again: boolean; done: Promise<void> } = { running: false, again: false, done: Promise.resolve() };
  /**
   * Dials granted by this instance whose job has not yet taken them up (id → granted at): a job
   * that was running when it was woken moves itself to its deadline, so it is woken again.
   */
  private readonly granted = new Map<string, number>();
  private stopping = false;

  constructor(private readonly o: CallbackServiceOptions) {}

  // --- requests ---

  /** A caller asks (IVR key), or abandoned after a long wait: one pending callback per number. */
  async ask(a: CallbackAskInput): Promise<'created' | 'existing' | 'refused'> {
    const { store, policy, clock, log } = this.o;
    for (let round = 0; round < 8; round++) {
      const now = clock.now();
      const existing = await store.pendingFor(a.citizenKey);
      const admission = admitCallback({ ...a, at: now }, existing, policy);
      if (admission.action === 'refuse') {
        log.info({ callId: a.callId, origin: a.origin, reason: admission.reason }, 'no callback');
        return 'refused';
      }
      if (admission.action === 'create') {
        const cb: StoredCallback = { ...admission.callback, id: nextId(), revision: 0, ...(a.place ? { place: a.place } : {}) };
        const due = this.dueAt(cb, now);
        if (!(await store.create(due === undefined ? cb : { ...cb, dueAtMs: due }))) continue; // a concurrent first ask won
        await this.o.schedule.add(cb.id, now);
        log.info({ callbackId: cb.id, callId: a.callId, kind: cb.kind, origin: a.origin, queue: a.queue }, 'callback requested');
        return 'created';
      }
      const merged = admission.callback as StoredCallback;
      // A keep-my-place ask on a busy-time callback brings its place (the first one stays).
      const withPlace: StoredCallback = merged.place || !a.place ? merged : { ...merged, place: a.place };
      if (!(await this.save(withPlace))) continue;
      await this.o.schedule.wake(withPlace.id);
      log.info({ callbackId: withPlace.id, callId: a.callId, kind: withPlace.kind, origin: a.origin }, 'callback request merged');
      return 'existing';
    }
    throw new HotlineError(ERROR_CODES.UNAVAILABLE, '回电登记暂时无法办理');
  }

  /** The citizen got through on their own (an agent answered their call): their pending callback is cancelled. */
  async gotThrough(citizenKey: string): Promise<void> {
    const cb = await this.o.store.pendingFor(citizenKey);
    // Being placed right now: that attempt goes on (the agent is on the phone already).
    if (!cb || cb.active) return;
    const saved = await this.update(cb.id, (c) => (c.status === 'pending' && !c.active ? (citizenGotThrough(c) as StoredCallback) : undefined));
    if (saved) {
      this.o.log.info({ callbackId: cb.id }, 'callback cancelled: the citizen got through');
      await this.o.schedule.wake(cb.id);
    }
  }

  /** A caller who had asked for a callback hung up: a keep-my-place callback takes their place now. */
  async callerLeft(citizenKey: string): Promise<void> {
    const cb = await this.o.store.pendingFor(citizenKey);
    if (cb) await this.o.schedule.wake(cb.id);
  }

  // --- the job of one callback ---

  /** Runs whenever the callback's job comes up; answers when to look again (undefined: finished). */
  async process(id: string): Promise<{ waitUntil?: number }> {
    for (let round = 0; ; round++) {
      const step = await this.step(id);
      if (step !== 'again') return step;
      if (round > 20) return { waitUntil: this.o.clock.now() + 1000 };
    }
  }

  private async step(id: string): Promise<{ waitUntil?: number } | 'again'> {
    const { store, policy, clock, acd } = this.o;
    const now = clock.now();
    if (this.stopping) return { waitUntil: now + 1000 };
    const cb = await store.get(id);
    if (!cb) return {};
    if (cb.active && !this.here.has(id)) {
      // Placed by a gateway that stopped: its virtual call leaves the queue; if the citizen was
      // being dialled, that was an attempt (interrupted) — never redialled at once.
      const active = cb.active;
      await acd.remove(active.callId).catch(() => undefined);
      if (active.dialledAtMs) {
        // Queued before the attempt is saved, under the leg's id: a second gateway sweeping the same
        // attempt, or a retry after a crash here, is the same record (the outbox keeps the first).
        const { recorder, callerIdNumber } = this.o.attemptRecords;
        const { attempt, callId, dialledAtMs, agentId, switchId } = active;
        const cutOff = { callbackId: id, number: cb.number, attempt, callId, dialledAtMs, ...(agentId ? { agentId } : {}), ...(switchId ? { switchId } : {}) };
        await recorder.record(interruptedAttemptRecord(cutOff, now, callerIdNumber), this.o.log);
      }
      const saved = await this.update(id, (c) => {
        if (c.active?.callId !== active.callId) return undefined;
        const { active: _a, ...rest } = c;
        if (!active.dialledAtMs) return rest;
        const { granted: _g, ...free } = rest;
        return recordAttempt(free, { at: now, outcome: 'interrupted', callId: active.callId }, policy) as StoredCallback;
      });
      if (saved) this.o.log.warn({ callbackId: id, attempt: active.attempt, dialled: !!active.dialledAtMs }, 'callback placement interrupted (its gateway stopped)');
      return 'again';
    }
    if (FINAL.has(cb.status)) return {};
    const late = overdue(cb, policy, now);
    if (late.status === 'overdue' && !cb.active) {
      if (await this.update(id, (c) => (c.status === 'pending' && !c.active ? (overdue(c, policy, now) as StoredCallback) : undefined))) {
        this.o.log.warn({ callbackId: id, attempts: cb.attempts.length }, 'callback overdue: not reached before its deadline');
      }
      return 'again';
    }
    if (cb.kind === 'keep-place') {
      const turn = keepPlaceTurn(cb, 1, true, policy, now);
      if (turn === 'to-busy-time' || !cb.place) {
        // Outside the calling window the place cannot be served: it waits for idle time in the next window.
        await this.update(id, (c) => (c.kind === 'keep-place' && !c.active ? { ...c, kind: 'busy-time' } : undefined));
        return 'again';
      }
      // Still on the line (they may keep waiting after asking): their live call holds the place.
      const caller = cb.callIds.at(-1);
      if (caller && (await acd.standing(caller))) return { waitUntil: now + 2000 };
      return this.place(cb, cb.place.queue, cb.place.priority, cb.place.enqueuedAtMs);
    }
    if (cb.granted) return this.place(cb, cb.granted.queue, 'callback', now);
    // Waits for idle time (the dialler grants it and wakes this job), at the latest until its deadline.
    return { waitUntil: Math.max(now + 1000, cb.deadline) };
  }

  /** One attempt through the desk: the callback's virtual call takes its place, an agent answers, the citizen is dialled. */
  private async place(cb: StoredCallback, queue: string, priority: CallPriority, enqueuedAtMs: number): Promise<'again' | { waitUntil: number }> {
    const { clock, log } = this.o;
    const placer = this.o.placer();
    if (!placer) return { waitUntil: clock.now() + 5000 };
    const attempt = cb.attempts.length + 1;
    const callId = randomUUID();
    const claimed = await this.update(cb.id, (c) =>
      c.status === 'pending' && !c.active ? { ...c, active: { attempt, callId, owner: this.o.instanceId, startedAtMs: clock.now() } } : undefined,
    );
    if (!claimed) return 'again';
    const ac = new AbortController();
    this.here.set(cb.id, ac);
    const watch = setInterval(() => void this.watch(cb.id, ac), this.o.watchMs);
    watch.unref?.();
    let result: PlacementResult;
    try {
      result = await placer.place({
        callback: claimed,
        attempt,
        callId,
        queue,
        priority,
        enqueuedAtMs,
        signal: ac.signal,
        dialling: async (leg) =>
          !ac.signal.aborted &&
          !!(await this.update(cb.id, (c) =>
            c.status === 'pending' && c.active?.callId === callId ? { ...c, active: { ...c.active, dialledAtMs: clock.now(), ...leg } } : undefined,
          )),
      });
    } catch (err) {
      log.error({ err, callbackId: cb.id, attempt }, 'callback placement failed');
      result = { placed: false, why: 'error' };
    } finally {
      clearInterval(watch);
    }
    try {
      const now = clock.now();
      if (!result.placed) {
        await this.update(cb.id, (c) => {
          if (c.active?.callId !== callId) return undefined;
          const { active: _a, ...rest } = c;
          return rest;
        });
        log.info({ callbackId: cb.id, attempt, why: result.why }, 'callback not placed');
        return result.why === 'error' || this.stopping ? { waitUntil: now + (this.stopping ? 1000 : 5000) } : 'again';
      }
      const r = result.result;
      const outcome: CallbackOutcome = r.outcome;
      const saved = await this.update(cb.id, (c) => {
        if (c.active?.callId !== callId) return undefined;
        const { active: _a, granted: _g, ...rest } = c;
        const next = recordAttempt(rest, { at: now, outcome, callId: r.callId ?? callId, ...(r.recordingId ? { recordingId: r.recordingId } : {}) }, this.o.policy) as StoredCallback;
        // A keep-my-place callback the citizen did not take is retried at idle time.
        return next.status === 'pending' && next.kind === 'keep-place' ? { ...next, kind: 'busy-time' } : next;
      });
      log.info({ callbackId: cb.id, attempt, outcome, agentId: result.agentId, status: saved?.status }, 'callback attempt');
      return 'again';
    } finally {
      this.here.delete(cb.id);
    }
  }

  /** While an attempt waits in its queue: a cancel, the deadline or (keep-my-place) the window's end aborts it. */
  private async watch(id: string, ac: AbortController): Promise<void> {
    if (ac.signal.aborted) return;
    const cb = await this.o.store.get(id).catch(() => undefined);
    const now = this.o.clock.now();
    if (!cb || cb.status !== 'pending' || now >= cb.deadline || (cb.kind === 'keep-place' && !insideWindow(this.o.policy.window, now))) ac.abort();
  }

  // --- idle time ---

  /** Something freed an agent (or time passed): grant the busy-time callbacks idle time allows (coalesced). */
  nudge(): void {
    if (this.idle.running) {
      this.idle.again = true;
      return;
    }
    this.idle.running = true;
    this.idle.done = (async () => {
      try {
        do {
          this.idle.again = false;
          await this.idleRound().catch((err: unknown) => this.o.log.warn({ err }, 'idle-time callback round failed (the next tick retries)'));
        } while (this.idle.again);
      } finally {
        this.idle.running = false;
      }
    })();
  }

  /** Waits for a round in progress (tests). */
  settled(): Promise<void> {
    return this.idle.done;
  }

  /**
   * Shutdown: callbacks waiting for an agent here leave their queue (their jobs go back to the
   * schedule, for this gateway after a restart or another one now); an attempt whose citizen is
   * being dialled or is talking finishes first.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const ac of this.here.values()) ac.abort();
    await this.idle.done;
  }

  /** One idle-time decision (src/core/callbacks/idle-dialling.ts): read the heads, decide, grant atomically, wake the jobs. */
  async idleRound(): Promise<string[]> {
    const { store, acd, policy, clock } = this.o;
    const now = clock.now();
    await this.rewakeGranted(now);
    if (!insideWindow(policy.window, now)) return [];
    const queues = [...this.o.queues];
    // Runs after every dispatch round: with nothing ready (the usual case) it costs one read.
    const pending = await store.ready(queues, now, this.o.readyPerQueue);
    if (pending.length === 0) return [];
    const [load, inFlight, figures] = await Promise.all([acd.load(queues), store.inFlight(), this.o.figures.snapshot(now)]);
    const centre = figures.find((f) => f.queue === CENTRE_FIGURES && f.window === 'rolling-15m');
    const live = centre ? { offered: Math.max(0, centre.offered - centre.shortAbandoned - centre.overflowed), answered: centre.answered } : { offered: 0, answered: 0 };
    const unique = [...new Map(pending.map((c) => [c.id, c])).values()];
    const decision = decideIdleDialling({ now, queues: load, live, inFlight, pending: unique }, policy);
    const granted: string[] = [];
    for (const d of decision.dial) {
      const g = await store.grant((d.callback as StoredCallback).id, d.queue, now, decision.ceiling);
      if (!g) continue; // another gateway granted it first, or filled the ceiling meanwhile
      granted.push(g.id);
      this.granted.set(g.id, now);
      await this.o.schedule.wake(g.id);
    }
    if (granted.length) this.o.log.info({ granted: granted.length, held: decision.held }, 'idle-time callbacks granted');
    return granted;
  }

  private async rewakeGranted(now: number): Promise<void> {
    for (const [id, at] of this.granted) {
      if (now - at < 2000) continue;
      const c = await this.o.store.get(id);
      if (!c || !c.granted || c.active || c.status !== 'pending' || now - at > 600_000) this.granted.delete(id);
      else await this.o.schedule.wake(id);
    }
  }

  // --- supervisors (CallbackAdmin) ---

  list(filter: CallbackFilter): Promise<{ items: StoredCallback[]; next?: string }> {
    return this.o.store.list(filter);
  }

  get(id: string): Promise<StoredCallback | undefined> {
    return this.o.store.get(id);
  }

  counts(): Promise<Record<CallbackStatus, number>> {
    return this.o.store.counts();
  }

  async cancel(id: string, actor: string, reason: string): Promise<StoredCallback> {
    const now = this.o.clock.now();
    const saved = await this.change(id, (c) => ({
      ...c,
      status: 'cancelled',
      endReason: 'cancelled-by-supervisor',
      history: [...(c.history ?? []), { atMs: now, actor, action: 'cancel', detail: reason }],
    }));
    this.here.get(id)?.abort();
    await this.o.schedule.wake(id);
    this.o.log.info({ callbackId: id, actor }, 'callback cancelled by a supervisor');
    return saved;
  }

  async reschedule(id: string, atMs: number, actor: string): Promise<StoredCallback> {
    const { policy } = this.o;
    if (!Number.isFinite(atMs)) throw invalidField('at', '时间格式无效');
    if (!insideWindow(policy.window, atMs)) throw invalidField('at', `该时间不在回拨时段（${policy.window.start}–${policy.window.end}）内`);
    const now = this.o.clock.now();
    const saved = await this.change(id, (c) => {
      if (atMs >= c.deadline) throw invalidField('at', '该时间晚于回拨期限');
      // Rescheduled, a keep-my-place callback gives up its place and is dialled at idle time from then.
      return { ...c, kind: 'busy-time', notBefore: atMs, history: [...(c.history ?? []), { atMs: now, actor, action: 'reschedule', detail: new Date(atMs).toISOString() }] };
    });
    await this.o.schedule.wake(id);
    this.o.log.info({ callbackId: id, actor, at: new Date(atMs).toISOString() }, 'callback rescheduled by a supervisor');
    return saved;
  }

  /** A supervisor's change of a pending callback that is not being placed right now. */
  private async change(id: string, fn: (c: StoredCallback) => StoredCallback): Promise<StoredCallback> {
    for (let round = 0; round < 8; round++) {
      const c = await this.o.store.get(id);
      if (!c) throw new HotlineError(ERROR_CODES.NOT_FOUND, '没有该回拨记录');
      if (c.status !== 'pending') throw new HotlineError(ERROR_CODES.CONFLICT, '该回拨已结束，不能再修改');
      if (c.active?.dialledAtMs) throw new HotlineError(ERROR_CODES.CONFLICT, '该回拨正在拨打中，请稍后再试');
      const saved = await this.save(fn(c));
      if (saved) return saved;
    }
    throw new HotlineError(ERROR_CODES.CONFLICT, '该回拨正被修改，请稍后再试');
  }

  // --- storage ---

  /** When the callback may next be dialled at idle time (the store's due score); undefined when not dialable so. */
  private dueAt(c: StoredCallback, now: number): number | undefined {
    if (c.status !== 'pending' || c.kind !== 'busy-time' || c.granted || c.active) return undefined;
    const next = nextAttemptAt(c, this.o.policy, now);
    if (next === undefined) return undefined;
    return Math.max(next, c.notBefore ?? 0);
  }

  private async save(c: StoredCallback): Promise<StoredCallback | undefined> {
    const due = this.dueAt(c, this.o.clock.now());
    const { dueAtMs: _d, ...rest } = c;
    return this.o.store.save(due === undefined ? rest : { ...rest, dueAtMs: due });
  }

  /** Read-modify-write with compare-and-set; `fn` answers undefined to leave the record as it is. */
  private async update(id: string, fn: (c: StoredCallback) => StoredCallback | undefined): Promise<StoredCallback | undefined> {
    for (let round = 0; round < 8; round++) {
      const c = await this.o.store.get(id);
      if (!c) return undefined;
      const next = fn(c);
      if (!next) return undefined;
      const saved = await this.save(next);
      if (saved) return saved;
    }
    throw new HotlineError(ERROR_CODES.UNAVAILABLE, 'callback record kept changing under us');
  }
}
