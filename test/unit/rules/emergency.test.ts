import { describe, expect, it } from 'vitest';
import { judgeText, ruleOf } from '../../helpers/rules.js';

// Art. 11 (四) of seeds/002: matters of 110, 119, 120 and 122 are not 12345 matters; the citizen
// is told to call that line at once and the intake is flagged (seeds/003 art. 2: 联动机制).
describe('emergency lines', () => {
  it.each([
    ['有人拿刀在菜市场门口砍人', 'EMERGENCY_LINE_110', 'emergency.110.violence'],
    ['有人正在撬我家楼下的电动车锁', 'EMERGENCY_LINE_110', 'emergency.110.crime'],
    ['三号楼五楼着火了，烟很大', 'EMERGENCY_LINE_119', 'emergency.119.fire'],
    ['煤气味很重', 'EMERGENCY_LINE_119', 'emergency.119.gas_leak'],
    ['化工厂刚才爆炸了', 'EMERGENCY_LINE_119', 'emergency.119.explosion'],
    ['我爸晕倒了，叫不醒', 'EMERGENCY_LINE_120', 'emergency.120.unconscious'],
    ['老人摔倒了头在流血', 'EMERGENCY_LINE_120', 'emergency.120.bleeding'],
    ['她喝了农药', 'EMERGENCY_LINE_120', 'emergency.120.poisoning'],
    ['路口两辆车撞了，有人受伤', 'EMERGENCY_LINE_122', 'emergency.122.accident'],
    ['高速上三辆车追尾了', 'EMERGENCY_LINE_122', 'emergency.122.accident'],
  ])('%s → %s by %s', (text, line, rule) => {
    const intake = judgeText(text);
    expect(intake.emergencyLine).toBe(line);
    expect(ruleOf(intake, 'emergency.')).toBe(rule);
    expect(intake.scope).toMatchObject({ inScope: false, reason: 'SCOPE_REASON_EMERGENCY_LINE' });
    const number = line.slice(-3);
    expect(intake.scope.explanation).toContain(`请立即拨打${number}`);
    expect(intake.classification.urgency).toBe('URGENCY_CRITICAL');
  });

  it.each([
    ['上个月着火的那栋楼现在还没修', 'past'],
    ['昨天被打了想咨询怎么起诉', 'past'],
    ['家里没有着火，就是烟感一直响', 'negated'],
    ['如果家里煤气泄漏了应该先做什么', 'hypothetical'],
    ['我们村路口经常出车祸，建议装红绿灯', 'habitual'],
    ['小区消防通道被堵，有火灾隐患', 'hypothetical'],
  ])('%s is not an emergency now (%s), and the record says why', (text, kind) => {
    const intake = judgeText(text);
    expect(intake.emergencyLine).toBe('EMERGENCY_LINE_NONE');
    const d = intake.decisions.find((x) => x.rule === 'emergency.none');
    expect(d?.reason).toContain(kind);
  });

  it.each(['楼下火锅店油烟太大', '投诉交警执勤态度差', '火车站出租车拒载', '救护车收费太贵了', '路边违停的车太多了', '我在打电话给你们反映路灯坏了'])(
    'an ordinary matter mentioning 火/警/车 is no emergency: %s',
    (text) => {
      expect(judgeText(text).emergencyLine).toBe('EMERGENCY_LINE_NONE');
    },
  );

  it('folds full-width text before matching', () => {
    expect(judgeText('ＫＴＶ里着火了！！').emergencyLine).toBe('EMERGENCY_LINE_119');
  });

  it('reads the transcript of a voice message too', () => {
    const intake = judgeText('', { draft: { content: { text: '', transcript: { text: '快来人，有人晕倒了', engine: 'test' } } } });
    expect(intake.emergencyLine).toBe('EMERGENCY_LINE_120');
  });
});

describe('terms that look like emergencies in ordinary speech', () => {
  it.each(['老板天天打我电话催我还钱', '楼下大火锅店油烟太大', '大风把树刮倒在路中间了', '办理流程我有点迷糊，想咨询一下'])('%s is no emergency', (text) => {
    expect(judgeText(text).emergencyLine).toBe('EMERGENCY_LINE_NONE');
  });
});

describe('possible emergencies (safety net for wordings the families miss)', () => {
  it('flags a current danger word for review and gives the citizen the emergency numbers, scope untouched', async () => {
    const { citizenReply } = await import('../../../src/core/rules/citizen-reply.js');
    const intake = judgeText('隔壁屋里一直往外飘黑烟，敲门没人应');
    expect(intake.emergencyLine).toBe('EMERGENCY_LINE_NONE');
    expect(intake.scope.inScope).toBe(true);
    expect(intake.decisions.find((d) => d.rule === 'emergency.possible')?.outcome).toBe('REVIEW');
    expect(citizenReply(intake)).toMatch(/^您的诉求已受理.*如情况紧急，请立即拨打110/);
  });

  it('does not flag a past or negated danger word, and the reply stays plain', async () => {
    const { citizenReply } = await import('../../../src/core/rules/citizen-reply.js');
    for (const text of ['去年楼里着过火，现在想问问消防验收', '没有漏水，就是想问问水费']) {
      const intake = judgeText(text);
      expect(intake.decisions.find((d) => d.rule === 'emergency.possible')).toBeUndefined();
      expect(citizenReply(intake)).not.toContain('如情况紧急');
    }
  });

  // An agent who handed the call over (call control's emergency handoff) already chose the line:
  // the dictionaries, which may miss the wording or read another line, do not override a person.
  it.each([
    ['诉求人情绪激动，称要找人算账', 'EMERGENCY_LINE_110'],
    ['三号楼五楼着火了，有人被困', 'EMERGENCY_LINE_120'],
  ] as const)('keeps the line an agent handed the call to: %s → %s', (text, line) => {
    const intake = judgeText(text, { draft: { channel: 'CHANNEL_PHONE', emergencyLine: line } });
    expect(intake.emergencyLine).toBe(line);
    expect(intake.classification.urgency).toBe('URGENCY_CRITICAL');
    expect(intake.scope).toMatchObject({ inScope: false, reason: 'SCOPE_REASON_EMERGENCY_LINE' });
    expect(intake.decisions.filter((d) => d.rule.startsWith('emergency.'))).toEqual([
      { rule: 'emergency.handoff', outcome: line, reason: expect.stringContaining('agent') },
    ]);
  });
});
