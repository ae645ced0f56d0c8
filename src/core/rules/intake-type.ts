import type { IntakeType } from '../intake/intake.js';
import type { IntakeRulesConfig } from './rules-config.js';
import { allHits, compileTerms, type Term, type Clauses } from './text.js';

// The six intake types of art. 10 of seeds/002 (咨询 求助 投诉 举报 建议 表扬), which also set the
// handling time limits of art. 15 (二). Scored: a strong cue ("投诉") outweighs weak ones.

type Type = Exclude<IntakeType, 'INTAKE_TYPE_UNKNOWN'>;

export interface CompiledType {
  default: Type;
  strongWeight: number;
  weakWeight: number;
  emergencyHelpBonus: number;
  order: { type: Type; strong: Term[]; weak: Term[] }[];
}

export function compileType(cfg: IntakeRulesConfig['type']): CompiledType {
  return {
    default: cfg.default as Type,
    strongWeight: cfg.strongWeight,
    weakWeight: cfg.weakWeight,
    emergencyHelpBonus: cfg.emergencyHelpBonus,
    order: (cfg.order as Type[]).map((type) => ({ type, strong: compileTerms(cfg.cues[type]!.strong), weak: compileTerms(cfg.cues[type]!.weak) })),
  };
}

export interface TypeFinding {
  type: Type;
  rule: string;
  why: string;
}

export function judgeType(parts: Clauses, rules: CompiledType, gapChars: number, emergency: boolean): TypeFinding {
  let best: { type: Type; score: number; terms: string[] } | undefined;
  for (const t of rules.order) {
    const strong = allHits(parts, t.strong, gapChars);
    const weak = allHits(parts, t.weak, gapChars);
    let score = strong.length * rules.strongWeight + weak.length * rules.weakWeight;
    if (emergency && t.type === 'INTAKE_TYPE_HELP') score += rules.emergencyHelpBonus;
    // Strictly greater: a tie goes to the type listed first.
    if (score > 0 && (!best || score > best.score)) best = { type: t.type, score, terms: [...strong, ...weak].map((h) => h.term) };
  }
  const rule = (t: Type) => `type.${t.replace('INTAKE_TYPE_', '').toLowerCase()}`;
  if (!best) return { type: rules.default, rule: rule(rules.default), why: 'no type cue; the default' };
  return { type: best.type, rule: rule(best.type), why: `score ${best.score}${best.terms.length ? ` from ${best.terms.map((t) => `"${t}"`).join(', ')}` : ''}` };
}
