import type { EmergencyLine } from '../intake/intake.js';
import { notNow, type CompiledCues, type NotNowKind } from './cues.js';
import type { IntakeRulesConfig } from './rules-config.js';
import { allHits, compileTerms, type Term, type TermHit, type Clauses } from './text.js';

// Art. 11 (四) of seeds/002, seeds/003 art. 2, DESIGN.md "Emergency first": matters of 110
// (violence, crime in progress), 119 (fire, explosion, gas leak), 120 (unconscious, bleeding,
// poisoning) and 122 (traffic accidents) are answered with the number to call at once.

export interface CompiledEmergency {
  lines: { line: '110' | '119' | '120' | '122'; families: { name: string; terms: Term[] }[] }[];
  explanation: string;
  possible: Term[];
}

export function compileEmergency(cfg: IntakeRulesConfig['emergency']): CompiledEmergency {
  return {
    explanation: cfg.explanation,
    possible: compileTerms(cfg.possible),
    lines: cfg.lines.map((l) => ({
      line: l.line,
      families: Object.entries(l.families).map(([name, terms]) => ({ name, terms: compileTerms(terms) })),
    })),
  };
}

export interface EmergencyFinding {
  line: Exclude<EmergencyLine, 'EMERGENCY_LINE_NONE'>;
  number: string;
  rule: string;
  hit: TermHit;
  explanation: string;
}

export interface EmergencyVerdict {
  finding?: EmergencyFinding;
  /** Terms that matched but were set aside (negated, past, hypothetical, habitual), for the record. */
  setAside: { term: string; kind: NotNowKind; cue: string }[];
  /** No line matched, but a current danger word did: for an agent to review. */
  possible?: TermHit;
}

const NOT_NOW = ['past', 'hypothetical', 'habitual'] as const;

export function detectEmergency(parts: Clauses, rules: CompiledEmergency, cues: CompiledCues, gapChars: number): EmergencyVerdict {
  const setAside: EmergencyVerdict['setAside'] = [];
  let best: { line: CompiledEmergency['lines'][number]; family: string; hits: TermHit[] } | undefined;
  for (const line of rules.lines) {
    const current: { family: string; hit: TermHit }[] = [];
    for (const family of line.families) {
      for (const hit of allHits(parts, family.terms, gapChars)) {
        const why = notNow(hit, cues, NOT_NOW, gapChars);
        if (why) setAside.push({ term: hit.term, ...why });
        else current.push({ family: family.name, hit });
      }
    }
    // Most matching terms wins; ties go to the earlier line in the rules file.
    if (current.length > 0 && (!best || current.length > best.hits.length)) {
      best = { line, family: current[0]!.family, hits: current.map((c) => c.hit) };
    }
  }
  if (!best) {
    const possible = allHits(parts, rules.possible, gapChars).find((h) => !notNow(h, cues, NOT_NOW, gapChars));
    return { setAside, ...(possible ? { possible } : {}) };
  }
  const number = best.line.line;
  return {
    setAside,
    finding: {
      line: `EMERGENCY_LINE_${number}`,
      number,
      rule: `emergency.${number}.${best.family}`,
      hit: best.hits[0]!,
      explanation: rules.explanation.replaceAll('{line}', number),
    },
  };
}
