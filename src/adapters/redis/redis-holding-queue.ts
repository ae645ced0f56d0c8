import type { Redis } from 'ioredis';
import type { HoldingQueue } from '../../core/ports/holding-queue.js';
import type { RedisKeys } from './keys.js';

const RANK = { 'emergency-transfer': 0, normal: 1 } as const;

/**
 * The holding step in Redis: one sorted set per queue, score = priority rank × 10^15 + a global
 * sequence, so a call transferred from 110/119/120/122 goes ahead of every ordinary caller and
 * callers of one rank keep arrival order. ZADD NX keeps a place already held.
 */
export class RedisHoldingQueue implements HoldingQueue {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async enter(queue: string, callId: string, priority: 'emergency-transfer' | 'normal'): Promise<{ position: number }> {
    const key = this.keys.holdingQueue(queue);
    if ((await this.redis.zscore(key, callId)) === null) {
      const seq = await this.redis.incr(this.keys.holdingSequence);
      await this.redis.zadd(key, 'NX', RANK[priority] * 1e15 + seq, callId);
    }
    return { position: (await this.position(queue, callId)) ?? 1 };
  }

  async leave(queue: string, callId: string): Promise<void> {
    await this.redis.zrem(this.keys.holdingQueue(queue), callId);
  }

  async position(queue: string, callId: string): Promise<number | undefined> {
    const rank = await this.redis.zrank(this.keys.holdingQueue(queue), callId);
    return rank === null ? undefined : rank + 1;
  }

  waiting(queue: string): Promise<string[]> {
    return this.redis.zrange(this.keys.holdingQueue(queue), '0', '-1');
  }
}
