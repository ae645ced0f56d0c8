import type { Redis } from 'ioredis';
import { urgencyRank, type Intake } from '../../core/intake/intake.js';
import type {
  EnqueueResult,
  IntakeOutbox,
  IntakeStatus,
  Lease,
  OutboxStats,
  Settlement,
} from '../../core/ports/intake-outbox.js';
import type { RedisKeys } from './keys.js';
import { RedisOutboxQueue, type AcceptItem, type OutboxQueueOptions, type ScriptCall } from './redis-outbox-queue.js';

const itemOf = (intake: Intake): AcceptItem => ({
  id: intake.intakeId,
  idempotencyKey: intake.idempotencyKey,
  record: JSON.stringify(intake),
  group: intake.citizen.citizenKey,
  rank: urgencyRank(intake.classification.urgency),
});

export type RedisIntakeOutboxOptions = OutboxQueueOptions;

/**
 * The durable outbox of intakes in Redis (RedisOutboxQueue in the intake namespace): ordered by
 * urgency rank × 10^15 + acceptance sequence, FIFO per citizen, idempotent by the channel's key.
 */
export class RedisIntakeOutbox implements IntakeOutbox {
  private readonly queue: RedisOutboxQueue;

  constructor(
    redis: Redis,
    keys: RedisKeys,
    options: RedisIntakeOutboxOptions,
  ) {
    this.queue = new RedisOutboxQueue(redis, keys.intakeOutbox, options);
  }

  async enqueue(intake: Intake): Promise<EnqueueResult> {
    const { id, duplicate } = await this.queue.accept(itemOf(intake));
    return { intakeId: id, duplicate };
  }

  /** accept-4's KEYS and ARGV for an intake, for scripts that include it (store-intake-7). */
  enqueueCall(intake: Intake): ScriptCall {
    return this.queue.acceptCall(itemOf(intake));
  }

  async status(intakeId: string): Promise<IntakeStatus | undefined> {
    const h = await this.queue.item(intakeId);
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
    const { leaseId, items } = await this.queue.lease(max);
    return { leaseId, items: items.map((i) => ({ intake: JSON.parse(i.record) as Intake, attempts: i.attempts })) };
  }

  async settle(lease: Lease, settlements: Settlement[]): Promise<void> {
    await this.queue.settle(
      lease.leaseId,
      lease.items.map((i) => i.intake.intakeId),
      settlements.map((s) =>
        s.outcome === 'delivered'
          ? { id: s.intakeId, outcome: 'delivered', info: s.workOrderId ?? '', duplicate: s.duplicate }
          : { id: s.intakeId, outcome: 'failed', error: s.error },
      ),
    );
  }

  stats(): Promise<OutboxStats> {
    return this.queue.stats();
  }
}
