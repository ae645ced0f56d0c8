import type { IntakeRulesConfig } from './rules-config.js';
import { allHits, compileTerms, type Term, type Clauses } from './text.js';

export type CompiledTopics = { topic: string; terms: Term[] }[];

export function compileTopics(cfg: IntakeRulesConfig['topics']): CompiledTopics {
  return Object.entries(cfg).map(([topic, terms]) => ({ topic, terms: compileTerms(terms) }));
}

/** Topic tags for routing and statistics; several may apply. */
export function topicsOf(parts: Clauses, topics: CompiledTopics, gapChars: number): string[] {
  return topics.filter((t) => allHits(parts, t.terms, gapChars).length > 0).map((t) => t.topic);
}
