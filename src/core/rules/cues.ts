import type { IntakeRulesConfig } from './rules-config.js';
import { compileTerms, findTerm, type Term, type TermHit } from './text.js';

export interface CompiledCues {
  negationWindow: number;
  negation: Term[];
  notNow: { past: Term[]; hypothetical: Term[]; habitual: Term[] };
}

export function compileCues(cfg: IntakeRulesConfig['cues']): CompiledCues {
  return {
    negationWindow: cfg.negationWindow,
    negation: compileTerms(cfg.negation),
    notNow: { past: compileTerms(cfg.past), hypothetical: compileTerms(cfg.hypothetical), habitual: compileTerms(cfg.habitual) },
  };
}

export type NotNowKind = 'negated' | 'past' | 'hypothetical' | 'habitual';

/**
 * Why a matched term does not describe something happening now, or undefined when it does:
 * a negation just before it ("没有着火"), or a past, hypothetical or habitual cue in its clause
 * ("上个月着火的那栋楼", "如果煤气泄漏", "经常出车祸").
 */
export function notNow(
  hit: TermHit,
  cues: CompiledCues,
  kinds: readonly Exclude<NotNowKind, 'negated'>[],
  gapChars: number,
): { kind: NotNowKind; cue: string } | undefined {
  const before = hit.clause.slice(Math.max(0, hit.at - cues.negationWindow), hit.at);
  for (const n of cues.negation) if (findTerm(before, n, 0) >= 0) return { kind: 'negated', cue: n.source };
  for (const kind of kinds) {
    for (const cue of cues.notNow[kind]) if (findTerm(hit.clause, cue, gapChars) >= 0) return { kind, cue: cue.source };
  }
  return undefined;
}
