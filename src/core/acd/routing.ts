// Routing policy of the call queues (issue 5), no I/O: the order calls are served in, how far a
// waiting call reaches down the skill levels, overflow, and which queue a call really goes to.
// The Redis dispatch script (src/adapters/redis/lua/acd-dispatch-*.lua) applies the same rules
// atomically; these functions are what it is checked against and what the IVR and desk use.

import { CALL_PRIORITIES, type CallPriority, type LeaderDutySchedule, type QueueDef, type Tier } from './model.js';
import { leaderLevelsOnDuty } from './leader-duty.js';

/** Skill levels run 1 (best match) to this (weakest). */
export const MAX_SKILL_LEVEL = 9;

/** 0 for emergency-line transfers, 1 for critical matters, 2 for everyone else. */
export function priorityRank(priority: CallPriority): number {
  return CALL_PRIORITIES.indexOf(priority);
}

/**
 * One band per priority, wide enough for any ms timestamp (< 10^13 until the year 2286), so the
 * score sorts by priority, then by the time the call first entered a queue; it stays an exact
 * integer in a double (< 2^53) and so in a Redis sorted-set score.
 */
export const PRIORITY_BAND = 1e13;

export function queueScore(priority: CallPriority, enqueuedAtMs: number): number {
  return priorityRank(priority) * PRIORITY_BAND + enqueuedAtMs;
}

/** Serving order of two waiting calls: priority, then arrival (the earlier first). */
export function compareWaiting(a: { priority: CallPriority; enqueuedAtMs: number }, b: { priority: CallPriority; enqueuedAtMs: number }): number {
  return queueScore(a.priority, a.enqueuedAtMs) - queueScore(b.priority, b.enqueuedAtMs);
}

/** The weakest skill level a call may be offered to after waiting `waitedMs` (tiers). */
export function reachLevel(tiers: readonly Tier[], waitedMs: number): number {
  let level = 1;
  for (const t of tiers) if (waitedMs >= t.afterSec * 1000) level = Math.max(level, t.maxLevel);
  return Math.min(level, MAX_SKILL_LEVEL);
}

/**
 * Among agents offered to a call: the best (lowest) level within reach, and at that level the
 * longest idle. Pure reference of what the dispatch script does; returns the agent id or undefined.
 */
export function pickAgent(
  available: readonly { agentId: string; level: number; idleSinceMs: number }[],
  reach: number,
): string | undefined {
  let best: { agentId: string; level: number; idleSinceMs: number } | undefined;
  for (const a of available) {
    if (a.level > reach) continue;
    if (!best || a.level < best.level || (a.level === best.level && (a.idleSinceMs < best.idleSinceMs || (a.idleSinceMs === best.idleSinceMs && a.agentId < best.agentId)))) best = a;
  }
  return best?.agentId;
}

/** The queue a call overflows to once it has waited `waitedInQueueMs` in `queue`, if due. */
export function overflowTarget(queue: QueueDef, waitedInQueueMs: number): string | undefined {
  if (!queue.overflow) return undefined;
  return waitedInQueueMs >= queue.overflow.afterSec * 1000 ? queue.overflow.to : undefined;
}

export type QueueRoute = { kind: 'queue'; queue: string; fellBack?: 'leader-off-duty' | 'unknown-queue' } | { kind: 'external'; number: string; queue: string };

/**
 * Where a call asked for `queueId` really goes at `nowMs`: a leader-duty line off duty falls back
 * to the general queue, as does an unknown queue (7×24 human service: never a dead end, DESIGN.md);
 * a sub-centre that runs its own agents is an external number (art. 8: transfers both ways).
 */
export function routeTo(queues: ReadonlyMap<string, QueueDef>, general: string, schedule: LeaderDutySchedule, queueId: string, nowMs: number): QueueRoute {
  const q = queues.get(queueId);
  if (!q) return { kind: 'queue', queue: general, fellBack: 'unknown-queue' };
  if (q.externalNumber) return { kind: 'external', number: q.externalNumber, queue: q.id };
  if (q.kind === 'leader' && (!q.leaderLevel || !leaderLevelsOnDuty(schedule, nowMs).includes(q.leaderLevel))) {
    return { kind: 'queue', queue: general, fellBack: 'leader-off-duty' };
  }
  return { kind: 'queue', queue: q.id };
}

/** The local queue of a sub-centre line (双号并行), if this centre seats its agents. */
export function subCentreQueue(queues: Iterable<QueueDef>, line: string): QueueDef | undefined {
  for (const q of queues) if (q.kind === 'sub-centre' && q.line === line) return q;
  return undefined;
}

/** What is wrong with a set of queue definitions, as messages naming the field; empty when sound. */
export function queueProblems(queues: readonly QueueDef[], general: string): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  queues.forEach((q, i) => {
    const at = `acd.queues[${i}]`;
    if (ids.has(q.id)) problems.push(`${at}.id: ${q.id} is declared twice`);
    ids.add(q.id);
    if (q.tiers.length === 0 || q.tiers[0]!.afterSec !== 0) problems.push(`${at}.tiers: the first tier must start at afterSec 0`);
    for (let t = 1; t < q.tiers.length; t++) {
      if (q.tiers[t]!.afterSec <= q.tiers[t - 1]!.afterSec) problems.push(`${at}.tiers[${t}].afterSec: must be later than the tier before`);
    }
    if (q.kind === 'sub-centre' && !q.line) problems.push(`${at}.line: a sub-centre queue names its line (12348 …)`);
    if (q.kind === 'expert' && !q.unit) problems.push(`${at}.unit: an expert seat names its handling unit`);
    if (q.kind === 'leader' && !q.leaderLevel) problems.push(`${at}.leaderLevel: a leader-duty queue names its level`);
    if (q.externalNumber && q.kind !== 'sub-centre') problems.push(`${at}.externalNumber: only a sub-centre line may be an external number`);
  });
  const byId = new Map(queues.map((q) => [q.id, q]));
  const g = byId.get(general);
  if (!g) problems.push(`acd.general: no queue ${general}`);
  else if (g.externalNumber || g.kind === 'leader') problems.push(`acd.general: ${general} must be a queue of this centre that is always open`);
  queues.forEach((q, i) => {
    if (!q.overflow) return;
    const to = byId.get(q.overflow.to);
    if (!to) problems.push(`acd.queues[${i}].overflow.to: no queue ${q.overflow.to}`);
    else if (q.overflow.to === q.id) problems.push(`acd.queues[${i}].overflow.to: a queue cannot overflow to itself`);
    else if (to.externalNumber) problems.push(`acd.queues[${i}].overflow.to: ${to.id} is an external number`);
  });
  // Overflow chains must end (general never overflows further in a sound setup).
  for (const q of queues) {
    const seen = new Set<string>([q.id]);
    let cur = q.overflow?.to;
    while (cur) {
      if (seen.has(cur)) {
        problems.push(`acd.queues: overflow from ${q.id} runs in a circle`);
        break;
      }
      seen.add(cur);
      cur = byId.get(cur)?.overflow?.to;
    }
  }
  return [...new Set(problems)];
}
