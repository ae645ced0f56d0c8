// Leader duty (领导接听), seeds/003 art. 13: "落实市政府领导月接听、各县区政府(管委会)和市直各单位主要负责
// 同志周二接听、区直单位负责同志周四接听" — city government leaders answer on a day each month, county/district
// government heads and heads of city departments on Tuesdays, heads of district departments on
// Thursdays. The days and hours are configuration (acd.leaderDuty); this says who is on duty when.

import type { LeaderDutySchedule, LeaderDutySlot, LeaderLevel } from './model.js';

export type { LeaderDutySchedule, LeaderDutySlot };

/** China has one time zone, UTC+8, with no daylight saving: Asia/Shanghai is a fixed offset. */
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Beijing wall-clock parts of an instant. */
export function shanghaiTime(nowMs: number): { year: number; month: number; day: number; weekday: number; minutes: number; daysInMonth: number } {
  const d = new Date(nowMs + SHANGHAI_OFFSET_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  return {
    year,
    month,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    minutes: d.getUTCHours() * 60 + d.getUTCMinutes(),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

export function slotOpen(slot: LeaderDutySlot, nowMs: number): boolean {
  const t = shanghaiTime(nowMs);
  if (slot.dayOfMonth !== undefined && t.day !== Math.min(slot.dayOfMonth, t.daysInMonth)) return false;
  if (slot.weekday !== undefined && t.weekday !== slot.weekday % 7) return false;
  return t.minutes >= minutesOf(slot.from) && t.minutes < minutesOf(slot.to);
}

/** The leader levels on duty at `nowMs` (Asia/Shanghai); empty when no leader line is open. */
export function leaderLevelsOnDuty(schedule: LeaderDutySchedule, nowMs: number): LeaderLevel[] {
  const out: LeaderLevel[] = [];
  for (const [level, slots] of Object.entries(schedule) as [LeaderLevel, LeaderDutySlot[]][]) {
    if (slots.some((s) => slotOpen(s, nowMs))) out.push(level);
  }
  return out;
}

/** What is wrong with a schedule, naming the field; empty when sound. */
export function leaderDutyProblems(schedule: LeaderDutySchedule): string[] {
  const problems: string[] = [];
  for (const [level, slots] of Object.entries(schedule)) {
    slots.forEach((s, i) => {
      const at = `acd.leaderDuty.${level}[${i}]`;
      if ((s.dayOfMonth === undefined) === (s.weekday === undefined)) problems.push(`${at}: give either dayOfMonth or weekday`);
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(s.from)) problems.push(`${at}.from: must be HH:MM`);
      if (!/^([01]\d|2[0-4]):[0-5]\d$/.test(s.to)) problems.push(`${at}.to: must be HH:MM`);
      else if (/^\d\d:\d\d$/.test(s.from) && minutesOf(s.to) <= minutesOf(s.from)) problems.push(`${at}.to: must be after from`);
    });
  }
  return problems;
}
