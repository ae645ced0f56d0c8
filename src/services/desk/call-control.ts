// Call control for the agent beyond answer/hold/hang-up (issue 5): blind transfer to an external
// line, attended transfer (consult, complete, cancel), three-way calls with an expert seat or a
// handling unit's fixed line (三方通话, 三固定), and the emergency handoff to 110/119/120/122.
// The desk service calls it for a connected call on the instance that owns the call; it drives
// only the Switch port, so the flows run on the simulated switch and on FreeSWITCH alike.
//
// How the legs are wired, and why:
// - The caller never leaves our switch before the far end has answered: an outbound leg is
//   originated first and bridged to the caller only once answered, so busy, no answer or a
//   refusal leaves the caller with the agent (never dropped).
// - During a consult the agent and the target talk in a small conference rather than a direct
//   bridge, so the agent's leg survives the target hanging up and the caller can be brought back.
// - Three-way and emergency calls are conferences; the caller joins with `endconf` (FreeSWITCH
//   ends the conference when the caller leaves, even if this instance is gone) and the service
//   also hangs up the others itself, so it holds on every switch.

import type { Logger } from '../../log/logger.js';
import type { CallFact } from '../../core/calls/call-record.js';
import {
  checkAction,
  notReached,
  outsideHours,
  refusal,
  type CallControlAction,
  type CallControlState,
  type ConferenceRole,
  type Refusal,
} from '../../core/desk/call-control.js';
import { findLine, findUnit, unitOpenAt, type Directory } from '../../core/desk/directory.js';
import type { IntakeDraft } from '../../core/intake/draft.js';
import { toE164 } from '../../core/intake/phone.js';
import { EMERGENCY_LINE_NUMBERS, type EmergencyLineNumber, type EmergencyRoutes } from '../../core/ivr/flow.js';
import type { CallStore } from '../../core/ports/call-records.js';
import type { DeskCommand, DeskResult, ThreeWayParty, TransferTarget } from '../../core/ports/desk.js';
import type { CallId, Endpoint, OriginateRequest, Switch, SwitchEvent } from '../../core/ports/switch.js';
import type { AcceptedIntake } from '../intake-acceptor.js';

/** A call the desk has connected: the caller's leg bridged with the agent's leg. */
export interface ConnectedCall {
  /** The call id (the caller leg's channel uuid, DESIGN.md "Call identity"). */
  callId: string;
  /** Defaults to callId. */
  callerLeg?: CallId;
  agentLeg: CallId;
  agentId: string;
  /** The caller's number as received (CallInfo.caller). */
  caller: string;
}

/** What the desk decides: the ACD's part of transfers and the seats it reserves. */
export interface CallControlHooks {
  /** transfer.blind to a queue or an agent (the ACD requeues the caller or offers the agent). */
  blindToAcd?(call: ConnectedCall, to: Exclude<TransferTarget, { kind: 'external' }>): Promise<DeskResult>;
  /**
   * The phone of an agent to consult, reserved by the desk; undefined when they cannot take it. A
   * reservation made ends with the `consult.ended` notice naming the agent (always sent once the
   * hook returned a phone): kept and made the call's on `completed`, released otherwise.
   */
  agentEndpoint?(agentId: string, call: ConnectedCall): Promise<{ endpoint: Endpoint; name: string } | undefined>;
  /** A reserved expert's phone or the expert queue's number (专家座席); undefined when none is free. */
  expertEndpoint?(queue: string, call: ConnectedCall): Promise<{ endpoint: Endpoint; name: string; expertId?: string } | undefined>;
}

/** Told to the desk as it happens, so it can update agents' states and screens. */
export type CallControlNotice =
  /** The caller is back with the agent without the agent asking (the consult target or third party hung up). */
  | { type: 'caller.back'; callId: string; agentId: string; why: 'consult-target-hung-up' | 'party-hung-up' }
  /** The agent's part is over and call control hangs up their leg (not the end of the caller's call): wrap-up. */
  | { type: 'agent.released'; callId: string; agentId: string; why: 'transferred' | 'left-conference' }
  /** After an attended transfer to another agent, that agent has the caller. */
  | { type: 'agent.joined'; callId: string; agentId: string; agentLeg: CallId }
  /** A consult is over; `agentId` names a consulted agent the desk reserved, to release or keep. */
  | { type: 'consult.ended'; callId: string; agentId?: string; outcome: 'completed' | 'cancelled' | 'not-answered' | 'target-hung-up' | 'call-ended' }
  /** The caller hung up: every leg call control placed is gone. */
  | { type: 'call.ended'; callId: string; agentId: string };

export interface CallControlOptions {
  switch: Switch;
  calls: Pick<CallStore, 'appendFact'>;
  /** The one intake path (IntakeAcceptor.accept) the emergency handoff's record takes. */
  intakes: { accept(draft: IntakeDraft): Promise<AcceptedIntake> };
  directory: Directory;
  /** The IVR's emergency routes (config/ivr.yaml `emergency`): one place for trunk and numbers. */
  emergency: EmergencyRoutes;
  /** What the caller hears on hold during a consult or while a blind transfer rings. */
  holdMusic: string;
  log: Logger;
  hooks?: CallControlHooks;
  /** The time fixed-line hours and consent are judged by (tests inject one). */
  clock?: () => Date;
  /** Caller id on three-way legs (the fixed lines see the centre). Default 12345. */
  centreNumber?: string;
  /** How long an outbound leg rings. Default 30 s. */
  ringTimeoutSec?: number;
}

type LegRole = 'caller' | 'agent' | 'consult' | 'party';

interface Tracked {
  state: CallControlState;
  call: ConnectedCall;
  log: Logger;
}

const CANCELLED: Refusal = refusal('CANCELLED');
/** The caller hung up meanwhile (the hang-up handler changes the phase while a command awaits the switch). */
const ended = (s: CallControlState): boolean => s.phase === 'ended';
/** Ended, or something else (a cancel, a hang-up) moved the call on since the command read `epoch`. */
const changed = (s: CallControlState, epoch: number): boolean => ended(s) || s.epoch !== epoch;
const gateway = (trunk: string, number: string): Endpoint => ({ kind: 'gateway', gateway: trunk, number });

export class CallControl {
  private readonly calls = new Map<string, Tracked>();
  private readonly legs = new Map<CallId, { callId: string; role: LegRole }>();
  private readonly listeners = new Set<(n: CallControlNotice) => void>();
  private unsubscribe?: () => void;
  private readonly sw: Switch;
  private readonly clock: () => Date;

  constructor(private readonly o: CallControlOptions) {
    this.sw = o.switch;
    this.clock = o.clock ?? (() => new Date());
  }

  start(): void {
    this.unsubscribe ??= this.sw.on((e) => this.onSwitchEvent(e));
  }

  stop(): void {
    this.unsubscribe?.();
    delete this.unsubscribe;
  }

  on(listener: (n: CallControlNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The desk connected this call (agent answered, legs bridged): call control may act on it. */
  attach(call: ConnectedCall): void {
    const callerLeg = call.callerLeg ?? call.callId;
    const state: CallControlState = { callId: call.callId, callerLeg, agentLeg: call.agentLeg, agentId: call.agentId, phase: 'connected', epoch: 0 };
    this.calls.set(call.callId, { state, call: { ...call, callerLeg }, log: this.o.log.child({ callId: call.callId, agentId: call.agentId }) });
    this.legs.set(callerLeg, { callId: call.callId, role: 'caller' });
    this.legs.set(call.agentLeg, { callId: call.callId, role: 'agent' });
  }

  /** Forgets a call (the desk ended it); legs call control placed are not touched. */
  detach(callId: string): void {
    const t = this.calls.get(callId);
    if (!t) return;
    this.calls.delete(callId);
    for (const [leg, ref] of this.legs) if (ref.callId === callId) this.legs.delete(leg);
  }

  /** The call's state for the desk's screens and tests (a copy). */
  state(callId: string): Readonly<CallControlState> | undefined {
    const s = this.calls.get(callId)?.state;
    if (!s) return undefined;
    return {
      ...s,
      ...(s.consult ? { consult: { ...s.consult } } : {}),
      ...(s.conference ? { conference: { ...s.conference, members: new Set(s.conference.members) } } : {}),
    };
  }

  /** Carries out one of the desk's call-control commands for the agent on the call. */
  async handle(agentId: string, command: DeskCommand): Promise<DeskResult> {
    const t = 'callId' in command ? this.calls.get(command.callId) : undefined;
    if (!t || t.state.agentId !== agentId) return refusal('UNKNOWN_CALL');
    switch (command.type) {
      case 'transfer.blind':
        if (command.to.kind === 'external') return this.blindExternal(command.callId, command.to.number);
        return this.hook(t, 'blind', async () => this.blindToAcd(t, command.to as Exclude<TransferTarget, { kind: 'external' }>));
      case 'transfer.consult':
        return this.consult(command.callId, command.to);
      case 'transfer.complete':
        return this.complete(command.callId);
      case 'transfer.cancel':
        return this.cancel(command.callId);
      case 'threeway.consent':
        return this.recordConsent(command.callId);
      case 'threeway.start':
        return this.startThreeWay(command.callId, command.party);
      case 'threeway.leave':
        return this.leave(command.callId);
      case 'emergency.handoff':
        return this.emergencyHandoff(command.callId, { line: command.line, summary: command.summary, ...(command.location ? { location: command.location } : {}) });
      default:
        return refusal('UNSUPPORTED');
    }
  }

  /** Fills in the hooks the options did not give (the desk gives the ACD's part once it has built call control). */
  provide(hooks: CallControlHooks): void {
    this.o.hooks = { ...hooks, ...this.o.hooks };
  }

  // --- blind transfer to a queue or an agent (the desk's ACD part) ---

  /** The desk requeues the caller (on hold, never dropped) and releases the agent; the facts go on the call. */
  private async blindToAcd(t: Tracked, to: Exclude<TransferTarget, { kind: 'external' }>): Promise<DeskResult> {
    const hook = this.o.hooks?.blindToAcd;
    if (!hook) return refusal('UNSUPPORTED');
    const s = t.state;
    const target = to.kind === 'queue' ? `queue:${to.queue}` : `agent:${to.agentId}`;
    s.phase = 'switching';
    let result: DeskResult;
    try {
      result = await hook(t.call, to);
    } finally {
      if (s.phase === 'switching') s.phase = 'connected';
    }
    if (result.ok) await this.fact(t, 'transfer.blind.done', { to: target });
    else await this.fact(t, 'transfer.blind.failed', { to: target, outcome: result.code });
    return result;
  }

  // --- blind transfer to an external line ---

  /** The caller goes to a directory line (sub-centre 12348 …); busy or no answer → back with the agent. */
  async blindExternal(callId: string, number: string): Promise<DeskResult> {
    return this.guard(callId, 'blind', async (t) => {
      const s = t.state;
      const line = findLine(this.o.directory, number);
      if (!line) return refusal('NOT_IN_DIRECTORY');
      s.phase = 'blind-dialing';
      const epoch = s.epoch;
      await this.fact(t, 'transfer.blind.started', { to: line.number, name: line.name });
      await this.sw.hold(s.callerLeg, this.o.holdMusic);
      // Transfers both ways (art. 8): the sub-centre sees the citizen's own number.
      const leg = await this.originate(t, { endpoint: gateway(line.trunk, line.number), callerIdNumber: this.citizenId(t) });
      if (changed(s, epoch)) return this.abandonLeg(leg.callId, refusal('CALL_ENDED'));
      if (leg.outcome !== 'answered' || !leg.callId) {
        await this.backToAgent(t);
        await this.fact(t, 'transfer.blind.failed', { to: line.number, outcome: leg.outcome });
        return notReached(leg.outcome);
      }
      this.track(leg.callId, callId, 'party');
      await this.sw.bridge(s.callerLeg, leg.callId);
      await this.releaseAgent(t, 'transferred');
      await this.fact(t, 'transfer.blind.done', { to: line.number, name: line.name, leg: leg.callId });
      return { ok: true, detail: { to: line.number, name: line.name, leg: leg.callId } };
    });
  }

  // --- attended transfer ---

  /** Caller on hold with music; a consult leg to the target, talking with the agent. */
  async consult(callId: string, to: TransferTarget): Promise<DeskResult> {
    return this.guard(callId, 'consult', async (t) => {
      const s = t.state;
      let endpoint: Endpoint;
      let label: string;
      let callerIdNumber = this.citizenId(t);
      if (to.kind === 'external') {
        const line = findLine(this.o.directory, to.number);
        if (!line) return refusal('NOT_IN_DIRECTORY');
        endpoint = gateway(line.trunk, line.number);
        label = line.name;
      } else if (to.kind === 'agent') {
        const seat = await this.o.hooks?.agentEndpoint?.(to.agentId, t.call);
        if (!seat) return refusal('NO_AGENT');
        endpoint = seat.endpoint;
        label = seat.name;
        callerIdNumber = this.centreNumber;
      } else {
        return refusal('UNSUPPORTED');
      }
      if (s.phase !== 'connected') {
        // Changed while the desk looked the agent up: the hold it made for them ends at once.
        if (to.kind === 'agent') this.notify({ type: 'consult.ended', callId, agentId: to.agentId, outcome: ended(s) ? 'call-ended' : 'cancelled' });
        return checkAction(s, 'consult') ?? refusal('BUSY');
      }
      const conference = `consult-${callId}`;
      s.phase = 'consult-dialing';
      s.consult = { label, conference, ...(to.kind === 'agent' ? { agentId: to.agentId } : {}) };
      const epoch = s.epoch;
      const target = to.kind === 'external' ? to.number : `agent:${to.agentId}`;
      await this.fact(t, 'transfer.consult.started', { to: target, name: label });
      await this.sw.hold(s.callerLeg, this.o.holdMusic);
      // An agent's phone says whose it is (as the desk's own agent legs do): the call's record then
      // names the agent who had the call last.
      const variables = to.kind === 'agent' ? { hotline_entry: 'agent-leg', hotline_context: new URLSearchParams({ agentId: to.agentId, callId }).toString() } : undefined;
      const leg = await this.originate(t, { endpoint, callerIdNumber, ...(variables ? { variables } : {}) });
      if (ended(s)) return this.abandonLeg(leg.callId, refusal('CALL_ENDED'));
      if (s.epoch !== epoch) return this.abandonLeg(leg.callId, CANCELLED); // cancelled while it rang: the caller is back already
      if (leg.outcome !== 'answered' || !leg.callId) {
        const consulted = s.consult.agentId;
        delete s.consult;
        await this.backToAgent(t);
        await this.fact(t, 'transfer.consult.failed', { to: target, outcome: leg.outcome });
        this.notify({ type: 'consult.ended', callId, outcome: 'not-answered', ...(consulted ? { agentId: consulted } : {}) });
        return notReached(leg.outcome);
      }
      s.consult.leg = leg.callId;
      this.track(leg.callId, callId, 'consult');
      await this.sw.conferenceJoin(s.agentLeg, conference);
      await this.sw.conferenceJoin(leg.callId, conference);
      if (ended(s)) return refusal('CALL_ENDED');
      if (s.epoch !== epoch) return refusal('CONSULT_TARGET_GONE'); // the hang-up handler brought the caller back
      s.phase = 'consulting';
      await this.fact(t, 'transfer.consult.answered', { to: target, leg: leg.callId });
      return { ok: true, detail: { to: target, name: label, leg: leg.callId } };
    });
  }

  /** The caller is bridged to the consult target; the agent's leg is released. */
  async complete(callId: string): Promise<DeskResult> {
    return this.guard(callId, 'complete', async (t) => {
      const s = t.state;
      const consult = s.consult!;
      const target = consult.leg!;
      s.phase = 'switching';
      try {
        await this.sw.bridge(s.callerLeg, target);
      } catch (err) {
        // The target hung up in the same instant: the hang-up handler brings the caller back.
        t.log.warn({ err }, 'consult target gone at completion');
        delete s.consult;
        this.notify({ type: 'consult.ended', callId, outcome: 'target-hung-up', ...(consult.agentId ? { agentId: consult.agentId } : {}) });
        if (s.phase === 'switching') await this.backToAgent(t);
        return refusal('CONSULT_TARGET_GONE');
      }
      delete s.consult;
      await this.fact(t, 'transfer.completed', { to: consult.agentId ? `agent:${consult.agentId}` : consult.label, leg: target });
      this.notify({ type: 'consult.ended', callId, outcome: 'completed', ...(consult.agentId ? { agentId: consult.agentId } : {}) });
      if (consult.agentId) {
        // Another agent now has the caller: the call stays under call control with them.
        const old = { leg: s.agentLeg, agentId: s.agentId };
        this.notify({ type: 'agent.released', callId, agentId: old.agentId, why: 'transferred' });
        this.legs.delete(old.leg);
        s.agentLeg = target;
        s.agentId = consult.agentId;
        t.call = { ...t.call, agentLeg: target, agentId: consult.agentId };
        this.legs.set(target, { callId, role: 'agent' });
        s.phase = 'connected';
        delete s.consentAt; // consent was given to the agent before; the next one asks again
        this.notify({ type: 'agent.joined', callId, agentId: consult.agentId, agentLeg: target });
        await this.hangupQuietly(old.leg);
      } else {
        this.legs.set(target, { callId, role: 'party' });
        await this.releaseAgent(t, 'transferred');
      }
      return { ok: true, detail: { leg: target } };
    });
  }

  /** The consult leg is hung up; the caller comes off hold, back with the agent. */
  async cancel(callId: string): Promise<DeskResult> {
    return this.guard(callId, 'cancel', async (t) => {
      const s = t.state;
      const consult = s.consult!;
      s.epoch++; // a consult still ringing hangs its leg up when it answers
      delete s.consult;
      if (consult.leg) this.legs.delete(consult.leg);
      await this.backToAgent(t);
      if (consult.leg) await this.hangupQuietly(consult.leg);
      await this.fact(t, 'transfer.cancelled', { to: consult.agentId ? `agent:${consult.agentId}` : consult.label });
      this.notify({ type: 'consult.ended', callId, outcome: 'cancelled', ...(consult.agentId ? { agentId: consult.agentId } : {}) });
      return { ok: true };
    });
  }

  // --- three-way calls (三方通话) ---

  /** The agent records that the citizen agreed to a three-way call (art. 14 of seeds/002). */
  async recordConsent(callId: string): Promise<DeskResult> {
    const t = this.calls.get(callId);
    if (!t) return refusal('UNKNOWN_CALL');
    const no = checkAction(t.state, 'consent');
    if (no) return no;
    t.state.consentAt ??= this.clock().toISOString();
    await this.fact(t, 'threeway.consent', { agentId: t.state.agentId });
    return { ok: true, detail: { consentAt: t.state.consentAt } };
  }

  /** Caller, agent and an expert seat or a unit's fixed line in one conference; only with consent. */
  async startThreeWay(callId: string, party: ThreeWayParty): Promise<DeskResult> {
    return this.guard(callId, 'threeway', async (t) => {
      const s = t.state;
      let endpoint: Endpoint;
      let label: string;
      const detail: Record<string, string> = { party: party.kind };
      if (party.kind === 'fixed-line') {
        const unit = findUnit(this.o.directory, party.unitId);
        if (!unit) return refusal('UNKNOWN_UNIT');
        if (!unitOpenAt(unit, this.clock())) {
          // 三固定 (seeds/003 art. 4): outside the fixed hours nobody answers; a work order does.
          await this.fact(t, 'threeway.refused', { unit: unit.id, reason: 'outside-hours' });
          return outsideHours(unit);
        }
        endpoint = gateway(unit.trunk, unit.number);
        label = `${unit.name}（${unit.onDuty}）`;
        detail.unit = unit.id;
      } else {
        const expert = await this.o.hooks?.expertEndpoint?.(party.queue, t.call);
        if (!expert) return refusal('NO_EXPERT');
        endpoint = expert.endpoint;
        label = expert.name;
        detail.queue = party.queue;
        if (expert.expertId) detail.expertId = expert.expertId;
      }
      if (s.phase !== 'connected') return checkAction(s, 'threeway') ?? refusal('BUSY');
      s.phase = 'threeway-dialing';
      const epoch = s.epoch;
      await this.fact(t, 'threeway.dialing', { ...detail, name: label });
      // The caller stays with the agent while the third party rings.
      const leg = await this.originate(t, { endpoint, callerIdNumber: this.centreNumber });
      if (changed(s, epoch)) return this.abandonLeg(leg.callId, refusal('CALL_ENDED'));
      if (leg.outcome !== 'answered' || !leg.callId) {
        s.phase = 'connected';
        await this.fact(t, 'threeway.failed', { ...detail, outcome: leg.outcome });
        return notReached(leg.outcome);
      }
      const conference = await this.conference(t, 'threeway', leg.callId, label);
      await this.fact(t, 'threeway.started', { ...detail, name: label, conference, leg: leg.callId });
      return { ok: true, detail: { conference, name: label, leg: leg.callId } };
    });
  }

  /** The agent leaves the conference; the caller and the third party (or emergency operator) stay. */
  async leave(callId: string): Promise<DeskResult> {
    return this.guard(callId, 'leave', async (t) => {
      const s = t.state;
      const conf = s.conference!;
      s.phase = 'switching';
      await this.sw.conferenceLeave(s.agentLeg, conf.name);
      conf.members.delete('agent');
      await this.releaseAgent(t, 'left-conference');
      await this.fact(t, 'conference.agent-left', { conference: conf.name });
      return { ok: true };
    });
  }

  // --- emergency handoff (seeds/002 art. 11 (四); seeds/003 art. 2) ---

  /**
   * 110/119/120/122 from the emergency trunk, never queued, conferenced with the caller; the agent
   * stays on until the operator answers. The call's context goes as an intake marked for the line.
   */
  async emergencyHandoff(callId: string, request: { line: EmergencyLineNumber; summary: string; location?: string }): Promise<DeskResult> {
    if (!(EMERGENCY_LINE_NUMBERS as readonly string[]).includes(request.line)) return refusal('UNSUPPORTED');
    if (!request.summary.trim()) return refusal('SUMMARY_REQUIRED');
    return this.guard(callId, 'emergency', async (t) => {
      const s = t.state;
      const { line } = request;
      s.phase = 'emergency-dialing';
      const epoch = s.epoch;
      await this.fact(t, 'emergency.handoff.started', { line });
      // The record goes at once, whether or not the operator answers: emergency first.
      const intake = this.handoffIntake(t, request).then(
        (a) => ({ intakeId: a.intake.intakeId }),
        (err: unknown) => {
          t.log.error({ err, line }, 'emergency handoff intake not accepted');
          return { error: (err as Error).message };
        },
      );
      const leg = await this.originate(t, {
        endpoint: gateway(this.o.emergency.trunk, this.o.emergency.numbers[line]),
        // The citizen's number, so the operator can call back (the SIP front may show a fixed one).
        callerIdNumber: this.citizenId(t),
        variables: { hotline_priority: 'emergency', hotline_call_id: callId },
      });
      const record = await intake;
      const intakeDetail: Record<string, string> = 'intakeId' in record ? { intakeId: record.intakeId } : {};
      if (changed(s, epoch)) return this.abandonLeg(leg.callId, refusal('CALL_ENDED'));
      if (leg.outcome !== 'answered' || !leg.callId) {
        s.phase = 'connected';
        await this.fact(t, 'emergency.handoff.failed', { line, outcome: leg.outcome, ...intakeDetail });
        return refusal('EMERGENCY_FAILED');
      }
      const conference = await this.conference(t, 'emergency', leg.callId, line, line);
      await this.fact(t, 'emergency.handoff.answered', { line, conference, leg: leg.callId, ...intakeDetail });
      return { ok: true, detail: { line, conference, leg: leg.callId, ...intakeDetail, message: `${line}已接通，您可以退出通话，也可以继续陪同诉求人。` } };
    });
  }

  private handoffIntake(t: Tracked, request: { line: EmergencyLineNumber; summary: string; location?: string }): Promise<AcceptedIntake> {
    const phone = toE164(t.call.caller);
    return this.o.intakes.accept({
      channel: 'CHANNEL_PHONE',
      // One record per call and line, however often the command is retried.
      idempotencyKey: `phone:handoff:${t.call.callId}:${request.line}`,
      citizen: { ...(phone ? { phone } : {}), replyWanted: false },
      content: { text: request.summary.trim() },
      ...(request.location?.trim() ? { incident: { location: { text: request.location.trim() } } } : {}),
      links: { callId: t.call.callId, recordingId: t.call.callId, agentId: t.state.agentId },
      emergencyLine: `EMERGENCY_LINE_${request.line}`,
    });
  }

  // --- the switch's events ---

  private onSwitchEvent(e: SwitchEvent): void {
    if (e.type !== 'call.hungup') return;
    const ref = this.legs.get(e.callId);
    if (!ref) return;
    this.legs.delete(e.callId);
    const t = this.calls.get(ref.callId);
    if (!t) return;
    const s = t.state;
    const react = (work: () => Promise<void>) => {
      void work().catch((err: unknown) => t.log.error({ err, leg: e.callId, role: ref.role }, 'call control could not react to a hang-up'));
    };
    switch (ref.role) {
      case 'caller':
        s.phase = 'ended';
        s.epoch++;
        react(() => this.callerGone(t));
        return;
      case 'agent':
        if (e.callId !== s.agentLeg) return;
        if (s.phase === 'consulting' && s.consult?.leg) {
          // The agent put the phone down mid-consult: the caller goes to the target, never dropped.
          react(async () => {
            await this.complete(s.callId);
          });
        } else if (s.conference?.members.delete('agent')) {
          s.phase = 'released';
          react(() => this.fact(t, 'conference.agent-left', { conference: s.conference!.name, why: 'hung-up' }));
        }
        return;
      case 'consult':
        if (s.consult?.leg !== e.callId) return;
        s.epoch++;
        if (s.phase === 'consulting' || s.phase === 'consult-dialing') {
          const consulted = s.consult.agentId;
          delete s.consult;
          react(async () => {
            await this.backToAgent(t);
            await this.fact(t, 'transfer.consult.target-hung-up', {});
            this.notify({ type: 'consult.ended', callId: s.callId, outcome: 'target-hung-up', ...(consulted ? { agentId: consulted } : {}) });
            this.notify({ type: 'caller.back', callId: s.callId, agentId: s.agentId, why: 'consult-target-hung-up' });
          });
        }
        return;
      case 'party':
        react(() => this.partyGone(t, e.callId));
        return;
    }
  }

  /** The caller hung up: a conference ends for all, a consult leg goes, nothing call control placed stays up. */
  private async callerGone(t: Tracked): Promise<void> {
    const s = t.state;
    const legs: CallId[] = [];
    if (s.consult?.leg) legs.push(s.consult.leg);
    if (s.conference) {
      legs.push(s.conference.partyLeg);
      if (s.conference.members.has('agent')) legs.push(s.agentLeg);
    }
    for (const [leg, ref] of this.legs) if (ref.callId === s.callId && ref.role === 'party' && !legs.includes(leg)) legs.push(leg);
    const consulted = s.consult?.agentId;
    this.detach(s.callId);
    for (const leg of legs) await this.hangupQuietly(leg);
    if (s.consult) this.notify({ type: 'consult.ended', callId: s.callId, outcome: 'call-ended', ...(consulted ? { agentId: consulted } : {}) });
    this.notify({ type: 'call.ended', callId: s.callId, agentId: s.agentId });
  }

  /** The third party, the emergency operator or a blind-transfer target hung up. */
  private async partyGone(t: Tracked, leg: CallId): Promise<void> {
    const s = t.state;
    const conf = s.conference;
    if (!conf || conf.partyLeg !== leg) {
      // A blind-transfer target ended the call: the caller has nobody left.
      if (s.phase === 'released') await this.hangupQuietly(s.callerLeg);
      return;
    }
    conf.members.delete(conf.kind === 'emergency' ? 'emergency' : 'third-party');
    await this.fact(t, 'conference.party-left', { conference: conf.name });
    if (conf.members.has('agent')) {
      // The agent is still there: caller and agent talk on, as before the conference.
      delete s.conference;
      s.phase = 'switching';
      await this.backToAgent(t);
      this.notify({ type: 'caller.back', callId: s.callId, agentId: s.agentId, why: 'party-hung-up' });
    } else {
      await this.hangupQuietly(s.callerLeg);
    }
  }

  // --- steps ---

  /** Checks the action, runs it, and keeps the caller with the agent if the switch fails under it. */
  private async guard(callId: string, action: CallControlAction, work: (t: Tracked) => Promise<DeskResult>): Promise<DeskResult> {
    const t = this.calls.get(callId);
    if (!t) return refusal('UNKNOWN_CALL');
    const no = checkAction(t.state, action);
    if (no) return no;
    try {
      return await work(t);
    } catch (err) {
      t.log.error({ err, action }, 'call control step failed');
      const s = t.state;
      if (s.phase === 'ended') return refusal('CALL_ENDED');
      if (s.phase === 'released') return refusal('AGENT_RELEASED');
      if (action === 'leave') {
        s.phase = 'conference';
        return refusal('SWITCH_FAILED');
      }
      // Anything else: the caller back with the agent, whatever was half set up hung up.
      const strays = [s.consult?.leg, s.conference?.partyLeg].filter((l): l is string => !!l);
      const consulted = s.consult?.agentId;
      if (s.consult) this.notify({ type: 'consult.ended', callId: s.callId, outcome: 'not-answered', ...(consulted ? { agentId: consulted } : {}) });
      delete s.consult;
      delete s.conference;
      await this.backToAgent(t).catch((e: unknown) => t.log.error({ err: e }, 'could not bring the caller back to the agent'));
      for (const leg of strays) {
        this.legs.delete(leg);
        await this.hangupQuietly(leg);
      }
      return refusal('SWITCH_FAILED');
    }
  }

  private async hook(t: Tracked, action: CallControlAction, work: () => Promise<DeskResult>): Promise<DeskResult> {
    const no = checkAction(t.state, action);
    if (no) return no;
    return work();
  }

  private get centreNumber(): string {
    return this.o.centreNumber ?? '12345';
  }

  /** The citizen's number to show the far end; a withheld or malformed one shows the centre's instead. */
  private citizenId(t: Tracked): string {
    return /^\+?\d{3,20}$/.test(t.call.caller) ? t.call.caller : this.centreNumber;
  }

  private async originate(t: Tracked, request: Omit<OriginateRequest, 'timeoutSec'>): ReturnType<Switch['originate']> {
    const r = await this.sw.originate({ ...request, timeoutSec: this.o.ringTimeoutSec ?? 30 });
    t.log.info({ to: request.endpoint, outcome: r.outcome, leg: r.callId }, 'call control leg');
    return r;
  }

  /** Caller and agent bridged again (a bridge ends the hold, a consult conference, a conference). */
  private async backToAgent(t: Tracked): Promise<void> {
    const s = t.state;
    s.phase = 'switching';
    await this.sw.bridge(s.callerLeg, s.agentLeg);
    delete s.conference;
    if (s.phase === 'switching') s.phase = 'connected';
  }

  /** Caller, agent and the answered party into one conference; the caller's leaving ends it. */
  private async conference(t: Tracked, kind: 'threeway' | 'emergency', partyLeg: CallId, label: string, line?: string): Promise<string> {
    const s = t.state;
    const name = `${kind}-${s.callId}`;
    this.track(partyLeg, s.callId, 'party');
    const members = new Set<ConferenceRole>();
    s.conference = { name, kind, partyLeg, label, members, ...(line ? { line } : {}) };
    s.phase = 'switching';
    await this.sw.conferenceJoin(s.callerLeg, name, ['endconf']);
    members.add('caller');
    await this.sw.conferenceJoin(s.agentLeg, name);
    members.add('agent');
    await this.sw.conferenceJoin(partyLeg, name);
    members.add(kind === 'emergency' ? 'emergency' : 'third-party');
    if (s.phase === 'switching') s.phase = 'conference';
    return name;
  }

  /** The agent's part is over: the desk is told first (so it does not end the caller's call), then the leg goes. */
  private async releaseAgent(t: Tracked, why: 'transferred' | 'left-conference'): Promise<void> {
    const s = t.state;
    s.phase = 'released';
    this.legs.delete(s.agentLeg);
    this.notify({ type: 'agent.released', callId: s.callId, agentId: s.agentId, why });
    await this.hangupQuietly(s.agentLeg);
  }

  private async abandonLeg(leg: CallId | undefined, result: Refusal): Promise<Refusal> {
    if (leg) await this.hangupQuietly(leg);
    return result;
  }

  private async hangupQuietly(leg: CallId): Promise<void> {
    await this.sw.hangup(leg, 'NORMAL_CLEARING').catch(() => undefined); // already gone is fine
  }

  private track(leg: CallId, callId: string, role: LegRole): void {
    this.legs.set(leg, { callId, role });
  }

  /** Every step is a fact of the call, so the call-detail record shows transfers and conferences. */
  private async fact(t: Tracked, type: string, detail: Record<string, string>): Promise<void> {
    // Real time, not the injected clock (that one judges the fixed-line hours): facts sort with the IVR's.
    const f: CallFact = { at: new Date().toISOString(), type, detail: { agentId: t.state.agentId, ...detail } };
    await this.o.calls.appendFact(t.call.callId, f).catch((err: unknown) => t.log.warn({ err, type }, 'call fact not saved'));
  }

  private notify(n: CallControlNotice): void {
    for (const l of this.listeners) {
      try {
        l(n);
      } catch (err) {
        this.o.log.error({ err, notice: n.type }, 'call control listener threw');
      }
    }
  }
}
