// The calling window: outbound calls to citizens (follow-up surveys, busy-time callbacks) are
// placed only between these local times (issue 6: default 08:00–21:00 Asia/Shanghai). Shared by
// the survey scheduler and the callback policy, so both read the same hours from one place.

export interface CallingWindow {
  /** "HH:MM", inclusive. */
  start: string;
  /** "HH:MM", exclusive; later than start (a window does not span midnight). */
  end: string;
  /** IANA time zone, e.g. Asia/Shanghai. */
  timeZone: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE = 60_000;

function minutes(hhmm: string, field: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`${field}: must be HH:MM (00:00–23:59), got ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Throws a RangeError naming the field when the window is malformed. */
export function checkCallingWindow(w: CallingWindow): void {
  const s = minutes(w.start, 'start');
  const e = minutes(w.end, 'end');
  if (e <= s) throw new RangeError('end: must be later than start (a window cannot span midnight)');
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: w.timeZone });
  } catch {
    throw new RangeError(`timeZone: unknown time zone ${JSON.stringify(w.timeZone)}`);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes and milliseconds since local midnight in the window's zone. */
function localClock(timeZone: string, at: number): { minuteOfDay: number; msIntoMinute: number } {
  let f = formatters.get(timeZone);
  if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const parts = f.formatToParts(new Date(at));
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  const minute = Number(parts.find((p) => p.type === 'minute')!.value);
  return { minuteOfDay: hour * 60 + minute, msIntoMinute: at % MINUTE };
}

export function insideWindow(w: CallingWindow, at: number): boolean {
  const { minuteOfDay } = localClock(w.timeZone, at);
  return minuteOfDay >= minutes(w.start, 'start') && minuteOfDay < minutes(w.end, 'end');
}

/**
 * The first instant at or after `at` inside the window. Zones without daylight saving (China's)
 * are exact; across a daylight-saving change the opening may be off by the shift, once.
 */
export function nextOpening(w: CallingWindow, at: number): number {
  const { minuteOfDay, msIntoMinute } = localClock(w.timeZone, at);
  const s = minutes(w.start, 'start');
  const e = minutes(w.end, 'end');
  if (minuteOfDay >= s && minuteOfDay < e) return at;
  const ahead = minuteOfDay < s ? s - minuteOfDay : 24 * 60 - minuteOfDay + s;
  return at - msIntoMinute + ahead * MINUTE;
}

/** When the window that is open at `at` closes (undefined when it is closed then). */
export function windowCloses(w: CallingWindow, at: number): number | undefined {
  if (!insideWindow(w, at)) return undefined;
  const { minuteOfDay, msIntoMinute } = localClock(w.timeZone, at);
  return at - msIntoMinute + (minutes(w.end, 'end') - minuteOfDay) * MINUTE;
}
