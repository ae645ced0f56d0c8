import { parseHoursRange, type Directory, type HoursRange, type Weekday } from '../core/desk/directory.js';
import type { Config } from './schema.js';

/** The validated `directory` section as the call-control domain reads it (hours parsed, trunks filled in). */
export function directoryFromConfig(d: Config['directory']): Directory {
  return {
    units: d.units.map((u) => {
      const hours: Partial<Record<Weekday, HoursRange[]>> = {};
      for (const [day, ranges] of Object.entries(u.hours) as [Weekday, string[] | undefined][]) {
        // The schema checked every range already.
        if (ranges) hours[day] = ranges.map((r) => parseHoursRange(r)!);
      }
      return { id: u.id, name: u.name, number: u.number, onDuty: u.onDuty, hours, closedDates: u.closedDates, trunk: u.trunk ?? d.trunk };
    }),
    lines: d.lines.map((l) => ({ number: l.number, name: l.name, trunk: l.trunk ?? d.trunk })),
  };
}
