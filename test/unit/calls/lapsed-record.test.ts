// The record of a call whose gateway stopped and that ended before another took it over
// (src/core/calls/lapsed-record.ts): what is known is kept, nothing unknown is claimed.
import { describe, expect, it } from 'vitest';
import { callRecordToWire } from '../../../src/adapters/grpc/grpc-call-records.js';
import { lapsedCallRecord } from '../../../src/core/calls/lapsed-record.js';
import type { CallInfo } from '../../../src/core/ports/switch.js';

const call: CallInfo = {
  callId: 'c-1',
  switchId: 'fs1',
  direction: 'inbound',
  caller: '+8613812340000',
  dialled: '12345',
  entry: { kind: 'citizen' },
  answered: true,
  createdAt: '2026-11-22T02:00:00.000Z',
};
const at = (s: number) => new Date(Date.parse(call.createdAt) + s * 1000).toISOString();

describe('record of a call that ended while its gateway was stopped', () => {
  it('interrupted, from arrival to when it was found, with the stored facts in time order; no answer, queue, agent or cause claimed', () => {
    const facts = [
      { at: at(20), type: 'queue.entered', detail: { queue: 'general' } },
      { at: at(2), type: 'ivr.started' },
    ];
    const r = lapsedCallRecord(call, facts, undefined, Date.parse(call.createdAt) + 95_500);
    expect(r).toMatchObject({ callId: 'c-1', switchId: 'fs1', direction: 'inbound', caller: '+8613812340000', citizenKey: 'tel:+8613812340000', dialled: '12345', disposition: 'interrupted', priority: 'normal', arrivedTime: call.createdAt, endTime: at(95.5), durationSec: 95.5, hangupCause: '', callbackRequested: false });
    expect(r.facts.map((f) => f.type)).toEqual(['ivr.started', 'queue.entered']);
    for (const claimed of ['answeredTime', 'connectedTime', 'queue', 'agentId', 'recording'] as const) expect(r[claimed], claimed).toBeUndefined();
    expect(r.reason).toMatch(/stopped/);
    expect(callRecordToWire(r).disposition).toBe('DISPOSITION_INTERRUPTED');
  });

  it('a callback the caller asked for counts (as the IVR counts it); an emergency transfer keeps its priority; a clock behind gives no negative duration', () => {
    const asked = lapsedCallRecord(call, [{ at: at(30), type: 'callback.requested', detail: { outcome: 'created' } }], undefined, Date.parse(at(40)));
    expect(asked.callbackRequested).toBe(true);
    const refused = lapsedCallRecord(call, [{ at: at(30), type: 'callback.captured', detail: { outcome: 'refused' } }], undefined, Date.parse(at(40)));
    expect(refused.callbackRequested).toBe(false);
    const transfer = lapsedCallRecord({ ...call, entry: { kind: 'emergency-transfer', fromLine: '110' } }, [], undefined, Date.parse(call.createdAt) - 5000);
    expect(transfer).toMatchObject({ priority: 'emergency-transfer', durationSec: 0, endTime: call.createdAt });
  });

  it('an adopted call (bridged with an agent when its owner died) ends as seen: the real end time and hang-up cause', () => {
    const r = lapsedCallRecord(call, [], undefined, Date.parse(at(300)), { at: at(180), cause: 'NORMAL_CLEARING' });
    expect(r).toMatchObject({ disposition: 'interrupted', endTime: at(180), durationSec: 180, hangupCause: 'NORMAL_CLEARING' });
    expect(r.reason).toMatch(/kept the call up and saw it end/);
  });
});
