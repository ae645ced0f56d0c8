import { describe, expect, it } from 'vitest';
import { judgeText, ruleOf } from '../../helpers/rules.js';

// Art. 18 of seeds/002: large-area water, power, gas or heating outages and environmental
// pollution are dispatched within 2 hours (critical); seeds/003 art. 7 grades the rest as the
// centre configures (urgent: reply within 6 h, close within 24 h).
describe('urgency (art. 18; seeds/003 art. 7)', () => {
  it.each([
    ['整个小区停水了，上千户没水用', 'urgency.critical.outage'],
    ['城东片区大面积停电三个小时了', 'urgency.critical.outage'],
    ['好几个小区都停气了，做不了饭', 'urgency.critical.outage'],
    ['我们小区整片的暖气都不热', 'urgency.critical.outage'],
    ['工厂偷偷往河里排污，河里都是死鱼', 'urgency.critical.pollution'],
    ['化工园区晚上有刺鼻的气味', 'urgency.critical.pollution'],
  ])('%s → critical (%s)', (text, rule) => {
    const intake = judgeText(text);
    expect(intake.classification.urgency).toBe('URGENCY_CRITICAL');
    expect(ruleOf(intake, 'urgency.')).toBe(rule);
  });

  it('an outage of one household is urgent, not critical', () => {
    const intake = judgeText('我家突然停电了，邻居家都有电');
    expect(intake.classification.urgency).toBe('URGENCY_URGENT');
    expect(ruleOf(intake, 'urgency.')).toBe('urgency.urgent.outage');
  });

  it('a planned outage is normal', () => {
    expect(judgeText('我们这栋楼今天停电，听说是线路检修').classification.urgency).toBe('URGENCY_NORMAL');
  });

  it('a past outage mentioned in thanks is normal', () => {
    expect(judgeText('感谢你们上次帮我们解决了小区停水的问题').classification.urgency).toBe('URGENCY_NORMAL');
  });

  it('the centre-configured urgent hazards', () => {
    const intake = judgeText('小区门口的井盖丢了');
    expect(intake.classification.urgency).toBe('URGENCY_URGENT');
    expect(ruleOf(intake, 'urgency.')).toBe('urgency.urgent.hazard');
  });

  it('noise is a normal complaint, not pollution of art. 18', () => {
    expect(judgeText('隔壁工地晚上十一点还在施工，噪音太大').classification.urgency).toBe('URGENCY_NORMAL');
  });
});
