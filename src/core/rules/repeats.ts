import type { IntakeRulesConfig } from './rules-config.js';

// Art. 30 of seeds/002 counts repeated requests ("连续或者超过3次重复求助、投诉、举报"), and the
// State Council letter of 2025 asks for duplicates to be merged (并单): the same citizen with a
// similar matter within a window is linked to the earlier intakes. Similarity is the Jaccard
// index of character bigrams of the normalised texts: robust to rewording and word order,
// needs no segmenter for Chinese. Formulaic phrases every citizen uses ("我要投诉", "想咨询一下")
// are removed first (repeats.ignore), or they would make unrelated matters look alike.

export interface EarlierIntake {
  intakeId: string;
  receivedTime: string;
  /** Normalised text. */
  text: string;
}

const STRIP = /[\p{P}\p{S}\d]/gu;

export interface CompiledRepeats {
  cfg: IntakeRulesConfig['repeats'];
  /** The ignore phrases as one alternation, longest first. */
  ignore?: RegExp;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileRepeats(cfg: IntakeRulesConfig['repeats']): CompiledRepeats {
  const phrases = [...cfg.ignore].map((p) => p.normalize('NFKC').toLowerCase()).sort((a, b) => b.length - a.length);
  return { cfg, ...(phrases.length ? { ignore: new RegExp(phrases.map(escape).join('|'), 'g') } : {}) };
}

/**
 * Character bigrams of a normalised text, after removing the ignored phrases. A bigram is kept as
 * the number of its two UTF-16 code units (a text of one unit: minus one minus that unit), which
 * names the same pairs as two-character strings without making a string for each.
 */
export function bigrams(normalised: string, ignore?: RegExp): Set<number> {
  let t = normalised.replace(STRIP, '');
  if (ignore) t = t.replace(ignore, '');
  const out = new Set<number>();
  if (t.length === 1) out.add(-1 - t.charCodeAt(0));
  for (let i = 0; i + 1 < t.length; i++) out.add(t.charCodeAt(i) * 0x10000 + t.charCodeAt(i + 1));
  return out;
}

export function jaccard<T>(a: Set<T>, b: Set<T>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) common++;
  return common / (a.size + b.size - common);
}

export interface RelatedIntake {
  intakeId: string;
  similarity: number;
}

export function relatedIntakes(normalised: string, earlier: readonly EarlierIntake[], repeats: CompiledRepeats): RelatedIntake[] {
  const { cfg, ignore } = repeats;
  const mine = bigrams(normalised, ignore);
  return earlier
    .slice(0, cfg.maxCompared)
    .map((e) => ({ intakeId: e.intakeId, similarity: jaccard(mine, bigrams(e.text, ignore)) }))
    .filter((r) => r.similarity >= cfg.threshold)
    .sort((x, y) => y.similarity - x.similarity)
    .slice(0, cfg.maxLinked)
    .map((r) => ({ intakeId: r.intakeId, similarity: Math.round(r.similarity * 1000) / 1000 }));
}
