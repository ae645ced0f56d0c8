import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryFromConfig } from '../../../src/config/directory.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { policyFromConfig } from '../../../src/app/sip-front.js';
import { routeOutbound } from '../../../src/core/sip/policy.js';
import { beijingTime, describeHours, findLine, parseHoursRange, unitOpenAt } from '../../../src/core/desk/directory.js';

const DIRECTORY_YAML = `
directory:
  trunk: carrier
  units:
    - id: city-water
      name: 市水务局
      number: "03962345678"
      onDuty: 供水科 王工
      hours:
        mon: ["08:30-12:00", "14:30-17:30"]
        tue: ["08:30-12:00", "14:30-17:30"]
        wed: ["08:30-12:00", "14:30-17:30"]
        thu: ["08:30-12:00", "14:30-17:30"]
        fri: ["08:30-12:00", "14:30-17:30"]
        sat: ["09:00-11:00"]
      closedDates: ["2026-10-01"]
  lines:
    - { number: "12348", name: 法律服务热线 }
    - { number: "12366", name: 纳税服务热线, trunk: tax }
`;

function load(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hg-dir-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ HOTLINE_CONFIG: file }).config;
}

// Beijing is UTC+8: 2026-11-23 is a Monday.
const bj = (local: string) => new Date(`${local}+08:00`);

describe('the 三固定 directory (config section directory)', () => {
  const config = load(DIRECTORY_YAML);
  const directory = directoryFromConfig(config.directory);
  const water = directory.units[0]!;

  it('reads units with their hours in Beijing time and fills in the default trunk', () => {
    expect(water).toMatchObject({ id: 'city-water', name: '市水务局', onDuty: '供水科 王工', trunk: 'carrier', closedDates: ['2026-10-01'] });
    expect(water.hours.mon).toEqual([{ from: 510, to: 720 }, { from: 870, to: 1050 }]);
    expect(water.hours.sun).toBeUndefined();
    expect(directory.lines.map((l) => l.trunk)).toEqual(['carrier', 'tax']);
  });

  it('is open inside the fixed hours and closed outside them, on closed weekdays and closed dates', () => {
    expect(unitOpenAt(water, bj('2026-11-23T08:30:00'))).toBe(true);
    expect(unitOpenAt(water, bj('2026-11-23T11:59:00'))).toBe(true);
    expect(unitOpenAt(water, bj('2026-11-23T12:00:00'))).toBe(false); // lunch break
    expect(unitOpenAt(water, bj('2026-11-23T08:29:00'))).toBe(false);
    expect(unitOpenAt(water, bj('2026-11-28T10:00:00'))).toBe(true); // Saturday morning
    expect(unitOpenAt(water, bj('2026-11-29T10:00:00'))).toBe(false); // Sunday
    expect(unitOpenAt(water, bj('2026-10-01T10:00:00'))).toBe(false); // National Day, a Thursday
    // 01:00 UTC on Monday is 09:00 in Beijing: the server's own time zone plays no part.
    expect(unitOpenAt(water, new Date('2026-11-23T01:00:00Z'))).toBe(true);
    expect(beijingTime(new Date('2026-11-22T16:30:00Z'))).toEqual({ weekday: 'mon', minute: 30, date: '2026-11-23' });
  });

  it('describes the hours in Chinese, grouping days with the same hours', () => {
    expect(describeHours(water)).toBe('周一至周五 08:30-12:00、14:30-17:30；周六 09:00-11:00');
  });

  it('finds a transfer line by number in any common spelling, units included; others are not in the directory', () => {
    expect(findLine(directory, '12348')?.name).toBe('法律服务热线');
    expect(findLine(directory, '0396-2345678')).toEqual({ number: '03962345678', name: '市水务局', trunk: 'carrier' });
    expect(findLine(directory, '13800138000')).toBeUndefined();
  });

  it('the SIP front routes a directory unit as a fixed line, showing the centre number', () => {
    const policy = policyFromConfig(config.sip, config.directory);
    const leg = routeOutbound(policy, '03962345678');
    expect(leg).toMatchObject({ action: 'outbound', route: 'fixed-line', target: 'city-water', callerId: '12345' });
  });

  it.each([
    ['hours:\n        mon: ["8:30-12:00"]', /directory\.units\.0\.hours\.mon\.0: must be HH:MM-HH:MM/],
    ['hours:\n        mon: ["12:00-08:30"]', /directory\.units\.0\.hours\.mon\.0/],
    ['hours:\n        monday: ["08:30-12:00"]', /monday/],
    ['hours: {}\n      closedDates: ["1 Oct"]', /closedDates\.0: must be YYYY-MM-DD/],
  ])('stops on a bad unit and names the key: %s', (hours, message) => {
    const yaml = `directory:\n  trunk: carrier\n  units:\n    - id: u1\n      name: 单位\n      number: "03961234567"\n      onDuty: 值班员\n      ${hours}\n  lines: []\n`;
    expect(() => load(yaml)).toThrow(ConfigError);
    expect(() => load(yaml)).toThrow(message);
  });

  it('parses hour ranges strictly', () => {
    expect(parseHoursRange('00:00-24:00')).toEqual({ from: 0, to: 1440 });
    expect(parseHoursRange('24:00-24:30')).toBeUndefined();
    expect(parseHoursRange('09:60-10:00')).toBeUndefined();
    expect(parseHoursRange('')).toBeUndefined();
  });
});
