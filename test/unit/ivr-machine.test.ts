import { describe, expect, it } from 'vitest';
import { IvrMachine, initialState, type IvrCommand, type IvrEvent, type IvrState } from '../../src/core/ivr/machine.js';
import { testFlow } from '../builders/ivr-flow.js';

const machine = new IvrMachine(testFlow());

/** Runs events through the machine, collecting every command. */
function run(events: IvrEvent[], from: IvrState = initialState()): { state: IvrState; commands: IvrCommand[] } {
  let state = from;
  const commands: IvrCommand[] = [];
  for (const e of events) {
    const step = machine.step(state, e);
    state = step.state;
    commands.push(...step.commands);
  }
  return { state, commands };
}

const media = (cs: IvrCommand[]) =>
  cs.flatMap((c) => (c.do === 'play' || c.do === 'hold' ? [c.media] : c.do === 'collect' ? [c.request.media] : []));
const of = <K extends IvrCommand['do']>(cs: IvrCommand[], kind: K) => cs.filter((c): c is Extract<IvrCommand, { do: K }> => c.do === kind);
const start: IvrEvent = { type: 'start', fromEmergencyLine: false, restricted: false };
/** The token of the latest media command, as the runner would report its completion. */
const token = (s: IvrState) => s.token;

describe('IVR machine: position announcements and overflow (the ACD)', () => {
  const waitingNow = () => {
    const a = run([start]);
    return run([{ type: 'media.done', token: token(a.state) }], a.state).state;
  };
  const status: IvrEvent = { type: 'queue.status', media: ['queueAhead3', 'queueWait2', 'queueCallbackOffer'], position: 4, estimatedWaitSec: 100, callbackOffered: true };

  it('over hold music: stops it, plays the announcement prompts in order, then holds again', () => {
    const w = waitingNow();
    const a = run([status], w);
    expect(of(a.commands, 'stop-media')).toHaveLength(1);
    expect(media(a.commands)).toEqual(['queueAhead3']);
    expect(of(a.commands, 'fact')[0]!.fact).toEqual({ type: 'queue.announced', position: 4, estimatedWaitSec: 100, callbackOffered: true });
    const b = run([{ type: 'media.done', token: token(a.state) }], a.state);
    expect(media(b.commands)).toEqual(['queueWait2']);
    const c = run([{ type: 'media.done', token: token(b.state) }], b.state);
    expect(media(c.commands)).toEqual(['queueCallbackOffer']);
    const d = run([{ type: 'media.done', token: token(c.state) }], c.state);
    expect(media(d.commands)).toEqual(['holdMusic']);
    expect(d.state.phase).toBe('waiting');
    expect(d.state.queue).toBe('general');
  });

  it('the callback key during the announcement cuts it short and requests the callback', () => {
    const a = run([status], waitingNow());
    const b = run([{ type: 'key', digit: '4' }], a.state);
    expect(of(b.commands, 'request-callback')).toHaveLength(1);
    const c = run([{ type: 'callback.stored', outcome: 'created' }], b.state);
    expect(media(c.commands)).toEqual(['callbackRegistered']);
    const d = run([{ type: 'media.done', token: token(c.state) }], c.state);
    expect(media(d.commands)).toEqual(['holdMusic']); // the rest of the announcement is not resumed
  });

  it('never cuts into the welcome, a prompt or a progress query', () => {
    const welcome = run([start]).state;
    expect(run([status], welcome).commands).toEqual([]);
    const progress = run([{ type: 'key', digit: '2' }], waitingNow()).state;
    expect(run([status], progress).commands).toEqual([]);
  });

  it('an overflow changes the queue the caller holds, with a fact, and nothing they hear', () => {
    const a = run([{ type: 'queue.overflowed', to: 'general' }], run([{ type: 'key', digit: '1' }], waitingNow()).state);
    expect(a.state.queue).toBe('general');
    expect(a.commands).toEqual([{ do: 'fact', fact: { type: 'queue.moved', from: 'enterprise', to: 'general', why: 'overflow' } }]);
  });

  it('a sub-centre call starts in the queue it is given', () => {
    const a = run([{ ...start, queue: 'sub-12348' } as IvrEvent]);
    expect(of(a.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'sub-12348', priority: 'normal' }]);
  });
});

describe('IVR machine: the default flow', () => {
  it('takes a place in the general queue as the welcome starts, then holds', () => {
    const a = run([start]);
    expect(of(a.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'general', priority: 'normal' }]);
    expect(media(a.commands)).toEqual(['welcome']);
    const b = run([{ type: 'media.done', token: token(a.state) }], a.state);
    expect(media(b.commands)).toEqual(['holdMusic']);
    expect(b.state.phase).toBe('waiting');
    expect(of(b.commands, 'enter-queue')).toEqual([]); // the place is kept, not taken again
  });

  it('ignores a stale media completion (an interrupted prompt)', () => {
    const a = run([start, { type: 'key', digit: '2' }]);
    const b = run([{ type: 'media.done', token: 1 }], a.state);
    expect(b.commands).toEqual([]);
    expect(b.state.phase).toBe('progress-entry');
  });

  it('hang-up while holding a place is abandoned and leaves the queue', () => {
    const a = run([start, { type: 'hangup' }]);
    expect(of(a.commands, 'leave-queue')).toEqual([{ do: 'leave-queue', queue: 'general' }]);
    expect(of(a.commands, 'finish')).toEqual([{ do: 'finish', disposition: 'abandoned' }]);
    expect(run([{ type: 'key', digit: '9' }], a.state).commands).toEqual([]);
  });

  it('a bridge to an agent leaves the queue; the hang-up after it is answered', () => {
    const a = run([start, { type: 'bridged', otherCallId: 'agent-leg' }]);
    expect(of(a.commands, 'leave-queue')).toHaveLength(1);
    expect(a.state.phase).toBe('connected');
    expect(run([{ type: 'key', digit: '1' }], a.state).commands).toEqual([]); // the agent has the call now
    expect(of(run([{ type: 'hangup' }], a.state).commands, 'finish')[0]!.disposition).toBe('answered');
  });

  it('a blind transfer to a queue makes the caller wait again with their priority; the next agent\'s bridge connects again', () => {
    const emergency = run([{ type: 'start', fromEmergencyLine: true, restricted: false }, { type: 'bridged', otherCallId: 'agent-leg' }]);
    const r = run([{ type: 'requeued', queue: 'enterprise' }], emergency.state);
    expect(of(r.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'enterprise', priority: 'emergency-transfer' }]);
    expect(r.state).toMatchObject({ phase: 'waiting', queue: 'enterprise' });
    expect(of(r.commands, 'hold')).toHaveLength(1);
    // Only a connected call is requeued.
    expect(run([{ type: 'requeued', queue: 'general' }], r.state).commands).toEqual([]);
    const b = run([{ type: 'bridged', otherCallId: 'agent-leg-2' }], r.state);
    expect(of(b.commands, 'leave-queue')).toHaveLength(1);
    expect(b.state.phase).toBe('connected');
  });
});

describe('IVR machine: keys during the welcome or while waiting', () => {
  const waiting = run([start, { type: 'media.done', token: 1 }]).state;

  it('enterprise and counselling move the caller to that queue keeping the place, announce it, then hold', () => {
    for (const [digit, queue, prompt] of [
      ['1', 'enterprise', 'enterpriseQueue'],
      ['3', 'counselling', 'counsellingQueue'],
    ] as const) {
      for (const from of [run([start]).state, waiting]) {
        const a = run([{ type: 'key', digit }], from);
        // One move in the ACD (the first arrival time travels with it), never leave-then-enter.
        expect(of(a.commands, 'move-queue')).toEqual([{ do: 'move-queue', from: 'general', to: queue }]);
        expect(of(a.commands, 'leave-queue')).toEqual([]);
        expect(of(a.commands, 'enter-queue')).toEqual([]);
        expect(of(a.commands, 'stop-media')).toHaveLength(1);
        expect(media(a.commands)).toEqual([prompt]);
        const b = run([{ type: 'media.done', token: a.state.token }], a.state);
        expect(media(b.commands)).toEqual(['holdMusic']);
        expect(b.state.queue).toBe(queue);
      }
    }
  });

  it('progress: asks for the number, queries, speaks the status and returns to the same place', () => {
    const a = run([{ type: 'key', digit: '2' }], waiting);
    const collect = of(a.commands, 'collect')[0]!;
    expect(collect.request).toMatchObject({ media: 'progressAsk', min: 6, max: 15, terminators: '#' });
    expect(of(a.commands, 'leave-queue')).toEqual([]);
    expect(run([{ type: 'key', digit: '1' }], a.state).commands).toEqual([]); // digits belong to the collection
    const b = run([{ type: 'digits', token: collect.token, result: { digits: '202611220000001', outcome: 'ok' } }], a.state);
    expect(of(b.commands, 'query-progress')).toEqual([{ do: 'query-progress', workOrder: '202611220000001' }]);
    const c = run([{ type: 'progress.answer', answer: { found: true, status: 'ACCEPTED' } }], b.state);
    expect(media(c.commands)).toEqual(['statusAccepted']);
    const d = run([{ type: 'media.done', token: c.state.token }], c.state);
    expect(media(d.commands)).toEqual(['holdMusic']);
    expect(d.state.queue).toBe('general');
    expect([...a.commands, ...b.commands, ...c.commands, ...d.commands].some((x) => x.do === 'enter-queue' || x.do === 'leave-queue')).toBe(false);
  });

  it('progress: unknown status, not found, core unavailable, timeout and invalid input all go back to waiting', () => {
    const asked = run([{ type: 'key', digit: '2' }], waiting).state;
    const lookup = run([{ type: 'digits', token: asked.token, result: { digits: '123456', outcome: 'ok' } }], asked).state;
    const cases: [IvrEvent, IvrState, string][] = [
      [{ type: 'progress.answer', answer: { found: true, status: 'SOMETHING_NEW' } }, lookup, 'statusUnknown'],
      [{ type: 'progress.answer', answer: { found: false } }, lookup, 'progressNotFound'],
      [{ type: 'progress.answer', answer: { unavailable: true } }, lookup, 'progressUnavailable'],
      [{ type: 'digits', token: asked.token, result: { digits: '', outcome: 'timeout' } }, asked, 'progressInvalid'],
      [{ type: 'digits', token: asked.token, result: { digits: '12', outcome: 'invalid' } }, asked, 'progressInvalid'],
    ];
    for (const [event, from, prompt] of cases) {
      const a = run([event], from);
      expect(media(a.commands)).toEqual([prompt]);
      const b = run([{ type: 'media.done', token: a.state.token }], a.state);
      expect(b.state).toMatchObject({ phase: 'waiting', queue: 'general' });
    }
  });

  it('callback: stores a request, confirms, keeps waiting', () => {
    const a = run([{ type: 'key', digit: '4' }], waiting);
    expect(of(a.commands, 'request-callback')).toHaveLength(1);
    for (const [outcome, prompt] of [
      ['created', 'callbackRegistered'],
      ['existing', 'callbackExisting'],
      ['failed', 'callbackFailed'],
    ] as const) {
      const b = run([{ type: 'callback.stored', outcome }, { type: 'media.done', token: a.state.token + 1 }], a.state);
      expect(media(b.commands)).toEqual([prompt, 'holdMusic']);
      expect(b.state.queue).toBe('general');
    }
  });

  it('an invalid key never dead-ends: a short notice, then the queue', () => {
    const a = run([{ type: 'key', digit: '7' }], run([start]).state);
    expect(media(a.commands)).toEqual(['invalidKey']);
    expect(of(a.commands, 'fact').map((f) => f.fact)).toContainEqual({ type: 'key', digit: '7', action: 'invalid' });
    const b = run([{ type: 'media.done', token: a.state.token }], a.state);
    expect(b.state).toMatchObject({ phase: 'waiting', queue: 'general' });
    expect(of(b.commands, 'hangup')).toEqual([]);
  });
});

describe('IVR machine: emergencies', () => {
  const welcome = run([start]).state;

  it('the emergency key asks which line, then transfers there and leaves the queue', () => {
    const a = run([{ type: 'key', digit: '9' }], welcome);
    expect(of(a.commands, 'collect')[0]!.request).toMatchObject({ media: 'emergencySelect', min: 1, max: 1, timeoutMs: 4000 });
    const b = run([{ type: 'digits', token: a.state.token, result: { digits: '3', outcome: 'ok' } }], a.state);
    expect(of(b.commands, 'leave-queue')).toEqual([{ do: 'leave-queue', queue: 'general' }]);
    expect(of(b.commands, 'transfer-emergency')).toEqual([{ do: 'transfer-emergency', line: '120' }]);
    const c = run([{ type: 'transfer.done', ok: true }, { type: 'hangup' }], b.state);
    expect(of(c.commands, 'finish')).toEqual([{ do: 'finish', disposition: 'emergency-transferred' }]);
  });

  it('no choice (timeout) or an unknown key goes to the default line, 110', () => {
    const a = run([{ type: 'key', digit: '9' }], welcome);
    for (const result of [
      { digits: '', outcome: 'timeout' as const },
      { digits: '8', outcome: 'ok' as const },
    ]) {
      const b = run([{ type: 'digits', token: a.state.token, result }], a.state);
      expect(of(b.commands, 'transfer-emergency')).toEqual([{ do: 'transfer-emergency', line: '110' }]);
    }
  });

  it('a failed emergency trunk puts the caller at the head of the general queue', () => {
    const a = run([{ type: 'key', digit: '9' }], welcome);
    const b = run([{ type: 'digits', token: a.state.token, result: { digits: '1', outcome: 'ok' } }, { type: 'transfer.done', ok: false }], a.state);
    expect(of(b.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'general', priority: 'emergency-transfer' }]);
    expect(media(b.commands)).toEqual(['emergencyFailed']);
  });

  it('a call from 110 takes a priority place and hears the short welcome, even when restricted', () => {
    const a = run([{ type: 'start', fromEmergencyLine: true, restricted: true }]);
    expect(of(a.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'general', priority: 'emergency-transfer' }]);
    expect(media(a.commands)).toEqual(['welcomeFromEmergency']);
    expect(a.state.restricted).toBe(false);
  });
});

describe('IVR machine: restricted callers (art. 34)', () => {
  const notice = run([{ type: 'start', fromEmergencyLine: false, restricted: true }]);

  it('hears the notice without a queue place and is released after it', () => {
    expect(media(notice.commands)).toEqual(['restricted']);
    expect(of(notice.commands, 'enter-queue')).toEqual([]);
    const b = run([{ type: 'media.done', token: notice.state.token }], notice.state);
    expect(of(b.commands, 'hangup')).toEqual([{ do: 'hangup', cause: 'CALL_REJECTED' }]);
    expect(of(b.commands, 'finish')).toEqual([{ do: 'finish', disposition: 'ended-in-ivr', reason: 'restricted' }]);
  });

  it('other keys do nothing during the notice; the emergency key still transfers', () => {
    for (const d of ['1', '2', '3', '4', '7']) expect(run([{ type: 'key', digit: d }], notice.state).commands).toEqual([]);
    const a = run([{ type: 'key', digit: '9' }], notice.state);
    const b = run([{ type: 'digits', token: a.state.token, result: { digits: '2', outcome: 'ok' } }], a.state);
    expect(of(b.commands, 'transfer-emergency')).toEqual([{ do: 'transfer-emergency', line: '119' }]);
  });

  it('hanging up during the notice ends in the IVR, restricted', () => {
    expect(of(run([{ type: 'hangup' }], notice.state).commands, 'finish')).toEqual([{ do: 'finish', disposition: 'ended-in-ivr', reason: 'restricted' }]);
  });
});

describe('IVR machine: calls the SIP front captured at overload (busy-time callback, art. 13)', () => {
  const captured: IvrEvent = { type: 'start', fromEmergencyLine: false, restricted: false, capture: true };
  const asking = run([captured]);

  it('asks for a busy-time callback with origin overload for the queue the caller would have waited in, without a queue place', () => {
    expect(asking.state.phase).toBe('capture-request');
    expect(of(asking.commands, 'request-callback')).toEqual([{ do: 'request-callback', origin: 'overload', queue: 'general' }]);
    expect(of(asking.commands, 'enter-queue')).toEqual([]);
    const local = run([{ ...captured, queue: 'sub-12348' }]);
    expect(of(local.commands, 'request-callback')).toEqual([{ do: 'request-callback', origin: 'overload', queue: 'sub-12348' }]);
  });

  it('a stored callback: the capture prompt, then the call is released with reason overload', () => {
    for (const outcome of ['created', 'existing'] as const) {
      const a = run([{ type: 'callback.stored', outcome }], asking.state);
      expect(of(a.commands, 'fact').map((c) => c.fact)).toEqual([{ type: 'callback.captured', outcome }]);
      expect(media(a.commands)).toEqual(['overloadCallback']);
      const b = run([{ type: 'media.done', token: a.state.token }], a.state);
      expect(of(b.commands, 'fact').map((c) => c.fact)).toEqual([{ type: 'capture.released' }]);
      expect(of(b.commands, 'hangup')).toEqual([{ do: 'hangup', cause: 'NORMAL_CLEARING' }]);
      expect(of(b.commands, 'finish')).toEqual([{ do: 'finish', disposition: 'ended-in-ivr', reason: 'overload' }]);
      expect(b.state.phase).toBe('ended');
    }
  });

  it('refused by the policy (a withheld number): the busy prompt with no callback promised, then released', () => {
    const a = run([{ type: 'callback.stored', outcome: 'refused' }], asking.state);
    expect(media(a.commands)).toEqual(['overloadBusy']);
    const b = run([{ type: 'media.done', token: a.state.token }], a.state);
    expect(of(b.commands, 'finish')).toEqual([{ do: 'finish', disposition: 'ended-in-ivr', reason: 'overload' }]);
  });

  it('a store fault turns nobody away: the caller takes a place and hears the welcome (7×24 human service)', () => {
    const a = run([{ type: 'callback.stored', outcome: 'failed' }], asking.state);
    expect(of(a.commands, 'fact').map((c) => c.fact)).toContainEqual({ type: 'callback.captured', outcome: 'failed' });
    expect(of(a.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'general', priority: 'normal' }]);
    expect(media(a.commands)).toEqual(['welcome']);
    expect(of(run([{ type: 'hangup' }], a.state).commands, 'finish')).toEqual([{ do: 'finish', disposition: 'abandoned' }]);
  });

  it('only the emergency key counts during the ask and the prompt; it transfers', () => {
    const notice = run([{ type: 'callback.stored', outcome: 'created' }], asking.state).state;
    for (const state of [asking.state, notice]) {
      for (const d of ['1', '2', '3', '4', '7']) expect(run([{ type: 'key', digit: d }], state).commands).toEqual([]);
      const a = run([{ type: 'key', digit: '9' }], state);
      expect(a.state.phase).toBe('emergency-select');
      const b = run([{ type: 'digits', token: a.state.token, result: { digits: '3', outcome: 'ok' } }], a.state);
      expect(of(b.commands, 'transfer-emergency')).toEqual([{ do: 'transfer-emergency', line: '120' }]);
      // The callback's answer arriving after the key changes nothing.
      expect(run([{ type: 'callback.stored', outcome: 'created' }], b.state).commands).toEqual([]);
    }
  });

  it('hanging up during the ask or the prompt ends in the IVR with reason overload', () => {
    const notice = run([{ type: 'callback.stored', outcome: 'created' }], asking.state).state;
    for (const state of [asking.state, notice]) {
      expect(of(run([{ type: 'hangup' }], state).commands, 'finish')).toEqual([{ do: 'finish', disposition: 'ended-in-ivr', reason: 'overload' }]);
    }
  });

  it('never captures an emergency transfer (it is queued ahead), and a restricted caller hears the restriction notice', () => {
    const e = run([{ ...captured, fromEmergencyLine: true }]);
    expect(of(e.commands, 'request-callback')).toEqual([]);
    expect(of(e.commands, 'enter-queue')).toEqual([{ do: 'enter-queue', queue: 'general', priority: 'emergency-transfer' }]);
    expect(media(e.commands)).toEqual(['welcomeFromEmergency']);
    const r = run([{ ...captured, restricted: true }]);
    expect(of(r.commands, 'request-callback')).toEqual([]);
    expect(media(r.commands)).toEqual(['restricted']);
  });
});
