// Configuration section `acd` (issue 5): the call queues, their tiers, overflow, announcements and
// callback offer, offers and wrap-up, and the leader-duty schedule (seeds/003 art. 13).
import { z } from 'zod';
import { LEADER_LEVELS, type AcdPolicy, type LeaderDutySchedule, type QueueDef } from '../core/acd/model.js';
import { MAX_SKILL_LEVEL, queueProblems } from '../core/acd/routing.js';
import { leaderDutyProblems } from '../core/acd/leader-duty.js';

const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ (it is part of Redis keys)');
const seconds = z.number().int().min(0);
const tiers = z
  .array(z.strictObject({ afterSec: seconds, maxLevel: z.number().int().min(1).max(MAX_SKILL_LEVEL) }))
  .min(1);
const slot = z.strictObject({
  dayOfMonth: z.number().int().min(1).max(31).optional(),
  weekday: z.number().int().min(0).max(7).optional(),
  from: z.string(),
  to: z.string(),
});

export const acdSchema = z
  .strictObject({
    general: name,
    offerTimeoutSec: z.number().int().min(3).max(120),
    wrapUpSec: seconds.max(3600),
    afterMissedOffer: z.enum(['available', 'not-ready']),
    estimate: z.strictObject({ recentCalls: z.number().int().min(1).max(1000), defaultHandleSec: z.number().int().min(1) }),
    defaults: z.strictObject({ tiers, announceEverySec: z.number().int().min(10), callbackOfferAfterSec: seconds }),
    queues: z
      .array(
        z.strictObject({
          id: name,
          name: z.string().min(1),
          kind: z.enum(['general', 'enterprise', 'counselling', 'expert', 'sub-centre', 'leader']),
          skill: name,
          tiers: tiers.optional(),
          overflow: z.strictObject({ afterSec: z.number().int().min(1), to: name }).optional(),
          externalNumber: z.string().regex(/^\+?\d{3,20}$/, 'must be a phone number (digits)').optional(),
          line: z.string().regex(/^\d{3,8}$/, 'must be the line number (12348 …)').optional(),
          unit: z.string().min(1).optional(),
          leaderLevel: z.enum(LEADER_LEVELS).optional(),
          announceEverySec: z.number().int().min(10).optional(),
          callbackOfferAfterSec: seconds.optional(),
        }),
      )
      .min(1),
    leaderDuty: z.strictObject(Object.fromEntries(LEADER_LEVELS.map((l) => [l, z.array(slot).optional()])) as Record<(typeof LEADER_LEVELS)[number], z.ZodOptional<z.ZodArray<typeof slot>>>),
  })
  .superRefine((c, ctx) => {
    const built = buildQueueDefs(c);
    for (const message of [...queueProblems(built, c.general), ...leaderDutyProblems(schedule(c))]) {
      // The domain's messages start with the key they name ("acd.queues[2].overflow.to: …").
      const [key, ...rest] = message.split(': ');
      ctx.addIssue({ code: 'custom', path: key!.replace(/^acd\.?/, '').split(/[.[\]]+/).filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: rest.join(': ') });
    }
  });

export type AcdConfig = z.infer<typeof acdSchema>;

function buildQueueDefs(c: AcdConfig): QueueDef[] {
  return c.queues.map((q) => ({
    id: q.id,
    name: q.name,
    kind: q.kind,
    skill: q.skill,
    tiers: [...(q.tiers ?? c.defaults.tiers)].sort((a, b) => a.afterSec - b.afterSec),
    announceEverySec: q.announceEverySec ?? c.defaults.announceEverySec,
    callbackOfferAfterSec: q.callbackOfferAfterSec ?? c.defaults.callbackOfferAfterSec,
    ...(q.overflow ? { overflow: q.overflow } : {}),
    ...(q.externalNumber ? { externalNumber: q.externalNumber } : {}),
    ...(q.line ? { line: q.line } : {}),
    ...(q.unit ? { unit: q.unit } : {}),
    ...(q.leaderLevel ? { leaderLevel: q.leaderLevel } : {}),
  }));
}

function schedule(c: AcdConfig): LeaderDutySchedule {
  const out: LeaderDutySchedule = {};
  for (const level of LEADER_LEVELS) {
    const slots = c.leaderDuty[level];
    if (slots) out[level] = slots.map((s) => ({ ...s, ...(s.weekday !== undefined ? { weekday: s.weekday % 7 } : {}) }));
  }
  return out;
}

/** The validated section as the domain uses it. */
export function acdPolicy(c: AcdConfig): AcdPolicy {
  return {
    general: c.general,
    queues: new Map(buildQueueDefs(c).map((q) => [q.id, q])),
    leaderDuty: schedule(c),
    offerTimeoutMs: c.offerTimeoutSec * 1000,
    wrapUpMs: c.wrapUpSec * 1000,
    afterMissedOffer: c.afterMissedOffer,
    estimate: c.estimate,
  };
}
