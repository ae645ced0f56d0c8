import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { defineScripts, type ScriptName } from './scripts.js';

/** The keys of one outbox: intakes and call records each have their own (see keys.ts). */
export interface OutboxNamespace {
  /** Item hash = itemPrefix + id. */
  itemPrefix: string;
  ready: string;
  inFlight: string;
  groupLocks: string;
  failed: string;
  sequence: string;
  idempotency(key: string): string;
}

export interface OutboxQueueOptions {
  leaseMs: number;
  idempotencyTtlSeconds: number;
  statusRetentionSeconds: number;
  /** How far down the queue one lease looks for items of groups not already in flight. */
  leaseScan?: number;
}

export interface QueuedItem {
  id: string;
  /** The record as stored (JSON). */
  record: string;
  attempts: number;
}

export interface AcceptItem {
  id: string;
  idempotencyKey: string;
  record: string;
  group: string;
  rank: number;
}

/** One script's KEYS and ARGV. */
export interface ScriptCall {
  keys: string[];
  args: (string | number)[];
}

/** accept-4's answer: the item's id (the earlier one for a duplicate) and whether it was one. */
export function acceptResult(reply: unknown): { id: string; duplicate: boolean } {
  const [id, duplicate] = reply as [string, number];
  return { id, duplicate: duplicate === 1 };
}

export type QueueSettlement =
  | { id: string; outcome: 'delivered'; info?: string; duplicate: boolean }
  | { id: string; outcome: 'failed'; error: string };

/**
 * The durable outbox mechanism, shared by every kind of record the gateway pushes to the core: an
 * item is one hash plus an entry in a sorted set whose score orders delivery (rank × 10^15 +
 * acceptance sequence: rank 0 first); items of one group (a citizen) are delivered one lease at a
 * time, in order; a lapsed lease's items go back in line. Every transition is one Lua script
 * (lua/accept-4, lease-3, settle-4), so several gateway instances can share the queue.
 */
export class RedisOutboxQueue {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    readonly redis: Redis,
    readonly ns: OutboxNamespace,
    private readonly options: OutboxQueueOptions,
  ) {
    this.scripts = defineScripts(redis);
  }

  async accept(item: AcceptItem): Promise<{ id: string; duplicate: boolean }> {
    const call = this.acceptCall(item);
    return acceptResult(await this.scripts['accept-4'](...call.keys, ...call.args));
  }

  /** accept-4's KEYS and ARGV for an item, for scripts that include it (store-intake-7). */
  acceptCall(item: AcceptItem): ScriptCall {
    return {
      keys: [this.ns.idempotency(item.idempotencyKey), this.ns.itemPrefix + item.id, this.ns.ready, this.ns.sequence],
      args: [item.id, item.record, item.group, item.rank, Date.now(), this.options.idempotencyTtlSeconds],
    };
  }

  async lease(max: number): Promise<{ leaseId: string; items: QueuedItem[] }> {
    const leaseId = randomUUID();
    const flat = (await this.scripts['lease-3'](
      this.ns.ready,
      this.ns.inFlight,
      this.ns.groupLocks,
      Date.now(),
      this.options.leaseMs,
      max,
      this.options.leaseScan ?? Math.max(max * 4, 1000),
      leaseId,
      this.ns.itemPrefix,
    )) as (string | number)[];
    const items: QueuedItem[] = [];
    for (let i = 0; i < flat.length; i += 3) items.push({ id: String(flat[i]), record: String(flat[i + 1]), attempts: Number(flat[i + 2]) });
    return { leaseId, items };
  }

  async settle(leaseId: string, leasedIds: string[], settlements: QueueSettlement[]): Promise<void> {
    if (leasedIds.length === 0) return;
    const args: (string | number)[] = [leaseId, this.ns.itemPrefix, Date.now(), this.options.statusRetentionSeconds, settlements.length];
    for (const s of settlements) {
      if (s.outcome === 'delivered') args.push(s.id, 'delivered', s.info ?? '', s.duplicate ? 1 : 0);
      else args.push(s.id, 'failed', s.error, 0);
    }
    args.push(...leasedIds);
    await this.scripts['settle-4'](this.ns.ready, this.ns.inFlight, this.ns.groupLocks, this.ns.failed, ...args);
  }

  item(id: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.ns.itemPrefix + id);
  }

  async stats(): Promise<{ depth: number; inFlight: number; failed: number }> {
    const [ready, inFlight, failed] = (await this.redis
      .multi()
      .zcard(this.ns.ready)
      .zcard(this.ns.inFlight)
      .zcard(this.ns.failed)
      .exec())!.map(([err, v]) => {
      if (err) throw err;
      return Number(v);
    }) as [number, number, number];
    return { depth: ready + inFlight, inFlight, failed };
  }
}
