// Time buckets of the live figures: one per minute (the rolling 15 minutes is the sum of the last
// 15) and one per day of the centre (Asia/Shanghai). No I/O; the clock is the caller's.

export const MINUTE_MS = 60_000;
export const ROLLING_MINUTES = 15;
const DAY_MS = 86_400_000;
// China Standard Time is UTC+8 all year (no daylight saving since 1991): no time-zone database needed.
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Minute bucket number of a time (minutes since the epoch). */
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);

/**
 * The minute buckets of the rolling window at `nowMs`: the current minute and the 14 before it (so
 * the window reaches back between 14 and 15 minutes, moving on at each minute boundary).
 */
export function rollingMinutes(nowMs: number): number[] {
  const m = minuteOf(nowMs);
  return Array.from({ length: ROLLING_MINUTES }, (_, i) => m - ROLLING_MINUTES + 1 + i);
}

/** The centre's day of a time, "YYYY-MM-DD" in Asia/Shanghai: today's figures start at 00:00 Beijing time. */
export const shanghaiDay = (ms: number): string => new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);

/** When a Shanghai day ends (ms): 00:00 Beijing time of the next day. */
export function shanghaiDayEndMs(ms: number): number {
  return (Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - SHANGHAI_OFFSET_MS;
}
