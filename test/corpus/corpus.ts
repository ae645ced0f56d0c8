import { readFileSync } from 'node:fs';
import { buildIntake } from '../../src/core/intake/draft.js';
import type { EmergencyLine, IntakeType, ScopeReason, Urgency } from '../../src/core/intake/intake.js';
import { compileIntakeRules, judgeIntake, type CompiledIntakeRules } from '../../src/core/rules/intake-rules.js';
import { loadIntakeRules } from '../../src/config/intake-rules.js';

// The labelled corpus (test/corpus/intakes.jsonl): messages written as citizens write them, each
// with the labels a trained 12345 agent would give it.

export interface CorpusEntry {
  text: string;
  line: 'none' | '110' | '119' | '120' | '122';
  scope: 'in' | 'legal' | 'petition' | 'secret' | 'emergency' | 'military' | 'abusive' | 'repeat' | 'jurisdiction' | 'law';
  urgency: 'normal' | 'urgent' | 'critical';
  type: 'consult' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise';
}

const SCOPE: Record<CorpusEntry['scope'], ScopeReason | undefined> = {
  in: undefined,
  legal: 'SCOPE_REASON_LEGAL_PROCEDURE',
  petition: 'SCOPE_REASON_PETITION',
  secret: 'SCOPE_REASON_SECRET_OR_PRIVACY',
  emergency: 'SCOPE_REASON_EMERGENCY_LINE',
  military: 'SCOPE_REASON_MILITARY',
  abusive: 'SCOPE_REASON_ABUSIVE_OR_EMPTY',
  repeat: 'SCOPE_REASON_REPEAT_CLOSED',
  jurisdiction: 'SCOPE_REASON_OUTSIDE_JURISDICTION',
  law: 'SCOPE_REASON_EXCLUDED_BY_LAW',
};

/** `intakes` is the corpus the goals are asserted on; `holdout` was written after the rules, to measure them honestly. */
export function readCorpus(name: 'intakes' | 'holdout' | 'holdout2' = 'intakes'): CorpusEntry[] {
  const file = new URL(`./${name}.jsonl`, import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as CorpusEntry);
}

export type Label = 'emergencyLine' | 'scope' | 'urgency' | 'type';

export interface Outcome {
  entry: CorpusEntry;
  expected: Record<Label, string>;
  actual: Record<Label, string>;
  /** The safety net fired (decision emergency.possible). */
  possible: boolean;
}

const short = {
  line: (l: EmergencyLine) => l.replace('EMERGENCY_LINE_', '').toLowerCase(),
  scope: (inScope: boolean, reason?: ScopeReason) =>
    inScope ? 'in' : (Object.entries(SCOPE).find(([, v]) => v === reason)?.[0] ?? String(reason)),
  urgency: (u: Urgency) => u.replace('URGENCY_', '').toLowerCase(),
  type: (t: IntakeType) => t.replace('INTAKE_TYPE_', '').toLowerCase(),
};

export function judgeCorpus(entries: CorpusEntry[], rules: CompiledIntakeRules = compileIntakeRules(loadIntakeRules())): Outcome[] {
  const now = new Date('2026-01-15T08:00:00Z');
  return entries.map((entry, i) => {
    const draft = buildIntake({ channel: 'CHANNEL_WEB', citizen: {}, content: { text: entry.text } }, `corpus-${i}`, now);
    const judged = judgeIntake(draft, rules);
    return {
      entry,
      expected: { emergencyLine: entry.line, scope: entry.scope, urgency: entry.urgency, type: entry.type },
      actual: {
        emergencyLine: short.line(judged.emergencyLine),
        scope: short.scope(judged.scope.inScope, judged.scope.reason),
        urgency: short.urgency(judged.classification.urgency),
        type: short.type(judged.classification.type),
      },
      possible: judged.decisions.some((d) => d.rule === 'emergency.possible'),
    };
  });
}

export interface ValueStats {
  value: string;
  support: number;
  predicted: number;
  correct: number;
  recall: number;
  precision: number;
}

export interface LabelStats {
  label: Label;
  accuracy: number;
  correct: number;
  total: number;
  values: ValueStats[];
}

export function stats(outcomes: Outcome[], label: Label): LabelStats {
  const values = [...new Set(outcomes.flatMap((o) => [o.expected[label], o.actual[label]]))].sort();
  const correct = outcomes.filter((o) => o.expected[label] === o.actual[label]).length;
  return {
    label,
    correct,
    total: outcomes.length,
    accuracy: correct / outcomes.length,
    values: values.map((value) => {
      const support = outcomes.filter((o) => o.expected[label] === value).length;
      const predicted = outcomes.filter((o) => o.actual[label] === value).length;
      const hit = outcomes.filter((o) => o.expected[label] === value && o.actual[label] === value).length;
      return { value, support, predicted, correct: hit, recall: support ? hit / support : NaN, precision: predicted ? hit / predicted : NaN };
    }),
  };
}
