// Answer-rate alarms (issue 5): warning below 95 % (art. 13 of seeds/002: seats staffed for an
// answer rate of at least 95 %), critical below 90 % (art. 29 (一): a city or sub-centre hotline
// below 90 % without special reason is reported by the authority). Raised when a queue crosses a
// threshold, told again only when its level changes, cleared when the rate is back. No I/O.

import {
  CENTRE_FIGURES,
  type FigureAlarm,
  type FigureAlarmCleared,
  type QueueFigures,
} from '../ports/figures.js';
import { judgedCalls, type FigureWindow } from './tally.js';

export interface AlarmRules {
  /** Which window the alarm judges. */
  window: FigureWindow;
  /** Below this answer rate: warning (art. 13: 0.95). */
  warningBelow: number;
  /** Below this: critical (art. 29: 0.90). */
  criticalBelow: number;
  /** Judged only on at least this many calls (offered − short abandons − overflowed); a few calls say little. */
  minCalls: number;
  /** A level ends only this far above its threshold, so a rate hovering at 95 % does not flap. */
  clearMargin: number;
}

export interface AlarmJudgement {
  /** Raised, or changed level (critical → warning is told too). */
  raised: FigureAlarm[];
  cleared: FigureAlarmCleared[];
  active: FigureAlarm[];
}

const WINDOW_TEXT: Record<FigureWindow, string> = { 'rolling-15m': '近15分钟', today: '今日' };
const percent = (rate: number) => `${(Math.floor(rate * 1000) / 10).toFixed(1)}%`;
const thresholdText = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

type Level = FigureAlarm['level'] | undefined;

export class AnswerRateAlarms {
  private readonly active = new Map<string, FigureAlarm>();

  constructor(
    private readonly rules: AlarmRules,
    /** The queue's name for supervisors (from the ACD config); the centre is "全中心". */
    private readonly queueName: (queue: string) => string = (q) => q,
  ) {}

  /** Judges the figures of one snapshot against the alarms in force; returns what changed. */
  judge(figures: QueueFigures[], nowMs: number): AlarmJudgement {
    const raised: FigureAlarm[] = [];
    const cleared: FigureAlarmCleared[] = [];
    for (const f of figures) {
      if (f.window !== this.rules.window || f.answerRate === undefined) continue;
      // Too few calls to judge: whatever is in force stays (it clears only on a rate seen back up).
      if (judgedCalls(f) < this.rules.minCalls) continue;
      const now = this.active.get(f.queue);
      const next = this.level(now?.level, f.answerRate);
      if (next === now?.level) continue;
      const name = this.name(f.queue);
      const rate = f.answerRate;
      if (!next) {
        this.active.delete(f.queue);
        cleared.push({
          queue: f.queue,
          answerRate: rate,
          atMs: nowMs,
          message: `【告警解除】${name}${WINDOW_TEXT[f.window]}接通率回升至${percent(rate)}，已达到不低于${thresholdText(this.rules.warningBelow)}的标准。`,
        });
        continue;
      }
      const alarm: FigureAlarm = { queue: f.queue, level: next, answerRate: rate, atMs: nowMs, message: this.message(next, now?.level, name, f) };
      this.active.set(f.queue, alarm);
      raised.push(alarm);
    }
    return { raised, cleared, active: [...this.active.values()] };
  }

  /** The level after this rate, with the margin keeping a level until the rate is clearly past it. */
  private level(current: Level, rate: number): Level {
    const { warningBelow, criticalBelow, clearMargin } = this.rules;
    if (rate < criticalBelow) return 'critical';
    if (current === 'critical' && rate < criticalBelow + clearMargin) return 'critical';
    if (rate < warningBelow) return 'warning';
    if (current && rate < warningBelow + clearMargin) return 'warning';
    return undefined;
  }

  private name(queue: string): string {
    return queue === CENTRE_FIGURES ? '全中心' : this.queueName(queue);
  }

  private message(level: 'warning' | 'critical', before: Level, name: string, f: QueueFigures): string {
    const rate = percent(f.answerRate!);
    const counts = `（呼入${f.offered}，接通${f.answered}，放弃${f.abandoned}）`;
    const where = `${name}${WINDOW_TEXT[f.window]}接通率`;
    if (level === 'critical')
      return `【接通率严重告警】${where}${rate}，低于${thresholdText(this.rules.criticalBelow)}${counts}，属主管部门通报督促情形（第二十九条），请立即增派座席。`;
    if (before === 'critical')
      return `【接通率预警】${where}回升至${rate}，仍低于${thresholdText(this.rules.warningBelow)}${counts}，请继续调配座席。`;
    return `【接通率预警】${where}${rate}，低于${thresholdText(this.rules.warningBelow)}的标准（第十三条）${counts}，请调配座席。`;
  }
}
