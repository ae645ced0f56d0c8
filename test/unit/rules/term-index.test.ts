import { describe, expect, it } from 'vitest';
import { loadIntakeRules } from '../../../src/config/intake-rules.js';
import { buildIntake } from '../../../src/core/intake/draft.js';
import { compileIntakeRules, judgeIntake, type CompiledIntakeRules } from '../../../src/core/rules/intake-rules.js';
import { bigrams, jaccard } from '../../../src/core/rules/repeats.js';
import { clauses, compileTerm, compileTerms, normalise, occurs, TermIndex, type Term } from '../../../src/core/rules/text.js';
import { readCorpus } from '../../corpus/corpus.js';

/** What the index must agree with: a search for each pattern on its own. */
const naive = (patterns: readonly string[], text: string) => patterns.filter((p) => text.includes(p));
const foundBy = (patterns: readonly string[], text: string) => {
  const found = new TermIndex([], patterns).scan(text);
  return patterns.filter((p) => found.has(p));
};

// The compiled matcher of the intake rules: one Aho–Corasick pass per intake instead of a search
// per term. It must find exactly what the searches found.
describe('TermIndex', () => {
  it('finds overlapping and nested words, each one', () => {
    const patterns = ['着火', '火灾', '着火灾', '火', '大火', '起火', '火光'];
    expect(foundBy(patterns, '楼里着火灾情严重')).toEqual(['着火', '火灾', '着火灾', '火']);
    expect(foundBy(patterns, '远处有大火光')).toEqual(['火', '大火', '火光']);
    expect(foundBy(patterns, '没有什么事')).toEqual([]);
  });

  it('follows failure links: a pattern inside a longer one that fails to match', () => {
    const patterns = ['abcd', 'bc', 'c', 'bcx', 'aa', 'aaa'];
    for (const text of ['abcx', 'abce', 'aaaa', 'aab', 'xbcd', 'abcabcd']) expect(foundBy(patterns, text)).toEqual(naive(patterns, text));
  });

  it('Chinese with surrogate pairs and full-width text as includes sees it (by code unit)', () => {
    const patterns = ['𠀀', '𠀀火', '火𠀀', 'ａｂ', 'ab', '\uD840'];
    for (const text of ['有𠀀火', '火𠀀', 'ａｂｃ', 'abc', normalise('ＡＢ火')]) expect(foundBy(patterns, text)).toEqual(naive(patterns, text));
  });

  it('is exact about case, as includes is (the rules normalise text and terms to lower case first)', () => {
    expect(foundBy(['ABC', 'abc'], 'xabcx')).toEqual(['abc']);
    const term = compileTerm('ABC');
    expect(term.parts).toEqual(['abc']);
    const text = clauses(normalise('投诉ABC公司'), new TermIndex([term]));
    expect(occurs(text, 'abc')).toBe(true);
  });

  it('agrees with includes on random texts and dictionaries (small alphabet, many overlaps)', () => {
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const alphabet = ['火', '着', '大', '灾', 'a', 'b', '。'];
    const word = (max: number) => Array.from({ length: 1 + rnd(max) }, () => alphabet[rnd(alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const patterns = [...new Set(Array.from({ length: 1 + rnd(30) }, () => word(5)))];
      const index = new TermIndex([], patterns);
      for (let k = 0; k < 10; k++) {
        const text = word(40);
        const found = index.scan(text);
        expect(patterns.filter((p) => found.has(p)), `${JSON.stringify(patterns)} in ${text}`).toEqual(naive(patterns, text));
      }
    }
  });

  it('answers undefined for a pattern it does not hold, and occurs() then searches', () => {
    const terms = compileTerms(['起火']);
    const text = clauses('仓库起火,浓烟很大', new TermIndex(terms));
    expect(text.found?.has('浓烟')).toBeUndefined();
    expect(occurs(text, '浓烟')).toBe(true);
    expect(occurs(text, '起火')).toBe(true);
    expect(occurs(text, '着火')).toBe(false);
  });
});

describe('intake rules with the compiled matcher', () => {
  const rules = compileIntakeRules(loadIntakeRules());
  /** The same rules searching term by term, as before the index. */
  const searching = { ...rules, index: undefined } as unknown as CompiledIntakeRules;
  const now = new Date('2026-01-15T08:00:00Z');
  const texts = [...readCorpus('intakes'), ...readCorpus('holdout'), ...readCorpus('holdout2')].map((e) => e.text);

  it('judge every corpus message exactly as searching term by term does (every decision and reason)', () => {
    const earlier = texts.slice(0, 8).map((t, i) => ({ intakeId: `E${i}`, receivedTime: now.toISOString(), text: normalise(t) }));
    expect(texts.length).toBeGreaterThan(250);
    for (const [i, text] of texts.entries()) {
      const intake = buildIntake({ channel: 'CHANNEL_WEB', citizen: { phone: '+8613800138000' }, content: { text } }, `B${i}`, now);
      expect(judgeIntake(intake, rules, earlier), text).toEqual(judgeIntake(intake, searching, earlier));
    }
  });

  it('indexes every term the families search a whole text for', () => {
    // Cues are searched within a clause or a window before a hit, the jurisdiction's places by
    // their own scan (the foreign ones are indexed as literals): the rest must all have a slot.
    const { cues, scope, index, ...families } = rules;
    const { jurisdiction, ...reasons } = scope;
    const terms: Term[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object' && !(v instanceof RegExp) && !(v instanceof Set)) {
        if ('source' in v && 'parts' in v) terms.push(v as Term);
        else Object.values(v).forEach(walk);
      }
    };
    walk([families, reasons]);
    expect(terms.length).toBeGreaterThan(300);
    expect(terms.filter((t) => t.slot?.index !== index).map((t) => t.source)).toEqual([]);
    expect(cues.negation.length + jurisdiction.foreign.length).toBeGreaterThan(0);
  });

  it('bigram similarity by number equals similarity by two-character strings', () => {
    const byString = (t: string) => {
      const s = t.replace(/[\p{P}\p{S}\d]/gu, '');
      const out = new Set<string>();
      if (s.length === 1) out.add(s);
      for (let i = 0; i + 1 < s.length; i++) out.add(s.slice(i, i + 2));
      return out;
    };
    const norm = texts.map(normalise).concat(['火', '𠀀', '1火', '']);
    for (let i = 0; i < norm.length; i++) {
      const a = norm[i]!;
      const b = norm[(i * 7 + 3) % norm.length]!;
      expect(jaccard(bigrams(a), bigrams(b))).toBe(jaccard(byString(a), byString(b)));
      expect(jaccard(bigrams(a), bigrams(a))).toBe(jaccard(byString(a), byString(a)));
    }
  });
});
