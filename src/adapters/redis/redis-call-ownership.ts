import type { Redis } from 'ioredis';
import type { CallOwnership } from '../../core/ports/call-ownership.js';
import type { CallId } from '../../core/ports/switch.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

/** Call ownership as one Redis key per call: the owner's id, the lease as the key's TTL. */
export class RedisCallOwnership implements CallOwnership {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly instanceId: string,
    private readonly leaseMs: number,
  ) {
    this.scripts = defineScripts(redis);
  }

  async claim(callId: CallId): Promise<boolean> {
    return (
      (await this.scripts['call-claim-1'](this.keys.callOwner(callId), this.instanceId, this.leaseMs)) === 1
    );
  }

  async renew(callIds: readonly CallId[]): Promise<CallId[]> {
    const results = await Promise.all(
      callIds.map((id) =>
        this.scripts['call-renew-1'](this.keys.callOwner(id), this.instanceId, this.leaseMs),
      ),
    );
    return callIds.filter((_, i) => results[i] !== 1);
  }

  async release(callId: CallId): Promise<void> {
    // Ended for four leases: longer than any instance keeps watching an ended call (OwnedSwitch: two).
    await this.scripts['call-release-1'](this.keys.callOwner(callId), this.instanceId, 4 * this.leaseMs);
  }

  async owner(callId: CallId): Promise<string | undefined> {
    const held = await this.redis.get(this.keys.callOwner(callId));
    return held && !held.startsWith('ended:') ? held : undefined;
  }
}
