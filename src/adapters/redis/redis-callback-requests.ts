import type { Redis } from 'ioredis';
import type { CallbackRequest, CallbackRequests } from '../../core/ports/callback-requests.js';
import type { RedisKeys } from './keys.js';

/** Pending callback requests, one per number (HSETNX), in request order for the callbacks issue. */
export class RedisCallbackRequests implements CallbackRequests {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async request(request: CallbackRequest): Promise<'created' | 'existing'> {
    const res = await this.redis
      .multi()
      .hsetnx(this.keys.callbackPending, request.citizenKey, JSON.stringify(request))
      .zadd(this.keys.callbackOrder, 'NX', Date.parse(request.requestedAt), request.citizenKey)
      .exec();
    const [err, created] = res![0]!;
    if (err) throw err;
    return Number(created) === 1 ? 'created' : 'existing';
  }

  async pending(citizenKey: string): Promise<CallbackRequest | undefined> {
    const raw = await this.redis.hget(this.keys.callbackPending, citizenKey);
    return raw ? (JSON.parse(raw) as CallbackRequest) : undefined;
  }

  async list(limit = 100): Promise<CallbackRequest[]> {
    const keys = await this.redis.zrange(this.keys.callbackOrder, '0', String(limit - 1));
    if (keys.length === 0) return [];
    const raws = await this.redis.hmget(this.keys.callbackPending, ...keys);
    return raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as CallbackRequest);
  }
}
