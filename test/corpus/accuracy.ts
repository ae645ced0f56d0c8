// npm run corpus: accuracy of the intake rules on the labelled corpus, per label and per value.
// Add --errors to list every message a rule got wrong, --holdout to judge the held-out set.
import { judgeCorpus, readCorpus, stats, type Label } from './corpus.js';

const name = process.argv.includes('--holdout2') ? 'holdout2' : process.argv.includes('--holdout') ? 'holdout' : 'intakes';

const pct = (x: number) => (Number.isNaN(x) ? '   –  ' : `${(x * 100).toFixed(1).padStart(5)}%`);
const outcomes = judgeCorpus(readCorpus(name));
const labels: Label[] = ['emergencyLine', 'scope', 'urgency', 'type'];
const lines: string[] = [`corpus ${name}.jsonl: ${outcomes.length} messages`, ''];
lines.push('| label | accuracy | correct / total |', '|---|---|---|');
for (const l of labels) {
  const s = stats(outcomes, l);
  lines.push(`| ${l} | ${pct(s.accuracy)} | ${s.correct} / ${s.total} |`);
}
for (const l of labels) {
  const s = stats(outcomes, l);
  lines.push('', `${l}:`, '| value | support | predicted | recall | precision |', '|---|---|---|---|---|');
  for (const v of s.values) lines.push(`| ${v.value} | ${v.support} | ${v.predicted} | ${pct(v.recall)} | ${pct(v.precision)} |`);
}
const falseEmergencies = outcomes.filter((o) => o.expected.emergencyLine === 'none' && o.actual.emergencyLine !== 'none');
lines.push('', `false emergencies on non-emergency messages: ${falseEmergencies.length}`);
const missed = outcomes.filter((o) => o.expected.emergencyLine !== 'none' && o.actual.emergencyLine === 'none');
const calm = outcomes.filter((o) => o.expected.emergencyLine === 'none');
lines.push(
  `possible-emergency safety net: flags ${missed.filter((o) => o.possible).length} of ${missed.length} missed emergencies; ` +
    `flags ${calm.filter((o) => o.possible).length} of ${calm.length} non-emergency messages (they get the emergency numbers in the reply)`,
);
if (process.argv.includes('--errors')) {
  lines.push('', 'errors:');
  for (const o of outcomes) {
    const wrong = labels.filter((l) => o.expected[l] !== o.actual[l]);
    if (wrong.length) lines.push(`  ${o.entry.text}\n    ${wrong.map((l) => `${l}: expected ${o.expected[l]}, got ${o.actual[l]}`).join('; ')}`);
  }
}
process.stdout.write(lines.join('\n') + '\n');
