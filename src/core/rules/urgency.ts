import type { Urgency } from '../intake/intake.js';
import { notNow, type CompiledCues } from './cues.js';
import type { IntakeRulesConfig } from './rules-config.js';
import { allHits, compileTerms, type Term, type TermHit, type Clauses } from './text.js';

// Grades 一般 / 紧急 / 特急 (seeds/003 art. 7: critical replied within 1 h and closed within 2 h,
// urgent within 6 h / 24 h, normal within 5 days). Art. 18 of seeds/002 makes large-area water,
// power, gas and heating outages and environmental pollution critical; what else is urgent is
// the centre's choice (config/intake-rules.yaml urgency.urgent).

export interface CompiledUrgency {
  outage: Term[];
  largeArea: Term[];
  pollution: Term[];
  urgent: { name: string; terms: Term[] }[];
  planned: Term[];
}

export function compileUrgency(cfg: IntakeRulesConfig['urgency']): CompiledUrgency {
  return {
    outage: compileTerms(cfg.critical.outage),
    largeArea: compileTerms(cfg.critical.largeArea),
    pollution: compileTerms(cfg.critical.pollution),
    urgent: Object.entries(cfg.urgent).map(([name, terms]) => ({ name, terms: compileTerms(terms) })),
    planned: compileTerms(cfg.planned),
  };
}

export interface UrgencyFinding {
  urgency: Urgency;
  rule: string;
  why: string;
}

// A past or hypothetical outage ("上次停水的问题解决了") is not one now; a habitual one still is.
const NOT_NOW = ['past', 'hypothetical'] as const;

export function judgeUrgency(parts: Clauses, rules: CompiledUrgency, cues: CompiledCues, gapChars: number, emergency: boolean): UrgencyFinding {
  if (emergency) return { urgency: 'URGENCY_CRITICAL', rule: 'urgency.critical.emergency', why: 'an emergency-line matter' };
  const current = (terms: readonly Term[]): TermHit[] => allHits(parts, terms, gapChars).filter((h) => !notNow(h, cues, NOT_NOW, gapChars));
  const outage = current(rules.outage);
  const planned = allHits(parts, rules.planned, gapChars)[0];
  if (outage.length > 0) {
    const large = allHits(parts, rules.largeArea, gapChars)[0];
    if (large) {
      return { urgency: 'URGENCY_CRITICAL', rule: 'urgency.critical.outage', why: `"${outage[0]!.term}" over a large area ("${large.term}"), art. 18` };
    }
  }
  const pollution = current(rules.pollution)[0];
  if (pollution) return { urgency: 'URGENCY_CRITICAL', rule: 'urgency.critical.pollution', why: `environmental pollution ("${pollution.term}"), art. 18` };
  if (outage.length > 0) {
    if (planned) return { urgency: 'URGENCY_NORMAL', rule: 'urgency.normal.planned-outage', why: `"${outage[0]!.term}" announced as planned ("${planned.term}")` };
    return { urgency: 'URGENCY_URGENT', rule: 'urgency.urgent.outage', why: `"${outage[0]!.term}" affecting a household or building` };
  }
  for (const family of rules.urgent) {
    const hit = current(family.terms)[0];
    if (hit) return { urgency: 'URGENCY_URGENT', rule: `urgency.urgent.${family.name}`, why: `matched "${hit.term}"` };
  }
  return { urgency: 'URGENCY_NORMAL', rule: 'urgency.normal', why: 'no critical or urgent term' };
}
