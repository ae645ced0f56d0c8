// One way to count a call's or a recording's seconds (src/core/calls/call-record.ts), used by every
// record the gateway writes: the IVR's, callback attempts', lapsed calls' and recordings'.
import { describe, expect, it } from 'vitest';
import { durationSec } from '../../../src/core/calls/call-record.js';
import { completeRecording } from '../../../src/services/file-checksum.js';

describe('durationSec', () => {
  it('counts to the millisecond from RFC 3339 times or epoch milliseconds', () => {
    expect(durationSec('2026-11-22T08:00:00.000Z', '2026-11-22T08:01:35.5004Z')).toBe(95.5);
    expect(durationSec(1_000, 3_250)).toBe(2.25);
  });

  it('is never negative when the clock stepped back between the two readings', () => {
    expect(durationSec('2026-11-22T08:00:05.000Z', '2026-11-22T08:00:00.000Z')).toBe(0);
  });

  it("is what a recording's metadata gets when its file is missing (no negative length either)", async () => {
    const rec = { recordingId: 'r', callId: 'r', caller: '+8613800000000', entry: { kind: 'citizen' as const }, path: '/nonexistent/r.wav', startTime: '2026-11-22T08:00:05.000Z' };
    await completeRecording(rec, Promise.resolve(undefined), '2026-11-22T08:00:00.000Z', 0);
    expect(rec).toMatchObject({ endTime: '2026-11-22T08:00:00.000Z' });
    expect((rec as { durationSec?: number }).durationSec).toBe(0);
  });
});
