import type { ScopeReason } from '../intake/intake.js';
import type { IntakeRulesConfig } from './rules-config.js';
import { compileTerms, firstHit, normalise, occurs, type Term, type Clauses } from './text.js';

// Art. 11 of seeds/002 (and seeds/000): the nine kinds of matter 12345 does not accept. Such an
// intake is still recorded and forwarded, with the reason and an explanation telling the citizen
// where the matter belongs (解释引导, art. 11 last paragraph). Reason (四), the emergency lines, is
// decided by emergency.ts.

type Reason = Exclude<ScopeReason, 'SCOPE_REASON_EMERGENCY_LINE'>;

interface CompiledReason {
  reason: Reason;
  terms: Term[];
  explanation: string;
  closed: Term[];
  again: Term[];
  fillers?: RegExp;
  emptyPhrases: Set<string>;
  minChars: number;
}

export interface CompiledScope {
  order: CompiledReason[];
  jurisdiction: {
    own: Term[];
    foreign: Term[];
    /** Each foreign place with its parts joined: what is searched for in the text. */
    foreignNames: { place: Term; name: string }[];
    originBefore: string[];
    originAfter: string[];
  };
}

export function compileScope(cfg: IntakeRulesConfig['scope']): CompiledScope {
  const compile = (reason: Reason): CompiledReason => {
    const r = cfg.reasons[reason]!;
    return {
      reason,
      terms: compileTerms(r.terms),
      explanation: r.explanation,
      closed: compileTerms(r.closed ?? []),
      again: compileTerms(r.again ?? []),
      // One alternation, longest first, so "测试" goes before "1".
      ...(r.fillers?.length ? { fillers: new RegExp(r.fillers.map(normalise).sort((a, b) => b.length - a.length).map(escape).join('|'), 'g') } : {}),
      emptyPhrases: new Set((r.emptyPhrases ?? []).map(normalise)),
      minChars: r.minChars ?? 0,
    };
  };
  const j = cfg.jurisdiction;
  const foreign = compileTerms(j.foreign);
  return {
    order: (cfg.order as Reason[]).map(compile),
    jurisdiction: {
      own: compileTerms(j.own),
      foreign,
      foreignNames: foreign.map((place) => ({ place, name: place.parts.join('') })),
      originBefore: j.originBefore.map(normalise),
      originAfter: j.originAfter.map(normalise),
    },
  };
}

export interface ScopeFinding {
  reason: Reason;
  rule: string;
  why: string;
  explanation: string;
}

const PUNCTUATION = /[\p{P}\p{S}]/gu;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function ruleId(reason: Reason): string {
  return `scope.${reason.replace('SCOPE_REASON_', '').toLowerCase().replace(/_/g, '-')}`;
}

function isEmpty(normalised: string, r: CompiledReason): string | undefined {
  let rest = normalised.replace(PUNCTUATION, '');
  if (r.emptyPhrases.has(rest)) return `the whole message is "${rest}"`;
  if (r.fillers) rest = rest.replace(r.fillers, '');
  if (rest.length < r.minChars) return 'no content once greetings and fillers are removed';
  if (r.emptyPhrases.has(rest)) return `the whole message is "${rest}"`;
  return undefined;
}

/** A foreign place named as where the matter is ("郑州金水区的房子"), not where the citizen comes from. */
function foreignPlace(parts: Clauses, j: CompiledScope['jurisdiction']): string | undefined {
  const named = j.foreignNames.filter(({ name }) => occurs(parts, name));
  if (named.length === 0) return undefined;
  for (const clause of parts) {
    for (const { place, name: p } of named) {
      let at = clause.indexOf(p);
      while (at >= 0) {
        const before = clause.slice(0, at);
        const after = clause.slice(at + p.length);
        const origin = j.originBefore.some((o) => before.endsWith(o)) || j.originAfter.some((o) => after.startsWith(o));
        if (!origin) return place.source;
        at = clause.indexOf(p, at + 1);
      }
    }
  }
  return undefined;
}

export function judgeScope(normalised: string, parts: Clauses, rules: CompiledScope, gapChars: number): ScopeFinding | undefined {
  for (const r of rules.order) {
    let why: string | undefined;
    if (r.reason === 'SCOPE_REASON_ABUSIVE_OR_EMPTY') why = isEmpty(normalised, r);
    if (!why && r.reason === 'SCOPE_REASON_OUTSIDE_JURISDICTION') {
      const place = foreignPlace(parts, rules.jurisdiction);
      if (place) why = `names "${place}" as the place of the matter`;
    }
    if (!why && r.reason === 'SCOPE_REASON_REPEAT_CLOSED' && r.closed.length && r.again.length) {
      const closed = firstHit(parts, r.closed, gapChars);
      const again = closed && firstHit(parts, r.again, gapChars);
      if (closed && again) why = `"${closed.term}" and "${again.term}": closed matter raised again on the same facts`;
    }
    if (!why) {
      const hit = firstHit(parts, r.terms, gapChars);
      if (hit) why = `matched "${hit.term}"`;
    }
    if (why) return { reason: r.reason, rule: ruleId(r.reason), why, explanation: r.explanation };
  }
  return undefined;
}

