import { describe, expect, it } from 'vitest';
import { minuteOf, rollingMinutes, shanghaiDay, shanghaiDayEndMs } from '../../../src/core/figures/buckets.js';

describe('figure buckets', () => {
  it('the rolling window is the current minute and the 14 before it', () => {
    const now = Date.parse('2026-11-22T06:14:59.999Z');
    const m = rollingMinutes(now);
    expect(m).toHaveLength(15);
    expect(m.at(-1)).toBe(minuteOf(now));
    expect(m[0]).toBe(minuteOf(Date.parse('2026-11-22T06:00:00Z')));
    // One millisecond later the 06:00 minute has left the window.
    expect(rollingMinutes(now + 1)[0]).toBe(minuteOf(Date.parse('2026-11-22T06:01:00Z')));
  });

  it('the centre’s day turns at midnight Beijing time (16:00 UTC), not at midnight UTC', () => {
    expect(shanghaiDay(Date.parse('2026-11-22T15:59:59.999Z'))).toBe('2026-11-22');
    expect(shanghaiDay(Date.parse('2026-11-22T16:00:00.000Z'))).toBe('2026-11-23');
    expect(shanghaiDay(Date.parse('2026-11-22T23:30:00Z'))).toBe('2026-11-23');
    expect(shanghaiDayEndMs(Date.parse('2026-11-22T10:00:00Z'))).toBe(Date.parse('2026-11-22T16:00:00Z'));
    expect(shanghaiDayEndMs(Date.parse('2026-11-22T16:00:00Z'))).toBe(Date.parse('2026-11-23T16:00:00Z'));
  });
});
