import type { Redis } from 'ioredis';
import { callRecordRank, type CallDetailRecord } from '../../core/calls/call-record.js';
import type { CallRecordLease, CallRecordOutbox, CallRecordSettlement } from '../../core/ports/call-records.js';
import type { RedisKeys } from './keys.js';
import { RedisOutboxQueue, type OutboxQueueOptions } from './redis-outbox-queue.js';

/**
 * The durable outbox of call-detail records: RedisOutboxQueue (the intake outbox's scripts and
 * rules) in its own key namespace. Idempotent by call id: a call has one record, however often a
 * crashed runner re-finishes it. Grouped by citizen, so one caller's records arrive in order.
 */
export class RedisCallRecordOutbox implements CallRecordOutbox {
  private readonly queue: RedisOutboxQueue;

  constructor(redis: Redis, keys: RedisKeys, options: OutboxQueueOptions) {
    this.queue = new RedisOutboxQueue(redis, keys.callRecordOutbox, options);
  }

  async enqueue(record: CallDetailRecord): Promise<{ duplicate: boolean }> {
    const { duplicate } = await this.queue.accept({
      id: record.callId,
      idempotencyKey: record.callId,
      record: JSON.stringify(record),
      group: record.citizenKey,
      rank: callRecordRank(record),
    });
    return { duplicate };
  }

  async lease(max: number): Promise<CallRecordLease> {
    const { leaseId, items } = await this.queue.lease(max);
    return { leaseId, items: items.map((i) => ({ record: JSON.parse(i.record) as CallDetailRecord, attempts: i.attempts })) };
  }

  async settle(lease: CallRecordLease, settlements: CallRecordSettlement[]): Promise<void> {
    await this.queue.settle(
      lease.leaseId,
      lease.items.map((i) => i.record.callId),
      settlements.map((s) =>
        s.outcome === 'delivered' ? { id: s.callId, outcome: 'delivered', duplicate: s.duplicate } : { id: s.callId, outcome: 'failed', error: s.error },
      ),
    );
  }

  /** 'queued' | 'delivered' | 'failed', or undefined when the call has no record. */
  async status(callId: string): Promise<string | undefined> {
    return (await this.queue.item(callId)).status;
  }

  stats(): Promise<{ depth: number; inFlight: number; failed: number }> {
    return this.queue.stats();
  }
}
