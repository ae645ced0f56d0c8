// A callback attempt's call-detail record (src/core/callbacks/attempt-record.ts) and its place in
// the contract: every disposition the domain gives a CDR exists in hotline.calls.v1.Disposition, so
// a record the gateway queues is one the core can decode.
import { describe, expect, it } from 'vitest';
import { callRecordToWire } from '../../../src/adapters/grpc/grpc-call-records.js';
import { protoRoot } from '../../../src/adapters/grpc/proto.js';
import { CALL_DISPOSITIONS } from '../../../src/core/calls/call-record.js';
import { callbackAttemptRecord, interruptedAttemptRecord } from '../../../src/core/callbacks/attempt-record.js';
import type { CallbackDialRequest } from '../../../src/core/ports/callbacks.js';

const req: CallbackDialRequest = { callbackId: 'cb-1', attempt: 3, number: '+8613812340000', callId: 'leg-1', agentLegId: 'agent-leg', switchId: 'fs1', agentId: 'a2001' };
const leg = { switchId: 'fs1', callerIdNumber: '12345', dialledAt: '2026-11-22T02:00:00.000Z', endedAt: '2026-11-22T02:00:25.500Z', hangupCause: 'NO_ANSWER' };

describe('callback attempt record', () => {
  it('every CDR disposition of the domain is a value of the contract enum', () => {
    const values = Object.keys(protoRoot().lookupEnum('hotline.calls.v1.Disposition').values);
    for (const disposition of CALL_DISPOSITIONS) {
      const wire = callRecordToWire({ ...callbackAttemptRecord(req, { outcome: 'reached' }, leg), disposition });
      expect(values, disposition).toContain(wire.disposition);
    }
  });

  it('not reached: the outcome and the cause as the reason, no answer time, the time it rang', () => {
    const r = callbackAttemptRecord(req, { outcome: 'no-answer', cause: 'NO_ANSWER' }, leg);
    expect(r).toMatchObject({ disposition: 'not-reached', reason: 'no-answer: NO_ANSWER', direction: 'outbound', caller: '12345', dialled: '+8613812340000', citizenKey: 'tel:+8613812340000', durationSec: 25.5 });
    expect(r.entry).toEqual({ kind: 'callback', context: { callbackId: 'cb-1', attempt: '3' } });
    expect(r.answeredTime).toBeUndefined();
    expect(r.facts.map((f) => f.type)).toEqual(['callback.dialled', 'callback.outcome']);
    expect(callbackAttemptRecord(req, { outcome: 'busy' }, leg).reason).toBe('busy');
  });

  it('reached: answered, no reason, the connect time and the agent', () => {
    const r = callbackAttemptRecord(req, { outcome: 'reached', callId: 'leg-1' }, { ...leg, answeredAt: '2026-11-22T02:00:05.000Z', connectedAt: '2026-11-22T02:00:09.000Z', hangupCause: 'NORMAL_CLEARING' });
    expect(r).toMatchObject({ disposition: 'answered', agentId: 'a2001', answeredTime: '2026-11-22T02:00:05.000Z', connectedTime: '2026-11-22T02:00:09.000Z', hangupCause: 'NORMAL_CLEARING' });
    expect(r.reason).toBeUndefined();
    expect(r.facts.find((f) => f.type === 'callback.connected')?.detail).toEqual({ agentId: 'a2001' });
  });

  it('cut off by a stopped gateway: interrupted, ended when found (never before it was dialled), no answer or cause claimed', () => {
    const dialledAtMs = Date.parse('2026-11-22T02:00:00.000Z');
    const cutOff = { callbackId: 'cb-1', number: '+8613812340000', attempt: 2, callId: 'leg-2', dialledAtMs, agentId: 'a2001', switchId: 'fs1' };
    const r = interruptedAttemptRecord(cutOff, dialledAtMs + 42_000, '12345');
    expect(r).toMatchObject({ callId: 'leg-2', switchId: 'fs1', direction: 'outbound', caller: '12345', dialled: '+8613812340000', disposition: 'interrupted', agentId: 'a2001', durationSec: 42, hangupCause: '' });
    expect(r.reason).toMatch(/gateway .* stopped/);
    expect(r.answeredTime).toBeUndefined();
    expect(r.entry).toEqual({ kind: 'callback', context: { callbackId: 'cb-1', attempt: '2' } });
    expect(r.facts.map((f) => [f.type, f.detail])).toEqual([
      ['callback.dialled', { callbackId: 'cb-1', attempt: '2' }],
      ['callback.outcome', { outcome: 'interrupted' }],
    ]);
    // A clock behind the dial time (another machine) gives no negative duration.
    expect(interruptedAttemptRecord(cutOff, dialledAtMs - 5000, '12345').durationSec).toBe(0);
    expect(callRecordToWire(r).disposition).toBe('DISPOSITION_INTERRUPTED');
  });
});
