import { describe, expect, it } from 'vitest';
import { citizenReplyFor } from '../../../src/core/channels/citizen-reply.js';

const base = { intakeId: '01JABCDEF0123456789ABCDEFG', emergencyLine: 'EMERGENCY_LINE_NONE' as const, scope: { inScope: true } };

describe('what a text channel tells the citizen', () => {
  it.each([
    ['EMERGENCY_LINE_110', '110'],
    ['EMERGENCY_LINE_119', '119'],
    ['EMERGENCY_LINE_120', '120'],
    ['EMERGENCY_LINE_122', '122'],
  ] as const)('%s: call %s at once, even when also out of scope', (line, number) => {
    const r = citizenReplyFor({ ...base, emergencyLine: line, scope: { inScope: false, reason: 'SCOPE_REASON_EMERGENCY_LINE', explanation: '不属于受理范围' } });
    expect(r.kind).toBe('emergency');
    expect(r.text).toContain(`请立即拨打 ${number}`);
  });

  it('out of scope: the explanation of the rule, with the record number', () => {
    const r = citizenReplyFor({ ...base, scope: { inScope: false, explanation: '该事项属于军队管辖，请向相关部门反映。' } });
    expect(r).toMatchObject({ kind: 'out-of-scope' });
    expect(r.text).toContain('该事项属于军队管辖，请向相关部门反映。');
    expect(r.text).toContain(base.intakeId);
  });

  it('out of scope without an explanation still explains', () => {
    expect(citizenReplyFor({ ...base, scope: { inScope: false } }).text).toContain('不属于 12345 热线受理范围');
  });

  it('accepted: the intake number', () => {
    expect(citizenReplyFor(base)).toMatchObject({ kind: 'accepted', text: expect.stringContaining(`受理编号 ${base.intakeId}`) });
  });
});
