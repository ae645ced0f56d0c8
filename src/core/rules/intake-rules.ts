import type { Decision, Intake } from '../intake/intake.js';
import { missingElements } from '../intake/required-elements.js';
import { compileCues, type CompiledCues } from './cues.js';
import { compileEmergency, detectEmergency, type CompiledEmergency } from './emergency.js';
import { compileType, judgeType, type CompiledType } from './intake-type.js';
import { compileRepeats, relatedIntakes, type CompiledRepeats, type EarlierIntake } from './repeats.js';
import type { IntakeRulesConfig } from './rules-config.js';
import { compileScope, judgeScope, type CompiledScope } from './scope.js';
import { clauses, normalise, TermIndex, type Term } from './text.js';
import { compileTopics, topicsOf, type CompiledTopics } from './topics.js';
import { compileUrgency, judgeUrgency, type CompiledUrgency } from './urgency.js';

/** The rules file made ready to match: compiled once at start-up, shared by every intake. */
export interface CompiledIntakeRules {
  gapChars: number;
  cues: CompiledCues;
  emergency: CompiledEmergency;
  scope: CompiledScope;
  urgency: CompiledUrgency;
  type: CompiledType;
  topics: CompiledTopics;
  repeats: CompiledRepeats;
  /** Every term's first part (and every foreign place) in one automaton: one scan per intake. */
  index: TermIndex;
}

export function compileIntakeRules(cfg: IntakeRulesConfig): CompiledIntakeRules {
  const families = {
    gapChars: cfg.gapChars,
    cues: compileCues(cfg.cues),
    emergency: compileEmergency(cfg.emergency),
    scope: compileScope(cfg.scope),
    urgency: compileUrgency(cfg.urgency),
    type: compileType(cfg.type),
    topics: compileTopics(cfg.topics),
    repeats: compileRepeats(cfg.repeats),
  };
  const { terms, literals } = indexed(families);
  return { ...families, index: new TermIndex(terms, literals) };
}

/**
 * What the index holds: every term the families search a whole text for, and the foreign places.
 * A term left out is still found (by a search of its own), only slower.
 */
export function indexed(r: Omit<CompiledIntakeRules, 'index'>): { terms: Term[]; literals: string[] } {
  const terms: Term[] = [
    ...r.emergency.possible,
    ...r.emergency.lines.flatMap((l) => l.families.flatMap((f) => f.terms)),
    ...r.scope.order.flatMap((o) => [...o.terms, ...o.closed, ...o.again]),
    ...r.urgency.outage,
    ...r.urgency.largeArea,
    ...r.urgency.pollution,
    ...r.urgency.planned,
    ...r.urgency.urgent.flatMap((u) => u.terms),
    ...r.type.order.flatMap((t) => [...t.strong, ...t.weak]),
    ...r.topics.flatMap((t) => t.terms),
  ];
  return { terms, literals: r.scope.jurisdiction.foreignNames.map((f) => f.name) };
}

/** What the rules read of an intake: its text and the transcript of a call or voice message. */
export function intakeText(intake: Pick<Intake, 'content'>): string {
  const parts = [intake.content.text, intake.content.transcript?.text].filter((t): t is string => !!t?.trim());
  return parts.join('\n');
}

export function normalisedText(intake: Pick<Intake, 'content'>): string {
  return normalise(intakeText(intake));
}

/**
 * Judges an intake by every rule family and returns the judged copy. Each family appends one
 * Decision naming its rule, so the record explains itself to agents, the core and auditors.
 * `earlier` holds the same citizen's recent intakes (newest first) for the repeat rule.
 */
export function judgeIntake(intake: Intake, rules: CompiledIntakeRules, earlier: readonly EarlierIntake[] = []): Intake {
  const text = normalisedText(intake);
  const parts = clauses(text, rules.index);
  const decisions: Decision[] = [...intake.decisions];
  const g = rules.gapChars;

  const em = detectEmergency(parts, rules.emergency, rules.cues, g);
  // A line a person already chose (an agent's emergency handoff) outranks the dictionaries.
  const preset = intake.emergencyLine !== 'EMERGENCY_LINE_NONE' ? intake.emergencyLine.replace('EMERGENCY_LINE_', '') : undefined;
  const emergency = preset
    ? {
        line: intake.emergencyLine,
        number: preset,
        rule: 'emergency.handoff',
        hit: { term: '-', clause: '-' },
        explanation: rules.emergency.explanation.replaceAll('{line}', preset),
      }
    : em.finding;
  if (preset) {
    // buildIntake already wrote the handoff decision.
  } else if (emergency) {
    decisions.push({ rule: emergency.rule, outcome: emergency.line, reason: `matched "${emergency.hit.term}" in "${emergency.hit.clause}"` });
  } else {
    const aside = em.setAside.map((a) => `"${a.term}" ${a.kind} ("${a.cue}")`).join('; ');
    decisions.push({ rule: 'emergency.none', outcome: 'EMERGENCY_LINE_NONE', reason: aside ? `set aside: ${aside}` : 'no emergency term' });
    if (em.possible) {
      decisions.push({ rule: 'emergency.possible', outcome: 'REVIEW', reason: `danger word "${em.possible.term}" in "${em.possible.clause}": an agent should check` });
    }
  }

  let scope: Intake['scope'];
  if (emergency) {
    scope = { inScope: false, reason: 'SCOPE_REASON_EMERGENCY_LINE', explanation: emergency.explanation };
    decisions.push({ rule: 'scope.emergency-line', outcome: 'SCOPE_REASON_EMERGENCY_LINE', reason: `art. 11 (四): call ${emergency.number}` });
  } else {
    const found = judgeScope(text, parts, rules.scope, g);
    if (found) {
      scope = { inScope: false, reason: found.reason, explanation: found.explanation };
      decisions.push({ rule: found.rule, outcome: found.reason, reason: found.why });
    } else {
      scope = { inScope: true };
      decisions.push({ rule: 'scope.in-scope', outcome: 'IN_SCOPE', reason: 'no art. 11 exclusion matched' });
    }
  }

  const urgency = judgeUrgency(parts, rules.urgency, rules.cues, g, !!emergency);
  decisions.push({ rule: urgency.rule, outcome: urgency.urgency, reason: urgency.why });

  // A type a person declared (the agent who took the call) stands; the rules only guess otherwise.
  let type = intake.classification.type;
  if (!intake.decisions.some((d) => d.rule === 'type.declared')) {
    const judged = judgeType(parts, rules.type, g, !!emergency);
    decisions.push({ rule: judged.rule, outcome: judged.type, reason: judged.why });
    type = judged.type;
  }

  const topics = topicsOf(parts, rules.topics, g);

  const missing = missingElements(intake);
  decisions.push({
    rule: 'elements.required',
    outcome: missing.length ? missing.join(',') : 'COMPLETE',
    reason: 'art. 13: contact, content, time and place of the matter',
  });

  const related = relatedIntakes(text, earlier, rules.repeats);
  const known = intake.links?.relatedIntakeIds ?? [];
  const relatedIds = [...new Set([...known, ...related.map((r) => r.intakeId)])];
  if (related.length) {
    decisions.push({
      rule: 'repeats.similar',
      outcome: `LINKED_${related.length}`,
      reason: related.map((r) => `${r.intakeId} (similarity ${r.similarity})`).join(', '),
    });
  }

  return {
    ...intake,
    emergencyLine: emergency?.line ?? 'EMERGENCY_LINE_NONE',
    scope,
    classification: { type, urgency: urgency.urgency, ...(topics.length ? { topics } : {}) },
    missingElements: missing,
    ...(relatedIds.length ? { links: { ...intake.links, relatedIntakeIds: relatedIds } } : {}),
    decisions,
  };
}
