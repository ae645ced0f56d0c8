import type { Redis } from 'ioredis';
import type { ActiveCalls } from '../../core/ports/active-calls.js';
import type { RedisKeys } from './keys.js';
import { defineScripts } from './scripts.js';

/**
 * The centre's active inbound calls in one Redis sorted set, so every gateway instance counts
 * the same calls. Each instance renews the leases of its own calls; a crashed instance's calls
 * lapse after one lease instead of holding capacity for ever.
 */
export class RedisActiveCalls implements ActiveCalls {
  private readonly scripts;
  private readonly mine = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly leaseMs: number,
  ) {
    this.scripts = defineScripts(redis);
  }

  /** Starts renewing this instance's leases (every third of a lease). */
  start(onError: (err: unknown) => void): void {
    this.timer = setInterval(() => {
      this.renew().catch(onError);
    }, Math.max(250, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async admit(callId: string, capacity: number, force = false): Promise<{ admitted: boolean; active: number }> {
    const [admitted, active] = (await this.scripts['admit-call-1'](this.keys.sipActiveCalls, Date.now(), this.leaseMs, capacity, callId, force ? '1' : '0')) as [number, number];
    if (admitted === 1) this.mine.add(callId);
    return { admitted: admitted === 1, active };
  }

  async release(callId: string): Promise<void> {
    this.mine.delete(callId);
    await this.redis.zrem(this.keys.sipActiveCalls, callId);
  }

  async count(): Promise<number> {
    return this.redis.zcount(this.keys.sipActiveCalls, `(${Date.now()}`, '+inf');
  }

  async renew(): Promise<void> {
    if (!this.mine.size) return;
    const deadline = Date.now() + this.leaseMs;
    // XX: renew only entries still present; a call released meanwhile stays released.
    const args: (string | number)[] = [];
    for (const id of this.mine) args.push(deadline, id);
    await this.redis.zadd(this.keys.sipActiveCalls, 'XX', ...args);
  }
}
