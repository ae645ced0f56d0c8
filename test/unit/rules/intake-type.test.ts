import { describe, expect, it } from 'vitest';
import { judgeText } from '../../helpers/rules.js';

// Art. 10 of seeds/002: 咨询、求助、投诉、举报和意见建议 (and 表扬, GB/T 39666); the type sets the
// handling time limit of art. 15 (二).
describe('intake type', () => {
  it.each([
    ['请问办理居住证需要带什么材料', 'INTAKE_TYPE_CONSULT'],
    ['孩子得了重病，家里拿不出钱了，求助', 'INTAKE_TYPE_HELP'],
    ['我要投诉楼下的烧烤摊，吵得睡不着', 'INTAKE_TYPE_COMPLAINT'],
    ['举报有人在小区里开地下赌场', 'INTAKE_TYPE_REPORT'],
    ['建议在公园里增加一些健身器材', 'INTAKE_TYPE_SUGGESTION'],
    ['表扬不动产登记中心的工作人员，办事耐心', 'INTAKE_TYPE_PRAISE'],
  ])('%s → %s', (text, type) => {
    const intake = judgeText(text);
    expect(intake.classification.type).toBe(type);
    expect(intake.decisions.find((d) => d.rule.startsWith('type.'))?.outcome).toBe(type);
  });

  it('a strong cue outweighs weak ones', () => {
    // "投诉" against the consult cues "怎么" and "吗".
    expect(judgeText('我想投诉，怎么这么慢，有人管吗').classification.type).toBe('INTAKE_TYPE_COMPLAINT');
  });

  it('tags topics', () => {
    expect(judgeText('整个小区停水了').classification.topics).toContain('供水');
  });
});
