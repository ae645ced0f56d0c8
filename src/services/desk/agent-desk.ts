import type { Logger } from '../../log/logger.js';
import { NOT_READY_REASONS, type AcdPolicy, type AgentStatus } from '../../core/acd/model.js';
import type { Acd } from '../../core/ports/acd.js';
import type { AgentProfile, DeskCommand, DeskNotice, DeskResult, DeskService } from '../../core/ports/desk.js';
import type { DeskBus } from '../../core/ports/desk-bus.js';
import type { DeskStore } from '../../core/ports/desk-store.js';
import type { CallCenterFigures } from '../../core/ports/figures.js';
import type { CallInfo, Switch } from '../../core/ports/switch.js';
import type { CallbackCaller } from '../../core/ports/callbacks.js';
import type { CallbackPlacement, CallbackPlacer, PlacementResult } from '../callback-service.js';
import type { CallerHistoryQuery } from '../../core/ports/work-order-query.js';
import { AgentTracker } from './agent-tracker.js';
import type { CallControl } from './call-control.js';
import { Dispatcher } from './dispatcher.js';
import { OwnedCalls } from './owned-calls.js';
import { submitWrapUp, type IntakeAccepting } from './wrap-up.js';
import type { QueueEvent } from '../ivr-runner.js';

export interface AgentDeskOptions {
  /** This gateway instance (the owner named on the calls it queues). */
  instanceId: string;
  /** The switches whose calls this instance owns (the IVR's). */
  switches: readonly Switch[];
  acd: Acd;
  store: DeskStore;
  bus: DeskBus;
  figures: CallCenterFigures;
  query: CallerHistoryQuery;
  acceptor: IntakeAccepting;
  /** The queues, offer and wrap-up settings (config `acd`). */
  policy: AcdPolicy;
  desk: { agentLegTimeoutSec: number; commandTimeoutMs: number; screenPopDeadlineMs: number; screenPopIntakes: number; tickMs: number };
  /** Music the caller hears while the agent holds. */
  holdMedia: string;
  /** Transfers, three-way calls and the emergency handoff, one per switch; without, those commands answer NOT_AVAILABLE. */
  callControl?: (sw: Switch) => CallControl;
  /** The IVR takes a connected call back to waiting in a queue (IvrRunner.requeue); enables blind transfer to a queue. */
  requeue?: (callId: string, queue: string) => boolean;
  /**
   * Callbacks (issue 6): the citizen's leg of an attempt; told when an agent connects with a live
   * caller (their pending callback is cancelled) and after every dispatch round (agents may be idle).
   */
  callbacks?: { caller: CallbackCaller; connected: (info: CallInfo) => void; dispatched: () => void };
  now?: () => number;
  log: Logger;
}

/**
 * The agent desk (DeskService): agents log in, set their state and act on calls; the commands on
 * a call are carried out by the instance that owns it, wherever the agent is connected. The IVR
 * of this instance reports its queue moves to `queueEvent`, so its calls are offered from here.
 */
export class AgentDesk implements DeskService, CallbackPlacer {
  private readonly tracker: AgentTracker;
  private readonly owned: OwnedCalls;
  private readonly dispatcher: Dispatcher;
  private readonly now: () => number;

  constructor(private readonly o: AgentDeskOptions) {
    this.now = o.now ?? Date.now;
    const log = o.log;
    const queues = [...o.policy.queues.values()];
    this.tracker = new AgentTracker({ bus: o.bus, store: o.store, figures: o.figures, queues, log });
    const wrapUpMs = o.policy.wrapUpMs;
    let dispatcher: Dispatcher | undefined;
    this.owned = new OwnedCalls({
      instanceId: o.instanceId,
      switches: o.switches,
      acd: o.acd,
      store: o.store,
      bus: o.bus,
      tracker: this.tracker,
      figures: o.figures,
      query: o.query,
      holdMedia: o.holdMedia,
      agentLegTimeoutSec: o.desk.agentLegTimeoutSec,
      wrapUpMs,
      afterMissedOffer: o.policy.afterMissedOffer,
      screenPop: { deadlineMs: o.desk.screenPopDeadlineMs, maxIntakes: o.desk.screenPopIntakes },
      wake: (queues) => dispatcher?.wake(queues),
      wrapUpDue: (agentId, atMs) => dispatcher?.wrapUpDue(agentId, atMs),
      ...(o.callControl ? { callControl: o.callControl } : {}),
      queues: new Set(o.policy.queues.keys()),
      ...(o.requeue ? { requeue: o.requeue } : {}),
      ...(o.callbacks ? { callbackCaller: o.callbacks.caller, onConnected: o.callbacks.connected } : {}),
      now: this.now,
      log,
    });
    this.dispatcher = dispatcher = new Dispatcher({
      instanceId: o.instanceId,
      acd: o.acd,
      bus: o.bus,
      tracker: this.tracker,
      owned: this.owned,
      queues,
      tickMs: o.desk.tickMs,
      wrapUpMs,
      ...(o.callbacks ? { onDispatched: o.callbacks.dispatched } : {}),
      now: this.now,
      log,
    });
  }

  /** Places a callback attempt through the queues (CallbackPlacer; OwnedCalls.placeCallback). */
  place(p: CallbackPlacement): Promise<PlacementResult> {
    return this.owned.placeCallback(p);
  }

  /** What the IVR tells of its queue moves (IvrRunner onQueue): dispatch at once, count, clear up. */
  queueEvent(e: QueueEvent): void {
    void this.owned.queueEvent(e).catch((err: unknown) => this.o.log.error({ err, callId: e.callId }, 'queue event not handled'));
  }

  async start(): Promise<void> {
    await this.o.bus.start({
      command: (agentId, command) => this.carryOut(agentId, command),
      reservation: (r) => void this.owned.offer(r).catch((err: unknown) => this.o.log.error({ err, callId: r.callId }, 'offer failed')),
    });
    this.owned.start();
    this.dispatcher.start();
  }

  async stop(): Promise<void> {
    await this.dispatcher.stop();
    this.owned.stop();
    await this.o.bus.stop();
  }

  /** One sweep and dispatch round now (tests; the loop runs it every tick). */
  tick(): Promise<void> {
    return this.dispatcher.tick();
  }

  async login(agent: AgentProfile): Promise<AgentStatus> {
    await this.o.store.saveProfile(agent);
    this.tracker.remember(agent);
    const at = this.now();
    const status = await this.o.acd.login(agent.agentId, agent.skills, at);
    await this.tracker.changed(status, at);
    if (status.state === 'available') this.dispatcher.wake(await this.tracker.queuesOf(agent.agentId));
    return status;
  }

  async logout(agentId: string): Promise<AgentStatus> {
    const at = this.now();
    const before = await this.o.acd.status(agentId);
    if (before.state === 'reserved' && before.callId) {
      // An agent leaving while a call rings for them hands it back first.
      await this.o.acd.release(agentId, before.callId, at, { state: 'available' });
      await this.o.bus.publish(agentId, { type: 'offer.withdrawn', callId: before.callId, reason: 'taken' });
    }
    const status = await this.o.acd.logout(agentId, at);
    await this.tracker.changed(status, at);
    return status;
  }

  subscribe(agentId: string, listener: (notice: DeskNotice) => void): () => void {
    return this.o.bus.subscribe(agentId, listener);
  }

  async command(agentId: string, command: DeskCommand): Promise<DeskResult> {
    try {
      switch (command.type) {
        case 'state.set':
          return await this.setState(agentId, command);
        case 'wrapup.submit':
          // Any instance can: the call's record is in Redis and the acceptor is the same everywhere.
          return await submitWrapUp(this.o.acceptor, await this.o.store.call(command.callId), agentId, command.form);
        default:
          return await this.routed(agentId, command);
      }
    } catch (err) {
      this.o.log.error({ err, agentId, command: command.type }, 'desk command failed');
      return { ok: false, code: 'INTERNAL', message: '操作失败，请重试' };
    }
  }

  /** Commands on a call go to the instance that owns it (through Redis when that is another one). */
  private async routed(agentId: string, command: Extract<DeskCommand, { callId: string }>): Promise<DeskResult> {
    if (this.owned.owns(command.callId)) return this.owned.command(agentId, command);
    const owner = (await this.o.store.call(command.callId))?.owner;
    if (!owner) return { ok: false, code: 'NOT_FOUND', message: '找不到该通话' };
    if (owner === this.o.instanceId) return this.owned.command(agentId, command);
    return this.o.bus.request(owner, agentId, command, this.o.desk.commandTimeoutMs);
  }

  /** A command routed here from another instance. */
  private async carryOut(agentId: string, command: DeskCommand): Promise<DeskResult> {
    if (!('callId' in command) || command.type === 'wrapup.submit') return this.command(agentId, command);
    return this.owned.command(agentId, command);
  }

  private async setState(agentId: string, c: Extract<DeskCommand, { type: 'state.set' }>): Promise<DeskResult> {
    if (c.state === 'not-ready' && c.reason !== undefined && (!NOT_READY_REASONS.includes(c.reason) || c.reason === 'missed-offer')) {
      return { ok: false, code: 'INVALID_FIELD', message: '示忙原因只能是小休、培训或会议' };
    }
    const before = await this.o.acd.status(agentId);
    if (before.state === 'logged-out') return { ok: false, code: 'CONFLICT', message: '请先登录' };
    const at = this.now();
    const status = await this.o.acd.setState(agentId, c.state, at, c.state === 'not-ready' ? (c.reason ?? 'break') : undefined);
    if (status.state !== c.state) {
      return { ok: false, code: 'CONFLICT', message: `${before.state === 'reserved' ? '来电振铃中' : '通话中'}，不能切换状态` };
    }
    await this.tracker.changed(status, at);
    if (status.state === 'available') this.dispatcher.wake(await this.tracker.queuesOf(agentId));
    return { ok: true, detail: { state: status.state } };
  }
}
