import type { Redis } from 'ioredis';
import type { Location } from '../../core/intake/intake.js';
import type { PendingPlaces } from '../../core/ports/pending-place.js';
import type { RedisKeys } from './keys.js';

/** Pending places in Redis with an expiry: a location sent and never followed up lapses. */
export class RedisPendingPlaces implements PendingPlaces {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
  ) {}

  async put(citizenKey: string, place: Location): Promise<void> {
    await this.redis.set(this.keys.pendingPlace(citizenKey), JSON.stringify(place), 'EX', this.ttlSeconds);
  }

  async peek(citizenKey: string): Promise<Location | undefined> {
    const raw = await this.redis.get(this.keys.pendingPlace(citizenKey));
    return raw ? (JSON.parse(raw) as Location) : undefined;
  }

  async clear(citizenKey: string): Promise<void> {
    await this.redis.del(this.keys.pendingPlace(citizenKey));
  }
}
