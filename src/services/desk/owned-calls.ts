import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import type { AcdPolicy, CallPriority, Reservation } from '../../core/acd/model.js';
import type { Acd } from '../../core/ports/acd.js';
import type { AgentProfile, DeskCommand, DeskNotice, DeskResult } from '../../core/ports/desk.js';
import { refusal } from '../../core/desk/call-control.js';
import type { DeskBus } from '../../core/ports/desk-bus.js';
import type { DeskCallState, DeskStore } from '../../core/ports/desk-store.js';
import type { CallCenterFigures } from '../../core/ports/figures.js';
import type { CallerHistoryQuery } from '../../core/ports/work-order-query.js';
import type { CallId, CallInfo, Switch, SwitchEvent } from '../../core/ports/switch.js';
import type { QueueEvent } from '../ivr-runner.js';
import type { CallbackCaller, CallbackDialResult } from '../../core/ports/callbacks.js';
import type { CallbackPlacement, PlacementResult } from '../callback-service.js';
import type { CallControl, CallControlNotice, ConnectedCall } from './call-control.js';
import type { AgentTracker } from './agent-tracker.js';
import { screenPop } from './screen-pop.js';

export interface OwnedCallsOptions {
  instanceId: string;
  switches: readonly Switch[];
  acd: Acd;
  store: DeskStore;
  bus: DeskBus;
  tracker: AgentTracker;
  figures: CallCenterFigures;
  query: CallerHistoryQuery;
  /** What the caller hears while the agent holds the call. */
  holdMedia: string;
  agentLegTimeoutSec: number;
  wrapUpMs: number;
  /** What an agent who let an offer lapse becomes (acd.afterMissedOffer). */
  afterMissedOffer: AcdPolicy['afterMissedOffer'];
  screenPop: { deadlineMs: number; maxIntakes: number };
  /** Run a dispatch for these queues soon. */
  wake: (queues: string[]) => void;
  /** The agent's wrap-up is due to end (a local timer; any instance's sweep does it otherwise). */
  wrapUpDue: (agentId: string, atMs: number) => void;
  /** Transfers, three-way calls and the emergency handoff on a switch (src/services/desk/call-control.ts). */
  callControl?: (sw: Switch) => CallControl;
  /** The queues a blind transfer may send a caller to (acd.queues). */
  queues: ReadonlySet<string>;
  /**
   * The IVR takes a connected call back to waiting in this queue (IvrRunner.requeue: hold music,
   * announcements, first arrival time and priority kept); false when it cannot. Without it, blind
   * transfer to a queue or an agent answers UNSUPPORTED.
   */
  requeue?: (callId: CallId, queue: string) => boolean;
  /** Dials the citizen of a callback once its agent is on the phone (issue 6); without it callbacks are not placed. */
  callbackCaller?: CallbackCaller;
  /** An agent is connected with a live caller (their pending callback is cancelled: they got through). */
  onConnected?: (info: CallInfo) => void;
  now: () => number;
  log: Logger;
}

interface LiveCall {
  info: CallInfo;
  sw: Switch;
  log: Logger;
  state: DeskCallState;
  queue?: string;
  enqueuedAtMs?: number;
  offer?: { agentId: string; queue: string; expiresAtMs: number; timer?: NodeJS.Timeout };
  agentId?: string;
  agentLegId?: string;
  /** Set the moment the caller's hang-up is seen, before anything else runs. */
  ended: boolean;
  /** Agent commands on one call run one at a time, in order. */
  chain: Promise<unknown>;
  cc?: CallControl;
  /** The agent's part of the call was closed (wrap-up started): never twice. */
  agentDone?: boolean;
  /**
   * A callback attempt (issue 6): a virtual call holding the callback's place until an agent
   * answers; then the citizen is dialled with this call id and the call goes on like any other.
   */
  callback?: { placement: CallbackPlacement; settle: (r: PlacementResult) => void };
  /** An attended transfer to this agent completed; call control's agent.joined follows at once. */
  joining?: string;
}

/** Commands call control carries out (not queued behind each other: a cancel must reach a consult still ringing). */
const CALL_CONTROL: ReadonlySet<DeskCommand['type']> = new Set([
  'transfer.blind',
  'transfer.consult',
  'transfer.complete',
  'transfer.cancel',
  'threeway.consent',
  'threeway.start',
  'threeway.leave',
  'emergency.handoff',
]);

const CALLBACK_OUTCOME_TEXT: Record<Exclude<CallbackDialResult['outcome'], 'reached'>, string> = {
  'no-answer': '无人接听',
  busy: '对方忙',
  'invalid-number': '号码无效',
  refused: '对方拒接',
  failed: '呼叫失败',
};

const GONE: DeskResult = { ok: false, code: 'NOT_FOUND', message: '该通话已结束' };
const NOT_YOURS: DeskResult = { ok: false, code: 'FORBIDDEN', message: '您不是该通话的座席' };

/**
 * The desk's side of the calls this instance owns (DESIGN.md "Call ownership"): it offers them
 * to the agents the ACD reserved, bridges the agent's phone in on answer, holds and hangs up,
 * and clears up after a caller who leaves — an agent being offered the call is released at once
 * and told (FreeSWITCH mod_callcenter #2540/#2529: agents stuck reserved, zombie agent legs).
 */
export class OwnedCalls {
  private readonly calls = new Map<CallId, LiveCall>();
  /** Agent leg → the caller's call. */
  private readonly legs = new Map<CallId, CallId>();
  private readonly unsubscribe: Array<() => void> = [];
  /** Calls whose offer this desk withdrew on the hang-up, until the IVR's own removal is reported. */
  private readonly withdrawn = new Set<CallId>();
  private readonly controls = new Map<Switch, CallControl>();

  constructor(private readonly o: OwnedCallsOptions) {
    for (const sw of o.switches) {
      const cc = o.callControl?.(sw);
      if (!cc) continue;
      this.controls.set(sw, cc);
      cc.provide({
        agentEndpoint: (agentId, c) => this.agentEndpoint(agentId, c),
        ...(o.requeue ? { blindToAcd: (c, to) => this.blindToAcd(c.callId, to) } : {}),
      });
    }
  }

  start(): void {
    for (const sw of this.o.switches) this.unsubscribe.push(sw.on((e) => this.onEvent(sw, e)));
    for (const cc of this.controls.values()) {
      cc.start();
      this.unsubscribe.push(cc.on((n) => this.onCallControl(n)), () => cc.stop());
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const c of this.calls.values()) clearTimeout(c.offer?.timer);
  }

  owns(callId: CallId): boolean {
    return this.calls.has(callId);
  }

  /** The IVR put the call in a queue, moved it, or took it out. */
  async queueEvent(e: QueueEvent): Promise<void> {
    const live = this.calls.get(e.callId);
    const at = this.o.now();
    switch (e.type) {
      case 'entered': {
        const standing = await this.o.acd.standing(e.callId);
        const enqueuedAtMs = standing?.enqueuedAtMs ?? at;
        if (live) {
          live.queue = e.queue;
          live.enqueuedAtMs ??= enqueuedAtMs;
        }
        await this.o.store.saveCall(e.callId, { owner: this.o.instanceId, state: 'waiting', queue: e.queue, enqueuedAtMs });
        break;
      }
      case 'moved': {
        const from = live?.queue ?? (await this.o.store.call(e.callId))?.queue;
        if (live) live.queue = e.queue;
        await this.o.store.saveCall(e.callId, { queue: e.queue });
        if (from && from !== e.queue) await this.o.figures.record({ type: 'overflowed', queue: from, to: e.queue, callId: e.callId, atMs: at });
        break;
      }
      case 'left': {
        // An agent the ACD freed while this desk had no offer on record (the offer was still on its
        // way): told here; an offer on record is withdrawn where the hang-up is seen, once.
        const told = this.withdrawn.delete(e.callId);
        if (e.releasedAgent && !live?.offer && !told) {
          await this.notify(e.releasedAgent, { type: 'offer.withdrawn', callId: e.callId, reason: 'caller-hung-up' });
          await this.tell(e.releasedAgent, at);
          this.o.wake(await this.o.tracker.queuesOf(e.releasedAgent));
        }
        if (e.endedAgent) {
          // Its owner died mid-call: the agent hears it ended here; their wrap-up ends by the sweep.
          await this.notify(e.endedAgent, { type: 'call.state', callId: e.callId, state: 'ended' });
          await this.tell(e.endedAgent, at);
        }
        return;
      }
    }
    if (await this.o.store.markOnce(e.callId, `offered:${e.queue}`)) {
      await this.o.figures.record({ type: 'offered', queue: e.queue, callId: e.callId, atMs: at });
    }
    this.o.wake([e.queue]);
  }

  /** The ACD reserved an agent for a call of ours: offer it, with the screen pop, and arm the timeout. */
  async offer(r: Reservation): Promise<void> {
    const call = this.calls.get(r.callId);
    if (!call || call.ended) {
      // Gone before the offer (or not ours any more): free the agent at once.
      await this.releaseFor(r.callId, r.agentId, 'caller-hung-up');
      return;
    }
    call.offer = { agentId: r.agentId, queue: r.queue, expiresAtMs: r.offerExpiresAtMs };
    const offer = call.offer;
    const pop = await screenPop(this.o.query, call.info.caller, { ...this.o.screenPop, log: call.log });
    if (call.offer !== offer) return; // withdrawn while the core was asked (caller left, lapsed)
    await this.notify(r.agentId, {
      type: 'offer',
      callId: r.callId,
      queue: r.queue,
      caller: call.info.caller,
      entry: call.info.entry.kind,
      expiresAtMs: r.offerExpiresAtMs,
      screenPop: pop,
    });
    if (call.offer !== offer) return;
    offer.timer = setTimeout(() => void this.lapse(call, offer.agentId), Math.max(0, r.offerExpiresAtMs - this.o.now()));
    offer.timer.unref?.();
    call.log.info({ agentId: r.agentId, queue: r.queue, waitedMs: r.waitedMs }, 'call offered');
  }

  /**
   * Places one callback attempt (issue 6, art. 13 of seeds/002): the callback takes a place in its
   * queue as a virtual call (keep-my-place: the caller's own place; busy-time: the callback band,
   * behind every live caller), the ACD reserves an agent and the agent is offered it like any call
   * (agent first); when the agent answers, their phone is rung, then the citizen is dialled showing
   * 12345 and bridged (CallbackCaller). Resolves when the citizen was reached or the attempt
   * failed — or, not placed, when the placement is aborted before an agent took it.
   */
  async placeCallback(p: CallbackPlacement): Promise<PlacementResult> {
    const sw = this.o.switches[0];
    if (!sw || !this.o.callbackCaller) return { placed: false, why: 'no-switch' };
    let settle!: (r: PlacementResult) => void;
    const done = new Promise<PlacementResult>((r) => (settle = r));
    const info: CallInfo = {
      callId: p.callId,
      switchId: sw.id,
      direction: 'outbound',
      caller: p.callback.number,
      dialled: p.callback.number,
      entry: { kind: 'callback', context: { callbackId: p.callback.id, attempt: String(p.attempt) } },
      answered: false,
      createdAt: new Date(this.o.now()).toISOString(),
    };
    const call: LiveCall = {
      info,
      sw,
      log: this.o.log.child({ callId: p.callId, callbackId: p.callback.id, attempt: p.attempt }),
      state: 'waiting',
      queue: p.queue,
      enqueuedAtMs: p.enqueuedAtMs,
      ended: false,
      chain: Promise.resolve(),
      callback: { placement: p, settle: (r) => settle(r) },
    };
    if (p.signal.aborted) return { placed: false, why: 'aborted' };
    this.calls.set(p.callId, call);
    const entered = (async () => {
      await this.o.store.saveCall(p.callId, { owner: this.o.instanceId, state: 'waiting', queue: p.queue, enqueuedAtMs: p.enqueuedAtMs, caller: info.caller, entry: info.entry });
      await this.o.acd.enqueue({ callId: p.callId, queue: p.queue, priority: p.priority, enqueuedAtMs: p.enqueuedAtMs, owner: this.o.instanceId });
    })();
    // A cancel while the virtual call is still entering the queue withdraws it once it is in:
    // removed before its enqueue landed, it would wait in the queue for nobody.
    const onAbort = () =>
      void entered.then(
        () => this.withdrawCallback(call).catch((err: unknown) => call.log.error({ err }, 'callback not withdrawn')),
        () => undefined, // not entered: the catch below withdraws it
      );
    p.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await entered;
      call.log.info({ queue: p.queue, priority: p.priority }, 'callback waits for an agent');
      this.o.wake([p.queue]);
      return await done;
    } catch (err) {
      await this.withdrawCallback(call).catch(() => undefined);
      throw err;
    } finally {
      p.signal.removeEventListener('abort', onAbort);
    }
  }

  /** The callback was cancelled (or ran out of time) before an agent took it: out of the queue, any offer withdrawn. */
  private async withdrawCallback(call: LiveCall): Promise<void> {
    if (call.ended || !call.callback || (call.state !== 'waiting' && !call.offer)) return;
    call.ended = true;
    const offer = call.offer;
    if (offer) {
      clearTimeout(offer.timer);
      delete call.offer;
      await this.releaseFor(call.info.callId, offer.agentId, 'taken');
    } else {
      const { releasedAgent } = await this.o.acd.remove(call.info.callId);
      if (releasedAgent) await this.releaseFor(call.info.callId, releasedAgent, 'taken');
    }
    this.calls.delete(call.info.callId);
    await this.o.store.saveCall(call.info.callId, { state: 'ended', endedAtMs: this.o.now() });
    call.callback.settle({ placed: false, why: 'aborted' });
  }

  /** Commands on a call this instance owns. */
  command(agentId: string, command: Extract<DeskCommand, { callId: string }>): Promise<DeskResult> {
    const call = this.calls.get(command.callId);
    if (!call) return Promise.resolve(GONE);
    if (CALL_CONTROL.has(command.type)) return this.callControl(call, agentId, command);
    const run = async (): Promise<DeskResult> => {
      switch (command.type) {
        case 'call.answer':
          return this.answer(call, agentId);
        case 'call.decline':
          return this.decline(call, agentId);
        case 'call.hold':
        case 'call.unhold':
          return this.hold(call, agentId, command.type === 'call.hold');
        case 'call.hangup':
          return this.hangup(call, agentId);
        default:
          return { ok: false, code: 'NOT_AVAILABLE', message: '该功能暂未开通' };
      }
    };
    const result = call.chain.then(run, run);
    call.chain = result.catch(() => undefined);
    return result;
  }

  private async callControl(call: LiveCall, agentId: string, command: Extract<DeskCommand, { callId: string }>): Promise<DeskResult> {
    if (call.agentId !== agentId || call.agentDone) return NOT_YOURS;
    if (call.ended) return GONE;
    if (!call.cc) return { ok: false, code: 'NOT_AVAILABLE', message: '该功能暂未开通' };
    const result = await call.cc.handle(agentId, command);
    if (result.ok && !call.agentDone) {
      const state = command.type === 'transfer.consult' ? 'consulting' : command.type === 'threeway.start' || command.type === 'emergency.handoff' ? 'conference' : command.type === 'transfer.cancel' ? 'connected' : undefined;
      if (state) await this.notify(agentId, { type: 'call.state', callId: call.info.callId, state });
    }
    return result;
  }

  /**
   * The other agent's phone for a consult: only an available agent (not the one asking), held for
   * this call in the ACD from now on (reserved, out of every available set, atomically: a dispatch
   * at the same moment gets them or this refuses) and told so. The hold ends with the consult
   * (onCallControl, consult.ended): the call becomes theirs on completion, else they are available.
   */
  private async agentEndpoint(agentId: string, c: ConnectedCall): Promise<{ endpoint: AgentProfile['endpoint']; name: string } | undefined> {
    if (agentId === c.agentId) return undefined;
    const profile = await this.o.store.profile(agentId);
    if (!profile) return undefined;
    const queue = this.calls.get(c.callId)?.queue;
    const at = this.o.now();
    const held = await this.o.acd.reserve(agentId, at, { kind: 'consult', callId: c.callId, owner: this.o.instanceId, ...(queue ? { queue } : {}) });
    if (!held) return undefined;
    await this.tell(agentId, at);
    return { endpoint: profile.endpoint, name: profile.name };
  }

  /** A consult with another agent ended without handing them the call: available again, in their old place, and told. */
  private async endConsultHold(callId: CallId, agentId: string): Promise<void> {
    const at = this.o.now();
    await this.o.acd.release(agentId, callId, at, { state: 'available' });
    await this.tell(agentId, at);
    this.o.wake(await this.o.tracker.queuesOf(agentId));
  }

  /**
   * transfer.blind to a queue or a named agent: the caller is held first (a held call leaves its
   * bridge, so the agent's leg can go without the caller), the agent's part ends (wrap-up), and the
   * IVR takes the call back to waiting in the queue with its first arrival time and priority. The
   * call is then this desk's waiting call again — for a named agent, one already offered to them.
   */
  private async blindToAcd(callId: CallId, to: { kind: 'queue'; queue: string } | { kind: 'agent'; agentId: string }): Promise<DeskResult> {
    const call = this.calls.get(callId);
    if (!call || call.ended) return GONE;
    const agentId = call.agentId;
    const leg = call.agentLegId;
    if (!agentId || !leg || call.state !== 'connected') return { ok: false, code: 'CONFLICT', message: '通话未处于可转接状态（保持中请先恢复通话）' };
    if (to.kind === 'agent') return this.blindToAgent(call, agentId, leg, to.agentId);
    if (!this.o.queues.has(to.queue)) return refusal('UNKNOWN_QUEUE');
    const sw = call.sw;
    await sw.hold(callId, this.o.holdMedia);
    if (call.ended) return GONE;
    // The first agent's part ends first (ending their call clears the call's ACD entry), then the
    // IVR queues the caller again; the caller holds throughout.
    await this.dropAgent(call, agentId, leg);
    await this.o.acd.remove(callId);
    if (!this.o.requeue?.(callId, to.queue) && !call.ended) {
      // Only if the IVR session is gone under us: the caller must not hold for nobody.
      call.log.error({ queue: to.queue }, 'the IVR could not requeue a blind-transferred call; it is queued directly');
      await this.o.acd.enqueue({ callId, queue: to.queue, priority: priorityOf(call), enqueuedAtMs: call.enqueuedAtMs ?? this.o.now(), owner: this.o.instanceId });
      this.o.wake([to.queue]);
    }
    call.log.info({ agentId, queue: to.queue }, 'blind transfer to a queue: the caller waits again');
    return { ok: true, detail: { to: `queue:${to.queue}` } };
  }

  /**
   * transfer.blind to a named agent: only one who is available now. The caller is held, the agent
   * reserved for the call with the normal offer timeout (Acd.reserve, atomically: lost to a
   * dispatch meanwhile, the caller comes back to the first agent), the first agent's call ending in
   * the same step; the IVR takes the caller back to waiting in the call's queue, and the named
   * agent is offered the call as any (screen pop, answer, decline, lapse: back to the head of the
   * queue, first arrival kept).
   */
  private async blindToAgent(call: LiveCall, agentId: string, leg: CallId, target: string): Promise<DeskResult> {
    const callId = call.info.callId;
    const queue = call.queue;
    if (target === agentId || (await this.o.acd.status(target)).state !== 'available') return refusal('AGENT_NOT_AVAILABLE');
    if (!queue) return { ok: false, code: 'CONFLICT', message: '该通话不属于任何队列，无法转接到指定座席，请转接到队列。' };
    const sw = call.sw;
    await sw.hold(callId, this.o.holdMedia);
    if (call.ended) return GONE;
    const at = this.o.now();
    const r = await this.o.acd.reserve(target, at, {
      kind: 'offer',
      call: { callId, queue, priority: priorityOf(call), enqueuedAtMs: call.enqueuedAtMs ?? at, owner: this.o.instanceId },
      from: agentId,
    });
    if (!r) {
      // Taken by a dispatch (or gone) since it was checked: the caller back with the agent.
      await sw.unhold(callId);
      await sw.bridge(callId, leg);
      return refusal('AGENT_NOT_AVAILABLE');
    }
    await this.dropAgent(call, agentId, leg);
    if (!this.o.requeue?.(callId, queue)) call.log.error({ queue }, 'the IVR could not take a blind-transferred call back to waiting; the offer stands');
    await this.tell(target, at);
    void this.offer(r).catch((err: unknown) => call.log.error({ err, agentId: target }, 'offer failed'));
    call.log.info({ agentId, to: target }, 'blind transfer to an agent: offered to them');
    return { ok: true, detail: { to: `agent:${target}` } };
  }

  /** The agent's part of a blind transfer ends: their leg hung up (not the caller's call), wrap-up. */
  private async dropAgent(call: LiveCall, agentId: string, leg: CallId): Promise<void> {
    call.cc?.detach(call.info.callId);
    delete call.cc;
    this.legs.delete(leg);
    delete call.agentId;
    delete call.agentLegId;
    call.state = 'waiting';
    await call.sw.hangup(leg, 'NORMAL_CLEARING').catch(() => undefined);
    await this.closeAgent(call, agentId, 'transferred');
  }

  /** What call control tells as it happens: the agent released (transferred, left), another agent joined, the caller back. */
  private onCallControl(n: CallControlNotice): void {
    // A consulted agent's hold ends with the consult, even when the caller's hang-up ended it.
    if (n.type === 'consult.ended' && n.agentId && n.outcome !== 'completed') {
      const agentId = n.agentId;
      void this.endConsultHold(n.callId, agentId).catch((err: unknown) => this.o.log.error({ err, callId: n.callId, agentId }, 'consulted agent not released'));
    }
    const call = this.calls.get(n.callId);
    if (!call) return;
    switch (n.type) {
      case 'agent.released':
        // Told before the agent's leg is hung up: that hang-up must not end the caller's call.
        if (call.agentLegId) this.legs.delete(call.agentLegId);
        if (n.why === 'transferred' && call.joining) return; // handed over at agent.joined
        call.state = 'released';
        void this.agentFinished(call, n.agentId, n.why === 'transferred' ? 'transferred' : 'ended').catch((err: unknown) => call.log.error({ err }, 'agent not released'));
        return;
      case 'caller.back':
        void this.notify(n.agentId, { type: 'call.state', callId: n.callId, state: 'connected' });
        return;
      case 'agent.joined': {
        const from = call.agentId;
        if (call.joining !== n.agentId || !from) return;
        // Before anything is awaited: the new agent's phone and commands are this call's at once,
        // and a hang-up right after waits for the hand-over (callerLeft awaits the chain).
        delete call.joining;
        call.agentId = n.agentId;
        call.agentLegId = n.agentLeg;
        call.state = 'connected';
        this.legs.set(n.agentLeg, call.info.callId);
        const handOver = () => this.handOver(call, from, n.agentId, n.agentLeg);
        call.chain = call.chain.then(handOver, handOver).catch((err: unknown) => call.log.error({ err }, 'call not handed over to the consulted agent'));
        return;
      }
      case 'consult.ended':
        if (n.outcome === 'completed' && n.agentId) call.joining = n.agentId;
        if (n.outcome === 'not-answered' && call.agentId) void this.notify(call.agentId, { type: 'call.state', callId: n.callId, state: 'connected' });
        return;
      default:
        return;
    }
  }

  /**
   * An attended transfer to another agent completed: in the ACD they are on the call and the first
   * agent in wrap-up (one step, Acd.join); the desk's record names them and their leg; both are told.
   */
  private async handOver(call: LiveCall, from: string, agentId: string, leg: CallId): Promise<void> {
    const callId = call.info.callId;
    const at = this.o.now();
    if (!(await this.o.acd.join(agentId, callId, at, from))) {
      call.log.warn({ agentId }, 'the consulted agent was no longer held for the call (logged out?); the desk gives them the call all the same');
    }
    await this.closeAgent(call, from, 'transferred');
    await this.o.store.saveCall(callId, { state: 'connected', agentId, agentLegId: leg });
    await this.o.store.setLastCall(agentId, callId);
    await this.tell(agentId, at);
    await this.notify(agentId, { type: 'call.state', callId, state: 'connected' });
    call.log.info({ from, agentId, leg }, 'attended transfer: the consulted agent has the call');
  }

  private async answer(call: LiveCall, agentId: string): Promise<DeskResult> {
    const { acd, sw } = { acd: this.o.acd, sw: call.sw };
    const offer = call.offer;
    if (call.ended) return GONE;
    if (!offer || offer.agentId !== agentId) return { ok: false, code: 'CONFLICT', message: '该来电已不再向您振铃' };
    clearTimeout(offer.timer);
    delete call.offer;
    const at = this.o.now();
    if (!(await acd.accept(agentId, call.info.callId, at))) {
      await this.tell(agentId, at);
      return { ok: false, code: 'CONFLICT', message: '该来电已不再向您振铃' };
    }
    call.state = 'connecting';
    call.agentId = agentId;
    await this.tell(agentId, at);
    const profile = await this.o.store.profile(agentId);
    const legId = randomUUID();
    const outcome = profile
      ? await sw
          .originate({
            endpoint: profile.endpoint,
            callerIdNumber: call.info.caller,
            timeoutSec: this.o.agentLegTimeoutSec,
            variables: {
              origination_uuid: legId,
              hotline_entry: 'agent-leg',
              hotline_context: new URLSearchParams({ agentId, callId: call.info.callId }).toString(),
            },
          })
          .catch((err: unknown) => ({ outcome: 'failed' as const, cause: (err as Error).message, callId: undefined }))
      : { outcome: 'failed' as const, cause: 'no agent profile', callId: undefined };
    if (outcome.outcome !== 'answered' || !outcome.callId) {
      call.log.warn({ agentId, outcome: outcome.outcome, cause: outcome.cause }, "agent's phone did not answer; the call goes back to the head of its queue");
      return this.backToQueue(call, agentId);
    }
    const leg = outcome.callId;
    if (call.ended) {
      // The caller left while the agent's phone rang: no zombie agent leg.
      await sw.hangup(leg, 'ORIGINATOR_CANCEL').catch(() => undefined);
      await this.finishCall(call, agentId, false);
      return GONE;
    }
    if (call.callback) return this.dialCitizen(call, agentId, leg);
    this.legs.set(leg, call.info.callId);
    call.agentLegId = leg;
    try {
      await sw.bridge(call.info.callId, leg);
    } catch (err) {
      call.log.error({ err, agentId }, 'bridge with the agent failed');
      this.legs.delete(leg);
      await sw.hangup(leg, 'NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
      if (call.ended) {
        await this.finishCall(call, agentId, false);
        return GONE;
      }
      return this.backToQueue(call, agentId);
    }
    return this.connected(call, agentId, leg);
  }

  /** Caller (or reached citizen) and agent are bridged: call control, the record, the figures, the agent told. */
  private async connected(call: LiveCall, agentId: string, leg: CallId): Promise<DeskResult> {
    const answeredAt = this.o.now();
    call.state = 'connected';
    call.cc = this.controls.get(call.sw);
    call.cc?.attach({ callId: call.info.callId, agentLeg: leg, agentId, caller: call.info.caller });
    await this.o.store.saveCall(call.info.callId, { state: 'connected', agentId, agentLegId: leg, answeredAtMs: answeredAt });
    await this.o.store.setLastCall(agentId, call.info.callId);
    // Callbacks are not live calls: the live answer rate (art. 13) counts only callers who dialled in.
    if (!call.callback && call.queue && (await this.o.store.markOnce(call.info.callId, 'answered'))) {
      await this.o.figures.record({ type: 'answered', queue: call.queue, callId: call.info.callId, atMs: answeredAt, waitMs: Math.max(0, answeredAt - (call.enqueuedAtMs ?? answeredAt)) });
    }
    if (!call.callback) this.o.onConnected?.(call.info);
    await this.notify(agentId, { type: 'call.state', callId: call.info.callId, state: 'connected' });
    call.log.info({ agentId, leg }, 'agent connected');
    return { ok: true, detail: { agentLegId: leg } };
  }

  /**
   * A callback's agent is on the phone: the attempt is claimed, the citizen dialled (showing 12345,
   * the notice played on answer) and bridged with the agent. Not reached: the agent's leg goes and
   * the agent is free at once (no wrap-up for a call that did not happen).
   */
  private async dialCitizen(call: LiveCall, agentId: string, leg: CallId): Promise<DeskResult> {
    const cb = call.callback!;
    const sw = call.sw;
    const callId = call.info.callId;
    this.legs.set(leg, callId);
    call.agentLegId = leg;
    const notReached = async (result: PlacementResult, message: string): Promise<DeskResult> => {
      this.legs.delete(leg);
      await sw.hangup(leg, 'NORMAL_CLEARING').catch(() => undefined);
      call.ended = true;
      await this.finishCall(call, agentId, false);
      await this.o.store.saveCall(callId, { state: 'ended', endedAtMs: this.o.now() });
      cb.settle(result);
      return { ok: false, code: 'CALLBACK_NOT_REACHED', message };
    };
    if (!(await cb.placement.dialling({ agentId, switchId: sw.id }))) return notReached({ placed: false, why: 'cancelled' }, '该回拨已取消');
    await this.notify(agentId, { type: 'call.state', callId, state: 'connected', detail: { callback: 'dialling', text: '正在回拨市民，请稍候' } });
    const r = await this.o
      .callbackCaller!.dial({ callbackId: cb.placement.callback.id, attempt: cb.placement.attempt, number: call.info.caller, callId, agentLegId: leg, agentId, switchId: sw.id })
      .catch((err: unknown) => ({ outcome: 'failed' as const, cause: (err as Error).message }));
    if (r.outcome !== 'reached') {
      call.log.info({ agentId, outcome: r.outcome, cause: r.cause }, 'callback: citizen not reached');
      return notReached({ placed: true, agentId, result: r }, `回拨未接通（${CALLBACK_OUTCOME_TEXT[r.outcome]}）`);
    }
    call.info = { ...call.info, answered: true };
    cb.settle({ placed: true, agentId, result: r });
    if (call.ended) {
      // The citizen put the phone down at once: the agent's part ends as after any call.
      this.legs.delete(leg);
      await sw.hangup(leg, 'NORMAL_CLEARING').catch(() => undefined);
      await this.finishCall(call, agentId, true);
      return GONE;
    }
    return this.connected(call, agentId, leg);
  }

  /** The agent's phone failed: the call takes its place again (arrival time kept), the agent is set not ready. */
  private async backToQueue(call: LiveCall, agentId: string): Promise<DeskResult> {
    delete call.agentId;
    call.state = 'waiting';
    if (call.queue && call.enqueuedAtMs !== undefined && !call.ended) {
      // The ACD holds the call as answered: taken out and queued again with its first arrival
      // time, it is back at the head of its priority.
      const priority = priorityOf(call);
      await this.o.acd.remove(call.info.callId);
      await this.o.acd.enqueue({ callId: call.info.callId, queue: call.queue, priority, enqueuedAtMs: call.enqueuedAtMs, owner: this.o.instanceId });
    }
    const at = this.o.now();
    await this.o.acd.endCall(agentId, at);
    const status = await this.o.acd.setState(agentId, 'not-ready', at, 'missed-offer');
    await this.o.tracker.changed(status, at);
    if (call.queue) this.o.wake([call.queue]);
    return { ok: false, code: 'AGENT_PHONE_FAILED', message: '您的话机未能接通，来电已退回队列，您已被置为示忙' };
  }

  private async decline(call: LiveCall, agentId: string): Promise<DeskResult> {
    const offer = call.offer;
    if (!offer || offer.agentId !== agentId) return { ok: false, code: 'CONFLICT', message: '该来电已不再向您振铃' };
    clearTimeout(offer.timer);
    delete call.offer;
    const at = this.o.now();
    // Declining sets the agent not ready: left available, the same call would come straight back.
    await this.o.acd.release(agentId, call.info.callId, at, { state: 'not-ready', reason: 'missed-offer' });
    await this.tell(agentId, at);
    this.o.wake([offer.queue]);
    return { ok: true };
  }

  private async hold(call: LiveCall, agentId: string, on: boolean): Promise<DeskResult> {
    if (call.agentId !== agentId) return NOT_YOURS;
    if (call.ended) return GONE;
    if (on ? call.state !== 'connected' : call.state !== 'held') {
      return { ok: false, code: 'CONFLICT', message: on ? '通话未处于可保持状态' : '通话未处于保持状态' };
    }
    if (on) await call.sw.hold(call.info.callId, this.o.holdMedia);
    else {
      // A held call has left its bridge (port: hold, as FreeSWITCH does it): unhold ends the music
      // and the caller is bridged with the agent's leg again.
      await call.sw.unhold(call.info.callId);
      if (call.agentLegId) await call.sw.bridge(call.info.callId, call.agentLegId);
    }
    call.state = on ? 'held' : 'connected';
    await this.o.store.saveCall(call.info.callId, { state: call.state });
    await this.notify(agentId, { type: 'call.state', callId: call.info.callId, state: on ? 'held' : 'connected' });
    return { ok: true };
  }

  private async hangup(call: LiveCall, agentId: string): Promise<DeskResult> {
    if (call.agentId !== agentId) return NOT_YOURS;
    if (call.ended) return GONE;
    await call.sw.hangup(call.info.callId, 'NORMAL_CLEARING');
    return { ok: true };
  }

  private onEvent(sw: Switch, e: SwitchEvent): void {
    switch (e.type) {
      case 'call.arrived': {
        const c = e.call;
        if (c.direction === 'outbound' || ['agent-leg', 'callback', 'survey'].includes(c.entry.kind) || this.calls.has(c.callId)) return;
        this.calls.set(c.callId, {
          info: c,
          sw,
          log: this.o.log.child({ callId: c.callId }),
          state: 'waiting',
          ended: false,
          chain: Promise.resolve(),
        });
        void this.o.store
          .saveCall(c.callId, { owner: this.o.instanceId, caller: c.caller, entry: c.entry })
          .catch((err: unknown) => this.o.log.warn({ err, callId: c.callId }, 'desk call record not saved'));
        return;
      }
      case 'call.hungup': {
        const callerCall = this.legs.get(e.callId);
        if (callerCall) {
          this.legs.delete(e.callId);
          const c = this.calls.get(callerCall);
          if (!c || c.ended) return;
          const phase = c.cc?.state(callerCall)?.phase;
          if (!phase || phase === 'connected') {
            // The agent's phone hung up on a plain call: the citizen's call ends with it.
            void c.sw.hangup(callerCall, 'NORMAL_CLEARING').catch(() => undefined);
          } else if (phase === 'conference' || phase === 'released') {
            // The agent put the phone down in a conference: the citizen and the third party talk on.
            c.state = 'released';
            void this.agentFinished(c, c.agentId!, 'ended').catch((err: unknown) => c.log.error({ err }, 'agent not released'));
          }
          // Mid-consult, call control completes the transfer and says so (agent.released).
          return;
        }
        const call = this.calls.get(e.callId);
        if (!call) return;
        call.ended = true;
        void this.callerLeft(call).catch((err: unknown) => call.log.error({ err }, 'clearing up after the caller failed'));
        return;
      }
      default:
        return;
    }
  }

  /** The caller hung up: whatever stage the call was at, nobody is left reserved, ringing or talking. */
  private async callerLeft(call: LiveCall): Promise<void> {
    const at = this.o.now();
    const offer = call.offer;
    if (offer) {
      clearTimeout(offer.timer);
      delete call.offer;
      this.withdrawn.add(call.info.callId);
      await this.releaseFor(call.info.callId, offer.agentId, 'caller-hung-up');
    } else if (call.state === 'waiting') {
      await this.o.acd.remove(call.info.callId);
    }
    if (!call.callback && (call.state === 'waiting' || offer) && call.queue && (await this.o.store.markOnce(call.info.callId, 'abandoned'))) {
      await this.o.figures.record({ type: 'abandoned', queue: call.queue, callId: call.info.callId, atMs: at, waitMs: Math.max(0, at - (call.enqueuedAtMs ?? at)) });
    }
    // Connected (or held): the agent's leg goes with it, and the agent starts wrap-up. Connecting:
    // the answer in progress sees `ended` and clears up itself.
    if (call.state === 'connected' || call.state === 'held') {
      const agentId = call.agentId!;
      if (call.agentLegId) {
        this.legs.delete(call.agentLegId);
        await call.sw.hangup(call.agentLegId, 'NORMAL_CLEARING').catch(() => undefined);
      }
      await call.chain;
      await this.finishCall(call, agentId, true);
    }
    if (call.state !== 'connecting') this.calls.delete(call.info.callId);
    // A released call's end was the agent's release; the caller talked on with someone else.
    if (call.state !== 'released') await this.o.store.saveCall(call.info.callId, { state: 'ended', endedAtMs: at });
  }

  /** The call is over for its agent: wrap-up (or available), the agent told. */
  private async finishCall(call: LiveCall, agentId: string, talked: boolean): Promise<void> {
    call.state = 'ended';
    this.calls.delete(call.info.callId);
    call.cc?.detach(call.info.callId);
    await this.agentFinished(call, agentId, 'ended', talked);
  }

  /** The agent's part of the call is over (the caller's may go on): wrap-up (or available), the agent told. */
  private async agentFinished(call: LiveCall, agentId: string, how: 'ended' | 'transferred', talked = true): Promise<void> {
    if (call.agentDone) return;
    call.agentDone = true;
    if (talked) await this.o.store.saveCall(call.info.callId, { state: call.state === 'released' ? 'released' : 'ended', endedAtMs: this.o.now() });
    await this.closeAgent(call, agentId, how, talked);
  }

  /** The agent's ACD state after their part of a call (wrap-up, or available), the agent told. */
  private async closeAgent(call: LiveCall, agentId: string, how: 'ended' | 'transferred', talked = true): Promise<void> {
    const at = this.o.now();
    let status = await this.o.acd.endCall(agentId, at);
    if (!talked && status.state === 'wrap-up') status = await this.o.acd.setState(agentId, 'available', at);
    await this.notify(agentId, { type: 'call.state', callId: call.info.callId, state: how });
    if (status.state === 'wrap-up') {
      const untilMs = status.sinceMs + this.o.wrapUpMs;
      await this.notify(agentId, { type: 'wrapup.due', callId: call.info.callId, untilMs });
      this.o.wrapUpDue(agentId, untilMs);
    }
    await this.o.tracker.changed(status, at);
    if (status.state === 'available') this.o.wake(await this.o.tracker.queuesOf(agentId));
    call.log.info({ agentId, agentState: status.state, how }, 'call over for the agent');
  }

  /** The offer lapsed unanswered: the call goes back to the head of its queue, the agent is set not ready. */
  private async lapse(call: LiveCall, agentId: string): Promise<void> {
    const offer = call.offer;
    if (!offer || offer.agentId !== agentId) return;
    delete call.offer;
    try {
      const at = this.o.now();
      await this.o.acd.release(agentId, call.info.callId, at, this.o.afterMissedOffer === 'available' ? { state: 'available' } : { state: 'not-ready', reason: 'missed-offer' });
      await this.notify(agentId, { type: 'offer.withdrawn', callId: call.info.callId, reason: 'lapsed' });
      await this.tell(agentId, at);
      call.log.info({ agentId }, 'offer lapsed; the call goes to the next agent');
      this.o.wake([offer.queue]);
    } catch (err) {
      call.log.error({ err, agentId }, 'lapsed offer not released (the sweep retries)');
    }
  }

  /** Removes the call from the ACD and frees the agent reserved for it, who is told why. */
  private async releaseFor(callId: CallId, agentId: string, reason: 'caller-hung-up' | 'lapsed' | 'taken'): Promise<void> {
    const at = this.o.now();
    await this.o.acd.remove(callId);
    await this.notify(agentId, { type: 'offer.withdrawn', callId, reason });
    await this.tell(agentId, at);
    this.o.wake(await this.o.tracker.queuesOf(agentId));
  }

  private async tell(agentId: string, at: number): Promise<void> {
    await this.o.tracker.changed(await this.o.acd.status(agentId), at);
  }

  private notify(agentId: string, notice: DeskNotice): Promise<void> {
    return this.o.bus.publish(agentId, notice);
  }
}

/** The ACD priority a call of ours queues with (a transfer from an emergency line goes first, seeds/003 art. 2). */
function priorityOf(call: LiveCall): CallPriority {
  // A callback attempt keeps the priority it was placed with (its caller's place, or the callback band).
  return call.callback?.placement.priority ?? (call.info.entry.kind === 'emergency-transfer' ? 'emergency-transfer' : 'normal');
}
