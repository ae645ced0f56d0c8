// Intake rules throughput on one core: every corpus message through all rule families
// (emergency, scope, urgency, type, topics, required elements, repeats against 5 earlier
// intakes), as a ratio to a bare loop that only normalises the same texts.
import { loadIntakeRules } from '../../src/config/intake-rules.js';
import { buildIntake } from '../../src/core/intake/draft.js';
import { compileIntakeRules, judgeIntake } from '../../src/core/rules/intake-rules.js';
import { normalise } from '../../src/core/rules/text.js';
import { readCorpus } from '../corpus/corpus.js';

function measure(label: string, seconds: number, body: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += body(i) ? 1 : 0; // warm-up (JIT)
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let k = 0; k < 200; k++) sink += body(n++) ? 1 : 0;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  process.stdout.write(`  ${label}: ${Math.round(rate).toLocaleString('en')} intakes/s${sink < 0 ? '' : ''}\n`);
  return rate;
}

export async function run(): Promise<void> {
  const texts = [...readCorpus('intakes'), ...readCorpus('holdout')].map((e) => e.text);
  const rules = compileIntakeRules(loadIntakeRules());
  const now = new Date('2026-01-15T08:00:00Z');
  const intakes = texts.map((text, i) => buildIntake({ channel: 'CHANNEL_WEB', citizen: { phone: '+8613800138000' }, content: { text } }, `B${i}`, now));
  const earlier = texts.slice(0, 5).map((t, i) => ({ intakeId: `E${i}`, receivedTime: now.toISOString(), text: normalise(t) }));
  process.stdout.write(`rules bench: ${texts.length} corpus messages, single process, one core\n`);
  const baseline = measure('baseline (normalise only)', 4, (i) => normalise(texts[i % texts.length]!).length);
  const ours = measure('all intake rules', 6, (i) => judgeIntake(intakes[i % intakes.length]!, rules, earlier).decisions.length);
  process.stdout.write(`  ratio rules / baseline: ${(ours / baseline).toFixed(4)} (rules take ${(baseline / ours).toFixed(0)}× the time of normalising)\n`);
  await Promise.resolve();
}
