import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { invalidField } from '../../core/errors.js';
import type { AbuseLimits, LimitVerdict, Restriction } from '../../core/ports/abuse-limits.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { RedisKeys } from './keys.js';
import type { ScriptCall } from './redis-outbox-queue.js';
import { defineScripts, type ScriptName } from './scripts.js';

/** limit-check-2's answer as a verdict. */
export function limitVerdict(reply: unknown): LimitVerdict {
  const [verdict, value] = reply as [string, string];
  if (verdict === 'restricted') return { allowed: false, why: 'restricted', restriction: JSON.parse(value) as Restriction };
  if (verdict === 'rate') return { allowed: false, why: 'rate', retryAfterSeconds: Math.max(1, Math.ceil(Number(value) / 1000)) };
  return { allowed: true };
}

export interface AbuseLimitOptions {
  /** Attempts allowed per citizen within the sliding window, per kind. */
  intake: { max: number; windowSeconds: number };
  call: { max: number; windowSeconds: number };
  /** Longest restriction a supervisor may set. */
  maxRestrictionDays: number;
}

/**
 * Abuse limits of art. 34 of seeds/002 in Redis, shared by every channel, by calls and by every
 * gateway instance: sliding-window counts per citizen and kind (one Lua script), and
 * supervisor-set restrictions that expire by themselves (a key with an absolute expiry).
 * Every restriction change is written to the audit log.
 */
export class RedisAbuseLimits implements AbuseLimits {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly audit: AuditLog,
    private readonly options: AbuseLimitOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.scripts = defineScripts(redis);
  }

  async check(citizenKey: string, kind: 'intake' | 'call', attemptId: string = randomUUID()): Promise<LimitVerdict> {
    const call = this.checkCall(citizenKey, kind, attemptId);
    return limitVerdict(await this.scripts['limit-check-2'](...call.keys, ...call.args));
  }

  /** limit-check-2's KEYS and ARGV, for scripts that include it (store-intake-7). */
  checkCall(citizenKey: string, kind: 'intake' | 'call', attemptId: string): ScriptCall {
    const limit = this.options[kind];
    return {
      keys: [this.keys.restriction(citizenKey), this.keys.attempts(kind, citizenKey)],
      args: [limit.windowSeconds * 1000, limit.max, attemptId],
    };
  }

  async restrict(citizenKey: string, r: { reason: string; until: Date; by: string }): Promise<Restriction> {
    const now = this.clock();
    const untilMs = r.until.getTime();
    if (!Number.isFinite(untilMs) || untilMs <= now.getTime()) throw invalidField('until', '限制截止时间必须晚于当前时间');
    if (untilMs - now.getTime() > this.options.maxRestrictionDays * 86_400_000) {
      throw invalidField('until', `限制时长不能超过 ${this.options.maxRestrictionDays} 天`);
    }
    const restriction: Restriction = { citizenKey, reason: r.reason, until: r.until.toISOString(), setBy: r.by, setAt: now.toISOString() };
    const previous = await this.get(citizenKey);
    await this.redis
      .multi()
      .set(this.keys.restriction(citizenKey), JSON.stringify(restriction), 'PXAT', untilMs)
      .zadd(this.keys.restrictionIndex, untilMs, citizenKey)
      .exec();
    await this.audit.append({
      actor: r.by,
      action: previous ? 'restriction.change' : 'restriction.set',
      target: citizenKey,
      details: { reason: r.reason, until: restriction.until, ...(previous ? { previous } : {}) },
    });
    return restriction;
  }

  async lift(citizenKey: string, by: string, note?: string): Promise<void> {
    const previous = await this.get(citizenKey);
    await this.redis.multi().del(this.keys.restriction(citizenKey)).zrem(this.keys.restrictionIndex, citizenKey).exec();
    await this.audit.append({
      actor: by,
      action: 'restriction.lift',
      target: citizenKey,
      details: { ...(note ? { note } : {}), ...(previous ? { previous } : { wasRestricted: false }) },
    });
  }

  async get(citizenKey: string): Promise<Restriction | undefined> {
    const raw = await this.redis.get(this.keys.restriction(citizenKey));
    return raw ? (JSON.parse(raw) as Restriction) : undefined;
  }

  async list(): Promise<Restriction[]> {
    // The index only helps find the keys; the keys' own expiry is what lifts a restriction.
    await this.redis.zremrangebyscore(this.keys.restrictionIndex, '-inf', String(this.clock().getTime()));
    const citizens = await this.redis.zrange(this.keys.restrictionIndex, '0', '-1');
    if (citizens.length === 0) return [];
    const raws = await this.redis.mget(...citizens.map((c) => this.keys.restriction(c)));
    return raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as Restriction);
  }
}
