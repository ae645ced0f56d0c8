import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_RULES_FILE } from '../../../src/config/intake-rules.js';
import { parseIntakeRules } from '../../../src/core/rules/rules-config.js';

// The parsed YAML is loosely typed on purpose: the tests spoil it in ways the schema must catch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const shipped = (): Doc => parse(readFileSync(DEFAULT_RULES_FILE, 'utf8'));

describe('config/intake-rules.yaml', () => {
  it('the shipped file is valid', () => {
    expect(parseIntakeRules(shipped()).ok).toBe(true);
  });

  it.each([
    ['repeats.threshold', (d: Doc) => (d.repeats.threshold = 2)],
    ['scope.reasons.SCOPE_REASON_PETITION.explanation', (d: Doc) => delete d.scope.reasons.SCOPE_REASON_PETITION.explanation],
    ['emergency.explanation', (d: Doc) => (d.emergency.explanation = '请拨打紧急电话')],
    ['urgency.critical.pollution.0', (d: Doc) => (d.urgency.critical.pollution[0] = '')],
    ['type.order', (d: Doc) => d.type.order.pop()],
    ['emergency.lines.0.line', (d: Doc) => (d.emergency.lines[0].line = '911')],
    ['scope.reasons.SCOPE_REASON_ABUSIVE_OR_EMPTY.fillers.10', (d: Doc) => (d.scope.reasons.SCOPE_REASON_ABUSIVE_OR_EMPTY.fillers[10] = 7)],
  ])('a mistake is reported naming the key %s', (key, spoil) => {
    const doc = shipped();
    spoil(doc);
    const r = parseIntakeRules(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.some((p) => p.startsWith(`${key}:`))).toBe(true);
  });

  it('an unknown key is refused (a typo would otherwise silently change nothing)', () => {
    const doc = shipped();
    doc.repeats.treshold = 0.5;
    const r = parseIntakeRules(doc);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join(' ')).toContain('treshold');
  });
});
