import type { Redis } from 'ioredis';
import type { CallOwnership } from '../../core/ports/call-ownership.js';
import type { CallId, CallInfo } from '../../core/ports/switch.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

/**
 * Call ownership as one Redis key per call: the owner's id, the lease as the key's TTL; beside
 * them the switch's live-call registry, a hash of the calls claimed with their facts and not released.
 */
export class RedisCallOwnership implements CallOwnership {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;
  private readonly registry: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly instanceId: string,
    private readonly leaseMs: number,
    /** The switch whose calls these are (one registry per switch). */
    switchId: string,
  ) {
    this.scripts = defineScripts(redis);
    this.registry = keys.liveCalls(switchId);
  }

  async claim(callId: CallId, register?: CallInfo): Promise<boolean> {
    const facts = register ? JSON.stringify(register) : '';
    return (await this.scripts['call-claim-2'](this.keys.callOwner(callId), this.registry, this.instanceId, this.leaseMs, callId, facts)) === 1;
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
    await this.scripts['call-release-2'](this.keys.callOwner(callId), this.registry, this.instanceId, 4 * this.leaseMs, callId);
  }

  unreleased(): Promise<CallId[]> {
    return this.redis.hkeys(this.registry);
  }

  async registered(callId: CallId): Promise<CallInfo | undefined> {
    const json = await this.redis.hget(this.registry, callId);
    return json ? (JSON.parse(json) as CallInfo) : undefined;
  }

  async owner(callId: CallId): Promise<string | undefined> {
    const held = await this.redis.get(this.keys.callOwner(callId));
    return held && !held.startsWith('ended:') ? held : undefined;
  }
}
