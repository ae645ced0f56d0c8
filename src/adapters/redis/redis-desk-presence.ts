import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

/**
 * Which ws connection holds an agent's desk, across gateway instances (desk-presence-1.lua): the
 * ws layer logs a vanished agent out of the desk only if nobody reconnected anywhere meanwhile.
 */
export class RedisDeskPresence {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis);
  }

  async claim(agentId: string, connectionId: string, leaseMs: number): Promise<void> {
    await this.scripts['desk-presence-1'](this.keys.deskPresence(agentId), 'claim', connectionId, leaseMs);
  }
  /** False when another connection holds the desk now. */
  async renew(agentId: string, connectionId: string, leaseMs: number): Promise<boolean> {
    return (
      Number(
        await this.scripts['desk-presence-1'](
          this.keys.deskPresence(agentId),
          'renew',
          connectionId,
          leaseMs,
        ),
      ) === 1
    );
  }
  /** True when the desk was this connection's (or nobody's): the caller may log the agent out. */
  async release(agentId: string, connectionId: string): Promise<boolean> {
    return (
      Number(
        await this.scripts['desk-presence-1'](this.keys.deskPresence(agentId), 'release', connectionId, 0),
      ) === 1
    );
  }
}
