import { describe, expect, it } from 'vitest';
import { judgeCorpus, readCorpus, stats } from '../../corpus/corpus.js';

// The goals of issue 3 on the labelled corpus (npm run corpus prints the full table).
describe('labelled corpus goals', () => {
  const outcomes = judgeCorpus(readCorpus());

  it('has at least 150 messages covering every label value', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(150);
    const seen = (k: 'line' | 'scope' | 'urgency' | 'type') => new Set(outcomes.map((o) => o.entry[k]));
    expect([...seen('line')].sort()).toEqual(['110', '119', '120', '122', 'none']);
    expect(seen('scope').size).toBe(10);
    expect(seen('urgency').size).toBe(3);
    expect(seen('type').size).toBe(6);
  });

  it('emergency line: recall ≥ 98 % and no false emergency on ordinary messages', () => {
    const emergencies = outcomes.filter((o) => o.expected.emergencyLine !== 'none');
    const found = emergencies.filter((o) => o.actual.emergencyLine === o.expected.emergencyLine);
    expect(found.length / emergencies.length).toBeGreaterThanOrEqual(0.98);
    const falseAlarms = outcomes.filter((o) => o.expected.emergencyLine === 'none' && o.actual.emergencyLine !== 'none').map((o) => o.entry.text);
    expect(falseAlarms).toEqual([]);
  });

  it('scope ≥ 90 %, urgency ≥ 90 %, type ≥ 85 %', () => {
    expect(stats(outcomes, 'scope').accuracy).toBeGreaterThanOrEqual(0.9);
    expect(stats(outcomes, 'urgency').accuracy).toBeGreaterThanOrEqual(0.9);
    expect(stats(outcomes, 'type').accuracy).toBeGreaterThanOrEqual(0.85);
  });
});
