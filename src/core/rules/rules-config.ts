import { z } from 'zod';
import { INTAKE_TYPES, SCOPE_REASONS } from '../intake/intake.js';

// The shape of config/intake-rules.yaml. Pure data: the file is read at the edge
// (src/config/intake-rules.ts) and checked here, so a bad file stops start-up naming the key.

const term = z.string().trim().min(1, 'must not be empty');
const terms = z.array(term);
const families = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'family names are lower_snake_case'), terms.min(1));

const scopeReasonKeys = SCOPE_REASONS.filter((r) => r !== 'SCOPE_REASON_EMERGENCY_LINE');
const scopeReasonEnum = z.enum(scopeReasonKeys as [string, ...string[]]);
const typeEnum = z.enum(INTAKE_TYPES.filter((t) => t !== 'INTAKE_TYPE_UNKNOWN') as [string, ...string[]]);

const scopeReason = z
  .object({
    terms,
    explanation: z.string().trim().min(1),
    closed: terms.optional(),
    again: terms.optional(),
    fillers: terms.optional(),
    emptyPhrases: terms.optional(),
    minChars: z.number().int().min(0).optional(),
  })
  .strict();

export const intakeRulesSchema = z
  .object({
    gapChars: z.number().int().min(1).max(50),
    cues: z
      .object({
        negationWindow: z.number().int().min(1).max(10),
        negation: terms,
        past: terms,
        hypothetical: terms,
        habitual: terms,
      })
      .strict(),
    emergency: z
      .object({
        lines: z
          .array(z.object({ line: z.enum(['110', '119', '120', '122']), families }).strict())
          .min(1)
          .refine((ls) => new Set(ls.map((l) => l.line)).size === ls.length, 'each line may appear once'),
        explanation: z.string().refine((s) => s.includes('{line}'), 'must contain {line}'),
        possible: terms,
      })
      .strict(),
    scope: z
      .object({
        order: z.array(scopeReasonEnum).refine((o) => new Set(o).size === o.length, 'each reason may appear once'),
        reasons: z.object(Object.fromEntries(scopeReasonKeys.map((k) => [k, scopeReason]))).strict(),
        jurisdiction: z
          .object({
            name: z.string().min(1),
            own: terms.min(1),
            foreign: terms,
            originBefore: terms,
            originAfter: terms,
          })
          .strict(),
      })
      .strict(),
    urgency: z
      .object({
        critical: z.object({ outage: terms.min(1), largeArea: terms.min(1), pollution: terms.min(1) }).strict(),
        urgent: families,
        planned: terms,
      })
      .strict(),
    type: z
      .object({
        default: typeEnum,
        strongWeight: z.number().positive(),
        weakWeight: z.number().positive(),
        emergencyHelpBonus: z.number().min(0),
        order: z.array(typeEnum).length(6).refine((o) => new Set(o).size === 6, 'each type exactly once'),
        cues: z.object(
          Object.fromEntries(
            INTAKE_TYPES.filter((t) => t !== 'INTAKE_TYPE_UNKNOWN').map((t) => [t, z.object({ strong: terms, weak: terms }).strict()]),
          ),
        ).strict(),
      })
      .strict(),
    topics: z.record(z.string().min(1), terms.min(1)),
    repeats: z
      .object({
        windowHours: z.number().positive(),
        threshold: z.number().gt(0).max(1),
        maxCompared: z.number().int().min(1).max(1000),
        maxLinked: z.number().int().min(1).max(100),
        ignore: terms,
      })
      .strict(),
  })
  .strict();

export type IntakeRulesConfig = z.infer<typeof intakeRulesSchema>;

/** Checks a parsed rules file; the messages name the failing key ("scope.reasons.…: …"). */
export function parseIntakeRules(doc: unknown): { ok: true; rules: IntakeRulesConfig } | { ok: false; problems: string[] } {
  const r = intakeRulesSchema.safeParse(doc);
  if (r.success) return { ok: true, rules: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`) };
}
