import { describe, expect, it } from 'vitest';
import { checkCallingWindow, insideWindow, nextOpening, windowCloses, type CallingWindow } from '../../../src/core/schedule/calling-window.js';
import { attemptsLeft, retryDelayMs } from '../../../src/core/schedule/retry-policy.js';

const w: CallingWindow = { start: '08:00', end: '21:00', timeZone: 'Asia/Shanghai' };
const at = (local: string) => Date.parse(`${local}+08:00`);

describe('calling window (Asia/Shanghai local time)', () => {
  it('is open from 08:00 (inclusive) to 21:00 (exclusive)', () => {
    expect(insideWindow(w, at('2026-11-23T07:59:59'))).toBe(false);
    expect(insideWindow(w, at('2026-11-23T08:00:00'))).toBe(true);
    expect(insideWindow(w, at('2026-11-23T20:59:59'))).toBe(true);
    expect(insideWindow(w, at('2026-11-23T21:00:00'))).toBe(false);
  });

  it('opens next at 08:00 the same morning, or the next morning after 21:00', () => {
    expect(nextOpening(w, at('2026-11-23T03:12:45.500'))).toBe(at('2026-11-23T08:00:00'));
    expect(nextOpening(w, at('2026-11-23T21:00:00'))).toBe(at('2026-11-24T08:00:00'));
    expect(nextOpening(w, at('2026-11-23T23:59:59'))).toBe(at('2026-11-24T08:00:00'));
    const inside = at('2026-11-23T12:34:56.789');
    expect(nextOpening(w, inside)).toBe(inside);
  });

  it('reads local time in the zone, not the machine’s: 00:30 UTC is 08:30 in Shanghai', () => {
    expect(insideWindow(w, Date.parse('2026-11-23T00:30:00Z'))).toBe(true);
    expect(insideWindow({ ...w, timeZone: 'Europe/London' }, Date.parse('2026-11-23T00:30:00Z'))).toBe(false);
  });

  it('says when an open window closes', () => {
    expect(windowCloses(w, at('2026-11-23T20:30:00'))).toBe(at('2026-11-23T21:00:00'));
    expect(windowCloses(w, at('2026-11-23T22:00:00'))).toBeUndefined();
  });

  it('rejects malformed windows, naming the field', () => {
    expect(() => checkCallingWindow({ ...w, start: '8:00' })).toThrow(/^start:/);
    expect(() => checkCallingWindow({ ...w, end: '07:00' })).toThrow(/^end:/);
    expect(() => checkCallingWindow({ ...w, timeZone: 'Mars/Olympus' })).toThrow(/^timeZone:/);
  });
});

describe('retry policy', () => {
  const p = { maxAttempts: 3, firstDelayMs: 1000, factor: 2, maxDelayMs: 3000 };
  it('doubles from the first delay up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(p, n))).toEqual([1000, 2000, 3000, 3000]);
  });
  it('stops at the maximum of attempts', () => {
    expect([0, 1, 2, 3].map((n) => attemptsLeft(p, n))).toEqual([true, true, true, false]);
  });
});
