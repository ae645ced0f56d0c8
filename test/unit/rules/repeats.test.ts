import { describe, expect, it } from 'vitest';
import { bigrams, compileRepeats, jaccard, relatedIntakes } from '../../../src/core/rules/repeats.js';
import { normalise } from '../../../src/core/rules/text.js';
import { judgeText } from '../../helpers/rules.js';

const cfg = compileRepeats({ windowHours: 720, threshold: 0.28, maxCompared: 50, maxLinked: 2, ignore: ['我要投诉', '想咨询一下', '什么时候', '的事', '了', '的', '我'] });
const earlier = (intakeId: string, text: string) => ({ intakeId, receivedTime: '2026-01-14T08:00:00Z', text: normalise(text) });

// Art. 30 of seeds/002: repeated requests are counted; the same citizen's similar matters are linked.
describe('repeats', () => {
  it('bigram Jaccard: identical 1, disjoint 0, reworded in between', () => {
    const a = bigrams(normalise('小区门口的路灯坏了'));
    expect(jaccard(a, a)).toBe(1);
    expect(jaccard(a, bigrams('今天天气很好'))).toBe(0);
    const r = jaccard(a, bigrams(normalise('小区门口路灯坏了好几天了')));
    expect(r).toBeGreaterThan(0.28);
    expect(r).toBeLessThan(1);
  });

  it('links a reworded matter of the same citizen, not an unrelated one', () => {
    const found = relatedIntakes(
      normalise('小区门口的路灯又坏了，一直没人修'),
      [earlier('A', '小区门口的路灯坏了半个月了没人修'), earlier('B', '请问居住证怎么办理')],
      cfg,
    );
    expect(found.map((f) => f.intakeId)).toEqual(['A']);
  });

  it('formulaic phrases do not make different matters alike', () => {
    const found = relatedIntakes(
      normalise('社保的事想咨询一下'),
      [earlier('A', '孩子上学的事想咨询一下'), earlier('B', '我要投诉楼下烧烤摊太吵了')],
      cfg,
    );
    expect(found).toEqual([]);
    expect(relatedIntakes(normalise('我要投诉物业费太贵了'), [earlier('B', '我要投诉楼下烧烤摊太吵了')], cfg)).toEqual([]);
  });

  it('links at most maxLinked, most similar first', () => {
    const found = relatedIntakes(
      normalise('楼下烧烤摊太吵了'),
      [earlier('A', '楼下烧烤摊吵'), earlier('B', '楼下烧烤摊太吵了'), earlier('C', '楼下烧烤摊太吵')],
      cfg,
    );
    expect(found.map((f) => f.intakeId)).toEqual(['B', 'C']);
  });

  it('the judged record carries the links and a decision naming the rule', () => {
    const intake = judgeText('小区门口的路灯又坏了，一直没人修', { earlier: [earlier('01EARLIER', '小区门口的路灯坏了没人修')] });
    expect(intake.links?.relatedIntakeIds).toEqual(['01EARLIER']);
    expect(intake.decisions.find((d) => d.rule === 'repeats.similar')?.reason).toContain('01EARLIER');
  });
});
