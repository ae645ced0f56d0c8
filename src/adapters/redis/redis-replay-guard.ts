import type { Redis } from 'ioredis';
import type { ReplayGuard } from '../../core/ports/replay-guard.js';
import type { RedisKeys } from './keys.js';

export class RedisReplayGuard implements ReplayGuard {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async firstUse(scope: string, nonce: string, ttlSeconds: number): Promise<boolean> {
    // SET NX is atomic: of two concurrent replays exactly one wins.
    return (await this.redis.set(this.keys.partnerNonce(scope, nonce), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }
}
