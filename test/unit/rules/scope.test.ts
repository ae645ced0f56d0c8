import { describe, expect, it } from 'vitest';
import { judgeText } from '../../helpers/rules.js';

// Art. 11 of seeds/002 (一)–(九): out of scope, but recorded and forwarded with a reason and an
// explanation for the citizen (解释引导); (四) is covered by emergency.test.ts.
describe('scope (art. 11)', () => {
  it.each([
    ['（一）', '这个案子法院已经立案了，下个月开庭', 'SCOPE_REASON_LEGAL_PROCEDURE', 'scope.legal-procedure', '12348'],
    ['（一）', '我已经申请了行政复议，复议结果什么时候出', 'SCOPE_REASON_LEGAL_PROCEDURE', 'scope.legal-procedure', '行政复议'],
    ['（二）', '这件事我已经去信访局反映过了', 'SCOPE_REASON_PETITION', 'scope.petition', '信访渠道'],
    ['（三）', '帮我查一下我前夫现在住哪里', 'SCOPE_REASON_SECRET_OR_PRIVACY', 'scope.secret-or-privacy', '个人隐私'],
    ['（五）', '附近部队每天早上吹号训练太吵', 'SCOPE_REASON_MILITARY', 'scope.military', '人民武装部'],
    ['（六）', '喂喂喂', 'SCOPE_REASON_ABUSIVE_OR_EMPTY', 'scope.abusive-or-empty', '具体诉求'],
    ['（六）', '你们全是废物', 'SCOPE_REASON_ABUSIVE_OR_EMPTY', 'scope.abusive-or-empty', '具体诉求'],
    ['（七）', '低保的事已经办结了，我还是不服，再反映一次', 'SCOPE_REASON_REPEAT_CLOSED', 'scope.repeat-closed', '同一事实'],
    ['（八）', '郑州金水区的房东不退押金', 'SCOPE_REASON_OUTSIDE_JURISDICTION', 'scope.outside-jurisdiction', '事发地的12345'],
    ['（九）', '我想要回打麻将输的赌债', 'SCOPE_REASON_EXCLUDED_BY_LAW', 'scope.excluded-by-law', '法律'],
  ])('%s %s → %s', (_item, text, reason, rule, hint) => {
    const intake = judgeText(text);
    expect(intake.scope.inScope).toBe(false);
    expect(intake.scope.reason).toBe(reason);
    expect(intake.scope.explanation).toContain(hint);
    expect(intake.decisions.find((d) => d.rule === rule)?.outcome).toBe(reason);
  });

  it('an ordinary matter is in scope and says so on the record', () => {
    const intake = judgeText('小区门口的路灯坏了半个月了');
    expect(intake.scope).toEqual({ inScope: true });
    expect(intake.decisions.find((d) => d.rule === 'scope.in-scope')).toBeDefined();
  });

  it('asking how to sue is a consult, not a matter already in court', () => {
    expect(judgeText('想咨询一下怎么起诉对方').scope.inScope).toBe(true);
  });

  it('a citizen coming from another city about a local matter stays in scope (art. 11 (八))', () => {
    expect(judgeText('我是上海来驻马店出差的，在酒店被多收了房费').scope.inScope).toBe(true);
    expect(judgeText('从郑州回来以后要不要做核酸').scope.inScope).toBe(true);
  });

  it('a repeat needs both a closed matter and the same facts raised again', () => {
    expect(judgeText('上次反映的路灯问题已经办结了，谢谢').scope.inScope).toBe(true);
  });
});
