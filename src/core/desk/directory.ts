// The directory agents transfer and conference to (config section `directory`): handling units'
// fixed three-way lines (三固定 — fixed number, fixed person, fixed hours; seeds/003 art. 4) and
// the external lines a call may be handed to (sub-centre lines that run their own agents, art. 8;
// public-utility hotlines, seeds/003 art. 2). Plain data and pure functions: no I/O.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const WEEKDAY_TEXT: Record<Weekday, string> = { mon: '周一', tue: '周二', wed: '周三', thu: '周四', fri: '周五', sat: '周六', sun: '周日' };

/** Opening hours within one day, in minutes after midnight Beijing time; `to` is exclusive. */
export interface HoursRange {
  from: number;
  to: number;
}

/** A handling unit's fixed three-way line (三固定). */
export interface DirectoryUnit {
  id: string;
  /** Shown to agents (Chinese). */
  name: string;
  /** The fixed number (固定通话号码). */
  number: string;
  /** The fixed person who answers it (固定接听人员). */
  onDuty: string;
  /** The fixed hours (固定工作时间) per weekday, Asia/Shanghai; a day not listed is closed. */
  hours: Partial<Record<Weekday, HoursRange[]>>;
  /** Days (YYYY-MM-DD, Beijing) the line is closed whatever the weekday: public holidays. */
  closedDates: string[];
  /** The switch gateway (trunk) the leg leaves by. */
  trunk: string;
}

/** An external line a call may be handed to by blind or attended transfer. */
export interface DirectoryLine {
  number: string;
  name: string;
  trunk: string;
}

export interface Directory {
  units: DirectoryUnit[];
  lines: DirectoryLine[];
}

/** "08:30-12:00" → minutes; undefined when malformed or empty ("24:00" is allowed as an end). */
export function parseHoursRange(text: string): HoursRange | undefined {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [fh, fm, th, tm] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (fh > 23 || fm > 59 || th > 24 || tm > 59 || (th === 24 && tm !== 0)) return undefined;
  const from = fh * 60 + fm;
  const to = th * 60 + tm;
  return to > from ? { from, to } : undefined;
}

/**
 * Weekday, minute of the day and date in Beijing time. China has kept UTC+8 all year since 1991
 * (no daylight saving), so a fixed offset is exact and needs no time-zone database.
 */
export function beijingTime(at: Date): { weekday: Weekday; minute: number; date: string } {
  const t = new Date(at.getTime() + 8 * 3_600_000);
  // getUTCDay: 0 = Sunday.
  const weekday = WEEKDAYS[(t.getUTCDay() + 6) % 7]!;
  return { weekday, minute: t.getUTCHours() * 60 + t.getUTCMinutes(), date: t.toISOString().slice(0, 10) };
}

/** Whether the unit's fixed line is staffed at this instant. */
export function unitOpenAt(unit: DirectoryUnit, at: Date): boolean {
  const { weekday, minute, date } = beijingTime(at);
  if (unit.closedDates.includes(date)) return false;
  return (unit.hours[weekday] ?? []).some((r) => minute >= r.from && minute < r.to);
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** The unit's hours in Chinese, consecutive days with the same hours grouped: "周一至周五 08:30-12:00、14:30-17:30". */
export function describeHours(unit: DirectoryUnit): string {
  const text = (d: Weekday) => (unit.hours[d] ?? []).map((r) => `${hhmm(r.from)}-${hhmm(r.to)}`).join('、');
  const groups: { first: Weekday; last: Weekday; hours: string }[] = [];
  for (const d of WEEKDAYS) {
    const hours = text(d);
    if (!hours) continue;
    const prev = groups.at(-1);
    if (prev && prev.hours === hours && WEEKDAYS.indexOf(prev.last) === WEEKDAYS.indexOf(d) - 1) prev.last = d;
    else groups.push({ first: d, last: d, hours });
  }
  if (groups.length === 0) return '无固定接听时间';
  return groups.map((g) => `${WEEKDAY_TEXT[g.first]}${g.first === g.last ? '' : `至${WEEKDAY_TEXT[g.last]}`} ${g.hours}`).join('；');
}

export function findUnit(directory: Directory, unitId: string): DirectoryUnit | undefined {
  return directory.units.find((u) => u.id === unitId);
}

/** Digits only, without a leading +86 or area-code zero differences: how two spellings of one number compare. */
function comparable(number: string): string {
  return number.replace(/[\s-]/g, '').replace(/^\+86/, '').replace(/^0086/, '');
}

/**
 * The external line for a number an agent wants to transfer to: a directory line, or a unit's
 * fixed line. Numbers outside the directory are not dialled (an agent's desk is no open phone).
 */
export function findLine(directory: Directory, number: string): DirectoryLine | undefined {
  const n = comparable(number);
  const line = directory.lines.find((l) => comparable(l.number) === n);
  if (line) return line;
  const unit = directory.units.find((u) => comparable(u.number) === n);
  return unit ? { number: unit.number, name: unit.name, trunk: unit.trunk } : undefined;
}
