import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueDef } from '../../../src/core/acd/model.js';
import { compareWaiting, overflowTarget, pickAgent, priorityRank, queueProblems, queueScore, reachLevel, routeTo, subCentreQueue } from '../../../src/core/acd/routing.js';
import { leaderLevelsOnDuty, shanghaiTime } from '../../../src/core/acd/leader-duty.js';
import {
  announcementPromptTexts,
  announcementPrompts,
  announcementText,
  callbackOfferDue,
  chineseNumber,
  estimateWaitSec,
  nextAnnouncementAtMs,
} from '../../../src/core/acd/announcement.js';
import { acdPolicy } from '../../../src/config/acd.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';

const tiers = [
  { afterSec: 0, maxLevel: 1 },
  { afterSec: 15, maxLevel: 2 },
  { afterSec: 30, maxLevel: 9 },
];
const q = (id: string, extra: Partial<QueueDef> = {}): QueueDef => ({ id, name: id, kind: 'general', skill: id, tiers, announceEverySec: 30, callbackOfferAfterSec: 90, ...extra });
/** Beijing wall-clock time → ms. */
const bj = (iso: string) => Date.parse(`${iso}+08:00`);

describe('serving order', () => {
  it('serves emergency-line transfers, then critical matters, then everyone else; each by arrival', () => {
    const calls = [
      { id: 'n-early', priority: 'normal' as const, enqueuedAtMs: 1000 },
      { id: 'c-late', priority: 'critical' as const, enqueuedAtMs: 9000 },
      { id: 'e-latest', priority: 'emergency-transfer' as const, enqueuedAtMs: 9999 },
      { id: 'n-late', priority: 'normal' as const, enqueuedAtMs: 5000 },
      { id: 'c-early', priority: 'critical' as const, enqueuedAtMs: 2000 },
    ];
    expect([...calls].sort(compareWaiting).map((c) => c.id)).toEqual(['e-latest', 'c-early', 'c-late', 'n-early', 'n-late']);
    expect(priorityRank('emergency-transfer')).toBeLessThan(priorityRank('critical'));
  });

  it('keeps scores exact integers for any timestamp of this century', () => {
    const s = queueScore('normal', Date.parse('2099-12-31T23:59:59.999Z'));
    expect(Number.isSafeInteger(s)).toBe(true);
    expect(queueScore('critical', Date.parse('2099-12-31T23:59:59.999Z'))).toBeLessThan(queueScore('normal', 0));
  });
});

describe('tiers and agent choice', () => {
  it('widens the levels a call reaches as it waits', () => {
    expect(reachLevel(tiers, 0)).toBe(1);
    expect(reachLevel(tiers, 14_999)).toBe(1);
    expect(reachLevel(tiers, 15_000)).toBe(2);
    expect(reachLevel(tiers, 30_000)).toBe(9);
  });

  it('takes the best level within reach, then the longest idle', () => {
    const agents = [
      { agentId: 'a', level: 2, idleSinceMs: 100 },
      { agentId: 'b', level: 1, idleSinceMs: 500 },
      { agentId: 'c', level: 1, idleSinceMs: 300 },
    ];
    expect(pickAgent(agents, 1)).toBe('c');
    expect(pickAgent(agents.filter((a) => a.level === 2), 1)).toBeUndefined();
    expect(pickAgent(agents.filter((a) => a.level === 2), 2)).toBe('a');
  });

  it('overflows after the configured seconds only', () => {
    const ent = q('enterprise', { overflow: { afterSec: 60, to: 'general' } });
    expect(overflowTarget(ent, 59_999)).toBeUndefined();
    expect(overflowTarget(ent, 60_000)).toBe('general');
    expect(overflowTarget(q('general'), 10 ** 9)).toBeUndefined();
  });
});

describe('leader duty (seeds/003 art. 13)', () => {
  const schedule = {
    city: [{ dayOfMonth: 31, from: '09:00', to: '11:30' }],
    'county-and-city-department': [{ weekday: 2, from: '09:00', to: '11:30' }],
    'district-department': [{ weekday: 4, from: '09:00', to: '11:30' }],
  };
  it('opens the county and city-department line on Tuesdays, the district-department line on Thursdays, in Beijing time', () => {
    // 2026-11-24 is a Tuesday.
    expect(shanghaiTime(bj('2026-11-24T10:00:00')).weekday).toBe(2);
    expect(leaderLevelsOnDuty(schedule, bj('2026-11-24T10:00:00'))).toEqual(['county-and-city-department']);
    expect(leaderLevelsOnDuty(schedule, bj('2026-11-26T09:00:00'))).toEqual(['district-department']);
    expect(leaderLevelsOnDuty(schedule, bj('2026-11-26T11:30:00'))).toEqual([]);
    expect(leaderLevelsOnDuty(schedule, bj('2026-11-25T10:00:00'))).toEqual([]);
    // 01:30 UTC on Tuesday is 09:30 Tuesday in Beijing; 23:00 UTC Monday is 07:00 Tuesday.
    expect(leaderLevelsOnDuty(schedule, Date.parse('2026-11-24T01:30:00Z'))).toEqual(['county-and-city-department']);
    expect(leaderLevelsOnDuty(schedule, Date.parse('2026-11-23T23:00:00Z'))).toEqual([]);
  });

  it('holds the monthly city-leader day on the last day of a shorter month', () => {
    expect(leaderLevelsOnDuty(schedule, bj('2026-02-28T10:00:00'))).toContain('city');
    expect(leaderLevelsOnDuty(schedule, bj('2026-03-30T10:00:00'))).not.toContain('city');
    expect(leaderLevelsOnDuty(schedule, bj('2026-03-31T10:00:00'))).toContain('city');
  });

  it('sends a call for a closed leader line to the general queue, and an external sub-centre out', () => {
    const queues = new Map<string, QueueDef>([
      ['general', q('general')],
      ['leader-county', q('leader-county', { kind: 'leader', leaderLevel: 'county-and-city-department' })],
      ['sub-12366', q('sub-12366', { kind: 'sub-centre', line: '12366', externalNumber: '12366' })],
      ['sub-12348', q('sub-12348', { kind: 'sub-centre', line: '12348' })],
    ]);
    expect(routeTo(queues, 'general', schedule, 'leader-county', bj('2026-11-24T10:00:00'))).toEqual({ kind: 'queue', queue: 'leader-county' });
    expect(routeTo(queues, 'general', schedule, 'leader-county', bj('2026-11-24T14:00:00'))).toEqual({ kind: 'queue', queue: 'general', fellBack: 'leader-off-duty' });
    expect(routeTo(queues, 'general', schedule, 'nope', 0)).toEqual({ kind: 'queue', queue: 'general', fellBack: 'unknown-queue' });
    expect(routeTo(queues, 'general', schedule, 'sub-12366', 0)).toEqual({ kind: 'external', number: '12366', queue: 'sub-12366' });
    expect(subCentreQueue(queues.values(), '12348')?.id).toBe('sub-12348');
    expect(subCentreQueue(queues.values(), '12315')).toBeUndefined();
  });
});

describe('estimated wait and announcements', () => {
  it('estimates from position, agents and mean handle time', () => {
    expect(estimateWaitSec({ position: 1, staffed: 4, available: 1, meanHandleSec: 240 })).toBe(0);
    expect(estimateWaitSec({ position: 5, staffed: 0, available: 0, meanHandleSec: 240 })).toBeUndefined();
    expect(estimateWaitSec({ position: 1, staffed: 2, available: 0, meanHandleSec: 240 })).toBe(60);
    expect(estimateWaitSec({ position: 9, staffed: 2, available: 0, meanHandleSec: 240 })).toBe(1020);
  });

  it('says the position and the wait in Chinese, and offers the callback key when due', () => {
    expect(chineseNumber(2, true)).toBe('两');
    expect(chineseNumber(12)).toBe('十二');
    expect(chineseNumber(20)).toBe('二十');
    expect(announcementText(1, 0, false, '4')).toBe('您是下一位，请稍候，马上为您接通。');
    expect(announcementText(4, 150, false, '4')).toBe('您前面还有三位来电在等候。预计等待约三分钟。');
    expect(announcementText(3, 61, true, '4')).toBe('您前面还有两位来电在等候。预计等待约两分钟。如不便等待，请按四预约回电，话务员将尽快回拨您的号码。');
    expect(announcementPrompts(50, 3600, false)).toEqual(['queueAheadMany', 'queueWaitLong']);
    expect(announcementPrompts(5, undefined, false)).toEqual(['queueAhead4']);
    expect(announcementPromptTexts('1').queueCallbackOffer).toContain('按幺');
    for (const text of Object.values(announcementPromptTexts('4'))) expect(text).toMatch(/^[\u4e00-\u9fff，。]+$/);
  });

  it('schedules announcements every announceEverySec and the callback offer past its wait', () => {
    expect(nextAnnouncementAtMs({ announceEverySec: 30 }, 1000, 1000)).toBe(31_000);
    expect(nextAnnouncementAtMs({ announceEverySec: 30 }, 1000, 31_000)).toBe(61_000);
    expect(callbackOfferDue({ callbackOfferAfterSec: 90 }, 89_999)).toBe(false);
    expect(callbackOfferDue({ callbackOfferAfterSec: 90 }, 90_000)).toBe(true);
  });
});

describe('configuration of the queues', () => {
  it('builds the default queues: general, enterprise, counselling and the three leader lines', () => {
    const p = acdPolicy(loadConfig({}).config.acd);
    expect([...p.queues.keys()]).toEqual(['general', 'enterprise', 'counselling', 'leader-city', 'leader-county', 'leader-district']);
    expect(p.queues.get('enterprise')!.overflow).toEqual({ afterSec: 60, to: 'general' });
    expect(p.leaderDuty['county-and-city-department']).toEqual([{ weekday: 2, from: '09:00', to: '11:30' }]);
    expect(p.offerTimeoutMs).toBe(15_000);
  });

  it.each([
    ['acd:\n  queues:\n    - { id: general, name: 综合, kind: general, skill: general, overflow: { afterSec: 5, to: nowhere } }\n', /acd\.queues\.0\.overflow\.to: no queue nowhere/],
    ['acd:\n  queues:\n    - { id: general, name: 综合, kind: general, skill: general, tiers: [{ afterSec: 5, maxLevel: 1 }] }\n', /acd\.queues\.0\.tiers: the first tier must start at afterSec 0/],
    ['acd:\n  general: missing\n', /acd\.general: no queue missing/],
    ['acd:\n  queues:\n    - { id: general, name: 综合, kind: general, skill: general }\n    - { id: x, name: x, kind: sub-centre, skill: x }\n', /acd\.queues\.1\.line/],
    ['acd:\n  leaderDuty:\n    city: [{ from: "09:00", to: "08:00" }]\n', /acd\.leaderDuty\.city\.0: give either dayOfMonth or weekday.*acd\.leaderDuty\.city\.0\.to: must be after from/],
    ['acd:\n  queues:\n    - { id: "a b", name: x, kind: general, skill: general }\n', /acd\.queues\.0\.id/],
  ])('stops on a bad queue setting and names the field (%#)', (yaml, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'hg-acd-config-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, yaml);
    expect(() => loadConfig({ HOTLINE_CONFIG: file })).toThrow(ConfigError);
    expect(() => loadConfig({ HOTLINE_CONFIG: file })).toThrow(message);
  });

  it('finds overflow circles', () => {
    expect(queueProblems([q('general', { overflow: { afterSec: 1, to: 'b' } }), q('b', { overflow: { afterSec: 1, to: 'general' } })], 'general')).toContain('acd.queues: overflow from general runs in a circle');
  });
});
