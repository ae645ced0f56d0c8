import type { Redis } from 'ioredis';
import type { HoldingQueue } from '../../core/ports/holding-queue.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

const RANK = { 'emergency-transfer': 0, normal: 1 } as const;

/**
 * The holding step in Redis: one sorted set per queue, score = priority rank × 10^15 + a global
 * sequence, so a call transferred from 110/119/120/122 goes ahead of every ordinary caller and
 * callers of one rank keep arrival order. Entering again keeps the place already held
 * (lua/hold-enter-2: one round trip, atomic).
 */
export class RedisHoldingQueue implements HoldingQueue {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis);
  }

  async enter(queue: string, callId: string, priority: 'emergency-transfer' | 'normal'): Promise<{ position: number }> {
    const position = await this.scripts['hold-enter-2'](this.keys.holdingQueue(queue), this.keys.holdingSequence, callId, RANK[priority]);
    return { position: Number(position) };
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
