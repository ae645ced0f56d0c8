import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { urgencyRank, type Intake } from '../../core/intake/intake.js';
import type {
  EnqueueResult,
  IntakeOutbox,
  IntakeStatus,
  Lease,
  LeasedIntake,
  OutboxStats,
  Settlement,
} from '../../core/ports/intake-outbox.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

export interface RedisIntakeOutboxOptions {
  leaseMs: number;
  idempotencyTtlSeconds: number;
  statusRetentionSeconds: number;
  /** How far down the queue one lease looks for intakes of citizens not already in flight. */
  leaseScan?: number;
}

/**
 * The durable outbox in Redis. An intake is one hash plus an entry in a sorted set whose score
 * orders delivery: urgency rank × 10^15 + acceptance sequence. Every transition is one Lua
 * script, so several gateway instances can share the queue.
 */
export class RedisIntakeOutbox implements IntakeOutbox {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisIntakeOutboxOptions,
  ) {
    this.scripts = defineScripts(redis);
  }

  async enqueue(intake: Intake): Promise<EnqueueResult> {
    const [intakeId, duplicate] = (await this.scripts['accept-4'](
      this.keys.idempotency(intake.idempotencyKey),
      this.keys.intake(intake.intakeId),
      this.keys.outboxReady,
      this.keys.outboxSequence,
      intake.intakeId,
      JSON.stringify(intake),
      intake.citizen.citizenKey,
      urgencyRank(intake.classification.urgency),
      Date.now(),
      this.options.idempotencyTtlSeconds,
    )) as [string, number];
    return { intakeId, duplicate: duplicate === 1 };
  }

  async status(intakeId: string): Promise<IntakeStatus | undefined> {
    const h = await this.redis.hgetall(this.keys.intake(intakeId));
    if (!h.status) return undefined;
    const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : undefined);
    return {
      intakeId,
      status: h.status as IntakeStatus['status'],
      acceptedAt: iso(h.acceptedAt)!,
      deliveredAt: iso(h.deliveredAt),
      workOrderId: h.workOrderId || undefined,
      attempts: Number(h.attempts ?? 0),
      error: h.error || undefined,
    };
  }

  async lease(max: number): Promise<Lease> {
    const leaseId = randomUUID();
    const flat = (await this.scripts['lease-3'](
      this.keys.outboxReady,
      this.keys.outboxInFlight,
      this.keys.outboxCitizenLocks,
      Date.now(),
      this.options.leaseMs,
      max,
      this.options.leaseScan ?? Math.max(max * 4, 1000),
      leaseId,
      this.keys.intakePrefix,
    )) as (string | number)[];
    const items: LeasedIntake[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      items.push({ intake: JSON.parse(String(flat[i + 1])) as Intake, attempts: Number(flat[i + 2]) });
    }
    return { leaseId, items };
  }

  async settle(lease: Lease, settlements: Settlement[]): Promise<void> {
    if (lease.items.length === 0) return;
    const args: (string | number)[] = [lease.leaseId, this.keys.intakePrefix, Date.now(), this.options.statusRetentionSeconds, settlements.length];
    for (const s of settlements) {
      if (s.outcome === 'delivered') args.push(s.intakeId, 'delivered', s.workOrderId ?? '', s.duplicate ? 1 : 0);
      else args.push(s.intakeId, 'failed', s.error, 0);
    }
    for (const item of lease.items) args.push(item.intake.intakeId);
    await this.scripts['settle-4'](
      this.keys.outboxReady,
      this.keys.outboxInFlight,
      this.keys.outboxCitizenLocks,
      this.keys.outboxFailed,
      ...args,
    );
  }

  async stats(): Promise<OutboxStats> {
    const [ready, inFlight, failed] = (await this.redis
      .multi()
      .zcard(this.keys.outboxReady)
      .zcard(this.keys.outboxInFlight)
      .zcard(this.keys.outboxFailed)
      .exec())!.map(([err, v]) => {
      if (err) throw err;
      return Number(v);
    }) as [number, number, number];
    return { depth: ready + inFlight, inFlight, failed };
  }
}
