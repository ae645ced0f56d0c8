// The IVR as a state machine with no I/O: step(state, event) → (state, commands). The runner in
// src/services/ivr-runner.ts carries the commands out on a Switch and feeds the results back.
//
// Rules it keeps:
// - 7×24 human service (DESIGN.md): invalid input and timeouts fall back to the caller's queue,
//   never to a hang-up; only a restricted caller (art. 34) is released, after a notice.
// - Emergency first (art. 11 (四) and last para.; seeds/003 measure 2): the emergency key works in
//   every phase, even during a restriction notice, and bypasses queues and restrictions.
// - A caller keeps their place: the queue entry is made when the welcome starts and is only left
//   for an emergency transfer, an agent, or the end of the call; moving to another queue (a key,
//   overflow) keeps the caller's first arrival time, so they land where it puts them (the ACD).
// - While waiting the caller hears their position and estimated wait at the queue's interval, and
//   past a configured wait the callback key is offered (the runner decides when; src/core/acd).
// - A call the SIP front admitted as callback-capture (the centre at capacity) is not queued: a
//   busy-time callback is asked (origin overload; art. 13 of seeds/002: calls not answered at busy
//   times are called back at idle times), the caller hears that they will be called back — or,
//   when the policy refuses one (a withheld number), that the line is busy — and is released.
//   Emergency transfers are never captured; a store fault falls back to the queue.

import type { CollectDigitsRequest, CollectDigitsResult } from '../ports/switch.js';
import type { CallDisposition } from '../calls/call-record.js';
import type { EmergencyLineNumber, IvrFlow, KeyAction } from './flow.js';

export type QueuePriority = 'emergency-transfer' | 'normal';

export type IvrPhase =
  | 'idle'
  | 'restricted-notice'
  | 'capture-request'
  | 'capture-notice'
  | 'welcome'
  | 'waiting'
  | 'announcing'
  | 'emergency-select'
  | 'emergency-transfer'
  | 'transferred'
  | 'progress-entry'
  | 'progress-lookup'
  | 'callback-request'
  | 'connected'
  | 'ended';

export interface IvrState {
  phase: IvrPhase;
  /** The queue the caller holds a place in, if any. */
  queue?: string;
  priority: QueuePriority;
  /** Released after the notice unless the emergency key is pressed. */
  restricted: boolean;
  /** Captured at overload (SIP front): the queue the busy-time callback belongs to. */
  capture?: { queue: string };
  /** Increments with every media command; completions carrying an older token are stale. */
  token: number;
  /** What follows the announcement being played. */
  then?: 'wait' | 'release';
  /** Media still to play in this announcement, in order (a position announcement is several). */
  pending?: string[];
  emergencyLine?: EmergencyLineNumber;
}

export type ProgressAnswer =
  | { found: true; status: string }
  | { found: false }
  | { unavailable: true };

export type IvrEvent =
  /**
   * `queue`: where the caller first waits (a local sub-centre line's queue); default the general
   * queue. `capture`: the SIP front admitted the call as callback-capture (ignored from 110/119/120/122).
   */
  | { type: 'start'; fromEmergencyLine: boolean; restricted: boolean; queue?: string; capture?: boolean }
  | { type: 'key'; digit: string }
  | { type: 'media.done'; token: number }
  | { type: 'digits'; token: number; result: CollectDigitsResult }
  | { type: 'progress.answer'; answer: ProgressAnswer }
  /** refused: the policy said no (withheld number, restricted …); failed: the store could not be asked. */
  | { type: 'callback.stored'; outcome: 'created' | 'existing' | 'refused' | 'failed' }
  | { type: 'transfer.done'; ok: boolean }
  | { type: 'bridged'; otherCallId: string }
  /** The agent blind-transferred the call to a queue (the caller is on hold already): waiting again, first arrival kept. */
  | { type: 'requeued'; queue: string }
  /** Position and estimated wait are due (the runner's timer): the prompts to play. */
  | { type: 'queue.status'; media: string[]; position: number; estimatedWaitSec?: number; callbackOffered: boolean }
  /** The ACD moved the call (overflow) keeping its place. */
  | { type: 'queue.overflowed'; to: string }
  | { type: 'hangup' };

export type IvrFact =
  | { type: 'ivr.started'; restricted: boolean; fromEmergencyLine: boolean }
  | { type: 'queue.entered'; queue: string; priority: QueuePriority }
  | { type: 'queue.left'; queue: string; why: 'moved' | 'emergency' | 'agent' | 'hangup' }
  | { type: 'queue.moved'; from: string; to: string; why: 'key' | 'overflow' }
  | { type: 'queue.announced'; position: number; estimatedWaitSec?: number; callbackOffered: boolean }
  | { type: 'key'; digit: string; action: KeyAction | 'invalid' }
  | { type: 'progress.queried'; outcome: 'found' | 'not-found' | 'unavailable' | 'no-input'; status?: string }
  | { type: 'callback.requested'; outcome: 'created' | 'existing' | 'failed' }
  /** The busy-time callback asked for a call captured at overload. */
  | { type: 'callback.captured'; outcome: 'created' | 'existing' | 'refused' | 'failed' }
  /** A captured call released after the capture prompt. */
  | { type: 'capture.released' }
  | { type: 'emergency.transfer'; line: EmergencyLineNumber; ok?: boolean }
  | { type: 'restricted.released' }
  | { type: 'agent.connected'; otherCallId: string };

export type IvrCommand =
  | { do: 'play'; media: string; token: number }
  | { do: 'collect'; token: number; request: CollectDigitsRequest }
  | { do: 'hold'; media: string; token: number }
  /** Ends whatever media is on the call (prompt, collection or hold music). */
  | { do: 'stop-media' }
  | { do: 'enter-queue'; queue: string; priority: QueuePriority }
  /** To another queue keeping the first arrival time (the place). */
  | { do: 'move-queue'; from: string; to: string }
  | { do: 'leave-queue'; queue: string }
  | { do: 'transfer-emergency'; line: EmergencyLineNumber }
  | { do: 'query-progress'; workOrder: string }
  /** The callback key (keep my place while queued); origin overload: a call captured at overload, for `queue`. */
  | { do: 'request-callback'; origin?: 'overload'; queue?: string }
  | { do: 'hangup'; cause: string }
  | { do: 'fact'; fact: IvrFact }
  | { do: 'finish'; disposition: CallDisposition; reason?: string };

export interface Step {
  state: IvrState;
  commands: IvrCommand[];
}

export function initialState(): IvrState {
  return { phase: 'idle', priority: 'normal', restricted: false, token: 0 };
}

/** Phases in which the caller's keys are taken as menu keys (the collect phases read their own). */
const KEY_PHASES: ReadonlySet<IvrPhase> = new Set(['welcome', 'waiting', 'announcing', 'restricted-notice', 'capture-request', 'capture-notice']);
/** Phases in which only the emergency key counts (art. 34 and overload never block emergencies). */
const EMERGENCY_ONLY: ReadonlySet<IvrPhase> = new Set(['restricted-notice', 'capture-request', 'capture-notice']);

export class IvrMachine {
  constructor(private readonly flow: IvrFlow) {}

  step(state: IvrState, event: IvrEvent): Step {
    const s: IvrState = { ...state };
    const out: IvrCommand[] = [];
    if (s.phase === 'ended') return { state: s, commands: out };
    if (event.type === 'hangup') return this.hangup(s);

    switch (event.type) {
      case 'start':
        return this.start(s, event.fromEmergencyLine, event.restricted, event.queue, event.capture ?? false);
      case 'key':
        if (!KEY_PHASES.has(s.phase)) return { state: s, commands: out };
        return this.key(s, event.digit);
      case 'media.done':
        if (event.token !== s.token) return { state: s, commands: out };
        return this.mediaDone(s);
      case 'digits':
        if (event.token !== s.token) return { state: s, commands: out };
        if (s.phase === 'emergency-select') {
          const chosen = event.result.outcome === 'ok' ? this.flow.emergency.select[event.result.digits] : undefined;
          return this.transferEmergency(s, out, chosen ?? this.flow.emergency.defaultLine);
        }
        if (s.phase === 'progress-entry') {
          if (event.result.outcome === 'ok' && event.result.digits.length >= this.flow.progress.minDigits) {
            s.phase = 'progress-lookup';
            out.push({ do: 'query-progress', workOrder: event.result.digits });
            return { state: s, commands: out };
          }
          out.push({ do: 'fact', fact: { type: 'progress.queried', outcome: 'no-input' } });
          return this.announce(s, out, this.flow.media.progressInvalid, 'wait');
        }
        return { state: s, commands: out };
      case 'progress.answer': {
        if (s.phase !== 'progress-lookup') return { state: s, commands: out };
        const a = event.answer;
        if ('unavailable' in a) {
          out.push({ do: 'fact', fact: { type: 'progress.queried', outcome: 'unavailable' } });
          return this.announce(s, out, this.flow.media.progressUnavailable, 'wait');
        }
        if (!a.found) {
          out.push({ do: 'fact', fact: { type: 'progress.queried', outcome: 'not-found' } });
          return this.announce(s, out, this.flow.media.progressNotFound, 'wait');
        }
        out.push({ do: 'fact', fact: { type: 'progress.queried', outcome: 'found', status: a.status } });
        return this.announce(s, out, this.flow.statusMedia[a.status] ?? this.flow.statusUnknownMedia, 'wait');
      }
      case 'callback.stored': {
        if (s.phase === 'capture-request') return this.captured(s, out, event.outcome);
        if (s.phase !== 'callback-request') return { state: s, commands: out };
        const outcome = event.outcome === 'refused' ? 'failed' : event.outcome;
        out.push({ do: 'fact', fact: { type: 'callback.requested', outcome } });
        const media =
          outcome === 'created'
            ? this.flow.media.callbackRegistered
            : outcome === 'existing'
              ? this.flow.media.callbackExisting
              : this.flow.media.callbackFailed;
        return this.announce(s, out, media, 'wait');
      }
      case 'transfer.done': {
        if (s.phase !== 'emergency-transfer') return { state: s, commands: out };
        out.push({ do: 'fact', fact: { type: 'emergency.transfer', line: s.emergencyLine!, ok: event.ok } });
        if (event.ok) {
          s.phase = 'transferred';
          return { state: s, commands: out };
        }
        // The emergency trunk failed: a person here takes the call at once, ahead of everyone.
        s.restricted = false;
        s.priority = 'emergency-transfer';
        this.enter(s, out, this.flow.queues.general);
        return this.announce(s, out, this.flow.media.emergencyFailed, 'wait');
      }
      case 'queue.status': {
        // Only over hold music: never cut into a prompt, a query or a key the caller is keying.
        if (s.phase !== 'waiting' || !s.queue || event.media.length === 0) return { state: s, commands: out };
        const fact: IvrFact = { type: 'queue.announced', position: event.position, callbackOffered: event.callbackOffered };
        if (event.estimatedWaitSec !== undefined) fact.estimatedWaitSec = event.estimatedWaitSec;
        out.push({ do: 'fact', fact });
        const [first, ...rest] = event.media;
        this.announce(s, out, first!, 'wait', true);
        if (rest.length) s.pending = rest;
        return { state: s, commands: out };
      }
      case 'queue.overflowed': {
        if (!s.queue || s.queue === event.to) return { state: s, commands: out };
        out.push({ do: 'fact', fact: { type: 'queue.moved', from: s.queue, to: event.to, why: 'overflow' } });
        s.queue = event.to;
        return { state: s, commands: out };
      }
      case 'bridged': {
        if (s.phase === 'transferred' || s.phase === 'connected') return { state: s, commands: out };
        s.token++;
        out.push({ do: 'stop-media' });
        if (s.queue) {
          out.push({ do: 'leave-queue', queue: s.queue }, { do: 'fact', fact: { type: 'queue.left', queue: s.queue, why: 'agent' } });
          delete s.queue;
        }
        out.push({ do: 'fact', fact: { type: 'agent.connected', otherCallId: event.otherCallId } });
        s.phase = 'connected';
        return { state: s, commands: out };
      }
      case 'requeued': {
        if (s.phase !== 'connected') return { state: s, commands: out };
        // Back in line with the priority it had; the runner keeps the first arrival time.
        this.enter(s, out, event.queue);
        return this.wait(s, out);
      }
    }
  }

  private start(s: IvrState, fromEmergencyLine: boolean, restricted: boolean, queue: string | undefined, capture: boolean): Step {
    const out: IvrCommand[] = [];
    out.push({ do: 'fact', fact: { type: 'ivr.started', restricted, fromEmergencyLine } });
    // Calls from 110/119/120/122 are never restricted and go ahead of the queue (seeds/003 measure 2).
    if (restricted && !fromEmergencyLine) {
      s.restricted = true;
      s.phase = 'restricted-notice';
      s.token++;
      out.push({ do: 'play', media: this.flow.media.restricted, token: s.token });
      return { state: s, commands: out };
    }
    // Captured at overload (and never from an emergency line): a busy-time callback instead of a
    // queue place (art. 13). The callback is asked first, so the prompt says what was done.
    if (capture && !fromEmergencyLine) {
      const target = queue ?? this.flow.queues.general;
      s.capture = { queue: target };
      s.phase = 'capture-request';
      out.push({ do: 'request-callback', origin: 'overload', queue: target });
      return { state: s, commands: out };
    }
    return this.queueAndWelcome(s, out, fromEmergencyLine, queue);
  }

  private queueAndWelcome(s: IvrState, out: IvrCommand[], fromEmergencyLine: boolean, queue?: string): Step {
    s.priority = fromEmergencyLine ? 'emergency-transfer' : 'normal';
    this.enter(s, out, queue ?? this.flow.queues.general);
    s.phase = 'welcome';
    s.token++;
    out.push({ do: 'play', media: fromEmergencyLine ? this.flow.media.welcomeFromEmergency : this.flow.media.welcome, token: s.token });
    return { state: s, commands: out };
  }

  /** The busy-time callback of a captured call was asked: the capture prompt, or the queue after a fault. */
  private captured(s: IvrState, out: IvrCommand[], outcome: 'created' | 'existing' | 'refused' | 'failed'): Step {
    out.push({ do: 'fact', fact: { type: 'callback.captured', outcome } });
    if (outcome === 'failed') {
      // No callback could be stored: a fault of ours never turns a caller away (7×24 human service).
      const queue = s.capture!.queue;
      delete s.capture;
      return this.queueAndWelcome(s, out, false, queue);
    }
    s.phase = 'capture-notice';
    s.token++;
    out.push({ do: 'play', media: outcome === 'refused' ? this.flow.media.overloadBusy : this.flow.media.overloadCallback, token: s.token });
    return { state: s, commands: out };
  }

  private key(s: IvrState, digit: string): Step {
    const out: IvrCommand[] = [];
    const action = this.flow.keys[digit];
    if (EMERGENCY_ONLY.has(s.phase)) {
      // During the restriction or capture notice only the emergency key counts (art. 34 and
      // overload never block emergencies).
      if (action !== 'emergency') return { state: s, commands: out };
    }
    out.push({ do: 'fact', fact: { type: 'key', digit, action: action ?? 'invalid' } });
    if (!action) return this.announce(s, out, this.flow.media.invalidKey, 'wait', true);
    switch (action) {
      case 'emergency':
        s.token++;
        out.push({ do: 'stop-media' });
        s.phase = 'emergency-select';
        out.push({
          do: 'collect',
          token: s.token,
          request: { media: this.flow.media.emergencySelect, min: 1, max: 1, timeoutMs: this.flow.emergency.selectTimeoutMs, tries: 1 },
        });
        return { state: s, commands: out };
      case 'enterprise':
      case 'counselling': {
        const queue = action === 'enterprise' ? this.flow.queues.enterprise : this.flow.queues.counselling;
        if (s.queue !== queue) this.enter(s, out, queue);
        const media = action === 'enterprise' ? this.flow.media.enterpriseQueue : this.flow.media.counsellingQueue;
        return this.announce(s, out, media, 'wait', true);
      }
      case 'progress': {
        s.token++;
        out.push({ do: 'stop-media' });
        s.phase = 'progress-entry';
        const p = this.flow.progress;
        out.push({
          do: 'collect',
          token: s.token,
          request: {
            media: this.flow.media.progressAsk,
            min: p.minDigits,
            max: p.maxDigits,
            timeoutMs: p.timeoutMs,
            interDigitTimeoutMs: p.interDigitTimeoutMs,
            terminators: '#',
            tries: 1,
            pattern: `^\\d{${p.minDigits},${p.maxDigits}}$`,
          },
        });
        return { state: s, commands: out };
      }
      case 'callback':
        s.token++;
        out.push({ do: 'stop-media' });
        s.phase = 'callback-request';
        out.push({ do: 'request-callback' });
        return { state: s, commands: out };
    }
  }

  private mediaDone(s: IvrState): Step {
    const out: IvrCommand[] = [];
    switch (s.phase) {
      case 'restricted-notice':
        return this.releaseAfterNotice(s, out, 'restricted.released', 'CALL_REJECTED', 'restricted');
      case 'capture-notice':
        return this.releaseAfterNotice(s, out, 'capture.released', 'NORMAL_CLEARING', 'overload');
      case 'welcome':
        return this.wait(s, out);
      case 'announcing':
        if (s.pending?.length) {
          const [next, ...rest] = s.pending;
          s.pending = rest;
          s.token++;
          out.push({ do: 'play', media: next!, token: s.token });
          return { state: s, commands: out };
        }
        if (s.then === 'release') {
          s.phase = 'ended';
          out.push({ do: 'hangup', cause: 'NORMAL_CLEARING' }, { do: 'finish', disposition: 'ended-in-ivr' });
          return { state: s, commands: out };
        }
        return this.wait(s, out);
      case 'waiting':
        // Hold music ran out (a file, not a loop): keep the caller holding.
        return this.wait(s, out);
      default:
        return { state: s, commands: out };
    }
  }

  /** A notice played to its end (restriction, capture at overload): the call is released, ended in the IVR. */
  private releaseAfterNotice(s: IvrState, out: IvrCommand[], fact: 'restricted.released' | 'capture.released', cause: string, reason: string): Step {
    out.push({ do: 'fact', fact: { type: fact } }, { do: 'hangup', cause });
    s.phase = 'ended';
    out.push({ do: 'finish', disposition: 'ended-in-ivr', reason });
    return { state: s, commands: out };
  }

  private hangup(s: IvrState): Step {
    const out: IvrCommand[] = [];
    let disposition: CallDisposition;
    let reason: string | undefined;
    if (s.phase === 'connected') disposition = 'answered';
    else if (s.phase === 'transferred') disposition = 'emergency-transferred';
    else if (s.queue) disposition = 'abandoned';
    else {
      disposition = 'ended-in-ivr';
      if (s.restricted) reason = 'restricted';
      else if (s.capture) reason = 'overload';
    }
    if (s.queue) {
      out.push({ do: 'leave-queue', queue: s.queue }, { do: 'fact', fact: { type: 'queue.left', queue: s.queue, why: 'hangup' } });
      delete s.queue;
    }
    s.phase = 'ended';
    out.push(reason ? { do: 'finish', disposition, reason } : { do: 'finish', disposition });
    return { state: s, commands: out };
  }

  private transferEmergency(s: IvrState, out: IvrCommand[], line: EmergencyLineNumber): Step {
    // Emergency transfers bypass queues, limits and restrictions (DESIGN.md "Emergency first").
    if (s.queue) {
      out.push({ do: 'leave-queue', queue: s.queue }, { do: 'fact', fact: { type: 'queue.left', queue: s.queue, why: 'emergency' } });
      delete s.queue;
    }
    s.phase = 'emergency-transfer';
    s.emergencyLine = line;
    s.token++;
    out.push({ do: 'transfer-emergency', line });
    return { state: s, commands: out };
  }

  private enter(s: IvrState, out: IvrCommand[], queue: string): void {
    if (s.queue) {
      out.push({ do: 'move-queue', from: s.queue, to: queue }, { do: 'fact', fact: { type: 'queue.moved', from: s.queue, to: queue, why: 'key' } });
      s.queue = queue;
      return;
    }
    s.queue = queue;
    out.push({ do: 'enter-queue', queue, priority: s.priority }, { do: 'fact', fact: { type: 'queue.entered', queue, priority: s.priority } });
  }

  private announce(s: IvrState, out: IvrCommand[], media: string, then: 'wait' | 'release', interruptCurrent = false): Step {
    // A caller with no queue place (restricted, or after a failed step) gets the general queue.
    if (then === 'wait' && !s.queue && !s.restricted) this.enter(s, out, this.flow.queues.general);
    if (interruptCurrent) out.push({ do: 'stop-media' });
    s.token++;
    delete s.pending;
    s.phase = 'announcing';
    s.then = s.restricted && !s.queue ? 'release' : then;
    out.push({ do: 'play', media, token: s.token });
    return { state: s, commands: out };
  }

  private wait(s: IvrState, out: IvrCommand[]): Step {
    if (!s.queue) {
      // Restricted callers have no place; everyone else gets the general queue.
      if (s.restricted) {
        s.phase = 'ended';
        out.push({ do: 'hangup', cause: 'CALL_REJECTED' }, { do: 'finish', disposition: 'ended-in-ivr', reason: 'restricted' });
        return { state: s, commands: out };
      }
      this.enter(s, out, this.flow.queues.general);
    }
    s.phase = 'waiting';
    s.token++;
    out.push({ do: 'hold', media: this.flow.media.holdMusic, token: s.token });
    return { state: s, commands: out };
  }
}
