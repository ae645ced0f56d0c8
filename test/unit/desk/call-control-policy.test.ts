import { describe, expect, it } from 'vitest';
import { checkAction, notReached, type CallControlAction, type CallControlPhase, type CallControlState } from '../../../src/core/desk/call-control.js';

const state = (phase: CallControlPhase, extra: Partial<CallControlState> = {}): CallControlState => ({
  callId: 'c1',
  callerLeg: 'c1',
  agentLeg: 'a1',
  agentId: '1001',
  phase,
  epoch: 0,
  ...extra,
});

const inConference = (withAgent: boolean): Partial<CallControlState> => ({
  conference: { name: 'threeway-c1', kind: 'threeway', partyLeg: 'p1', label: 'x', members: new Set(withAgent ? ['caller', 'agent', 'third-party'] : ['caller', 'third-party']) },
});

// Which command may run in which state: the order an agent's commands must come in.
describe('call-control policy', () => {
  it.each<[CallControlPhase, CallControlAction, Partial<CallControlState>, string | undefined]>([
    ['connected', 'consult', {}, undefined],
    ['connected', 'blind', {}, undefined],
    ['connected', 'complete', {}, 'NO_CONSULT'],
    ['connected', 'cancel', {}, 'NO_CONSULT'],
    ['connected', 'threeway', {}, 'NO_CONSENT'],
    ['connected', 'threeway', { consentAt: '2026-11-23T02:00:00Z' }, undefined],
    ['connected', 'leave', {}, 'NOT_IN_CONFERENCE'],
    ['connected', 'emergency', {}, undefined],
    ['consult-dialing', 'complete', {}, 'CONSULT_RINGING'],
    ['consult-dialing', 'cancel', {}, undefined],
    ['consulting', 'complete', {}, undefined],
    ['consulting', 'emergency', {}, 'CONSULT_ACTIVE'],
    ['consulting', 'consent', {}, undefined],
    ['blind-dialing', 'consult', {}, 'BUSY'],
    ['emergency-dialing', 'leave', {}, 'EMERGENCY_RINGING'],
    ['conference', 'leave', inConference(true), undefined],
    ['conference', 'leave', inConference(false), 'NOT_IN_CONFERENCE'],
    ['conference', 'consult', inConference(true), 'CONFERENCE_ACTIVE'],
    ['released', 'consent', {}, 'AGENT_RELEASED'],
    ['ended', 'cancel', {}, 'CALL_ENDED'],
  ])('%s + %s → %s', (phase, action, extra, code) => {
    const r = checkAction(state(phase, extra), action);
    expect(r?.code).toBe(code);
    if (r) expect(r.message).toMatch(/[\u4e00-\u9fff]/);
  });

  it('names why an outbound leg was not reached, in Chinese', () => {
    expect(notReached('busy').message).toBe('对方忙，未能接通。诉求人已回到您的通话中。');
    expect(notReached('no-answer').code).toBe('TARGET_NO_ANSWER');
    expect(notReached('invalid-number').code).toBe('TARGET_REFUSED');
    expect(notReached('failed').code).toBe('TARGET_FAILED');
  });
});
