import { describe, expect, it } from 'vitest';
import { AnswerRateAlarms } from '../../../src/core/figures/alarms.js';
import { CENTRE_FIGURES, type QueueFigures } from '../../../src/core/ports/figures.js';

const rules = { window: 'rolling-15m' as const, warningBelow: 0.95, criticalBelow: 0.9, minCalls: 20, clearMargin: 0.005 };
const names: Record<string, string> = { general: '综合队列', enterprise: '营商环境专席' };

/** A queue's rolling figures with `answered` of `offered` calls answered. */
function rate(answered: number, offered = 1000, queue = 'general', window: QueueFigures['window'] = 'rolling-15m'): QueueFigures {
  return { queue, window, offered, answered, abandoned: offered - answered, shortAbandoned: 0, overflowed: 0, answerRate: offered ? answered / offered : undefined };
}

describe('answer-rate alarms (art. 13 and 29 of seeds/002)', () => {
  it('raises a warning on crossing below 95 % and says nothing more while it stays there', () => {
    const alarms = new AnswerRateAlarms(rules, (q) => names[q] ?? q);
    expect(alarms.judge([rate(960)], 1).raised).toEqual([]);
    const first = alarms.judge([rate(940)], 2);
    expect(first.raised).toHaveLength(1);
    expect(first.raised[0]).toMatchObject({ queue: 'general', level: 'warning', answerRate: 0.94, atMs: 2 });
    expect(first.raised[0]!.message).toBe('【接通率预警】综合队列近15分钟接通率94.0%，低于95%的标准（第十三条）（呼入1000，接通940，放弃60），请调配座席。');
    for (const t of [3, 4, 5]) {
      const again = alarms.judge([rate(930)], t);
      expect(again.raised).toEqual([]);
      expect(again.active.map((a) => a.level)).toEqual(['warning']);
    }
  });

  it('becomes louder below 90 %, steps down above it, and clears back at 95 %', () => {
    const alarms = new AnswerRateAlarms(rules, (q) => names[q] ?? q);
    alarms.judge([rate(940)], 1);
    const critical = alarms.judge([rate(880)], 2).raised;
    expect(critical.map((a) => a.level)).toEqual(['critical']);
    expect(critical[0]!.message).toContain('低于90%');
    expect(critical[0]!.message).toContain('第二十九条');
    const down = alarms.judge([rate(920)], 3).raised;
    expect(down.map((a) => a.level)).toEqual(['warning']);
    expect(down[0]!.message).toContain('回升至92.0%');
    const back = alarms.judge([rate(960)], 4);
    expect(back.cleared).toEqual([{ queue: 'general', answerRate: 0.96, atMs: 4, message: '【告警解除】综合队列近15分钟接通率回升至96.0%，已达到不低于95%的标准。' }]);
    expect(back.active).toEqual([]);
    // Straight from nothing to critical is one alarm, the critical one.
    expect(alarms.judge([rate(850)], 5).raised.map((a) => a.level)).toEqual(['critical']);
  });

  it('does not flap around 95 %: a level ends only clearly past its threshold', () => {
    const alarms = new AnswerRateAlarms(rules);
    alarms.judge([rate(949)], 1);
    const hovering = [950, 949, 951, 954].map((a, i) => alarms.judge([rate(a)], 2 + i));
    expect(hovering.flatMap((j) => [...j.raised, ...j.cleared])).toEqual([]);
    expect(alarms.judge([rate(955)], 9).cleared).toHaveLength(1);
    // Likewise at 90 %: critical stays until 90.5 %.
    alarms.judge([rate(899)], 10);
    expect(alarms.judge([rate(902)], 11).raised).toEqual([]);
    expect(alarms.judge([rate(905)], 12).raised.map((a) => a.level)).toEqual(['warning']);
  });

  it('judges nothing on fewer calls than the minimum; an alarm in force stays until seen recovered', () => {
    const alarms = new AnswerRateAlarms(rules);
    expect(alarms.judge([rate(10, 19)], 1)).toEqual({ raised: [], cleared: [], active: [] });
    expect(alarms.judge([rate(10, 20)], 2).raised).toHaveLength(1);
    const quiet = alarms.judge([rate(5, 5)], 3);
    expect(quiet.cleared).toEqual([]);
    expect(quiet.active).toHaveLength(1);
    // Short abandons and overflowed calls do not count towards the minimum.
    const fresh = new AnswerRateAlarms(rules);
    expect(fresh.judge([{ ...rate(10, 30), shortAbandoned: 6, overflowed: 5, answerRate: 10 / 19 }], 1).raised).toEqual([]);
  });

  it('judges each queue and the whole centre on its own, and only the configured window', () => {
    const alarms = new AnswerRateAlarms(rules, (q) => names[q] ?? q);
    const j = alarms.judge(
      [rate(990, 1000, 'general'), rate(800, 1000, 'enterprise'), rate(880, 1000, CENTRE_FIGURES), rate(100, 1000, 'general', 'today')],
      1,
    );
    expect(j.raised.map((a) => `${a.queue}:${a.level}`)).toEqual(['enterprise:critical', '*:critical']);
    expect(j.raised[0]!.message).toContain('营商环境专席');
    expect(j.raised[1]!.message).toContain('全中心近15分钟接通率88.0%');
    const today = new AnswerRateAlarms({ ...rules, window: 'today' });
    expect(today.judge([rate(940, 1000, 'general', 'today')], 1).raised[0]!.message).toContain('今日接通率94.0%');
  });

  it('never shows a rate just under the threshold as the threshold itself', () => {
    const alarms = new AnswerRateAlarms(rules);
    expect(alarms.judge([rate(9499, 10000)], 1).raised[0]!.message).toContain('接通率94.9%');
  });
});
