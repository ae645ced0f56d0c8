// Composition of the call queues (ACD, issue 5): part of the composition root, kept in its own
// file so gateway.ts stays readable. The desk service consumes `acd` and `policy` from here.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { IvrConfig } from '../config/ivr.js';
import { ConfigError } from '../config/load.js';
import { acdPolicy } from '../config/acd.js';
import type { AcdPolicy } from '../core/acd/model.js';
import type { Acd } from '../core/ports/acd.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { RedisAcd } from '../adapters/redis/redis-acd.js';
import type { QueueEvent } from '../services/ivr-runner.js';

export interface ComposedAcd {
  acd: Acd;
  policy: AcdPolicy;
  /** Whether the IVR has a callback key to offer long waiters (acd callbackOfferAfterSec). */
  callbackOffer: boolean;
  /**
   * Queue events of the calls this instance owns (entered, moved, left — with the agent a hang-up
   * during an offer released): the desk dispatches on them and withdraws offers. Returns unsubscribe.
   */
  onQueueEvent(listener: (event: QueueEvent) => void): () => void;
  /** What the IVR runners report through (their `onQueue`). */
  emitQueueEvent(event: QueueEvent): void;
}

/** The ACD store and policy; the IVR file's queues must be queues of the ACD (checked here, named). */
export function composeAcd(config: Config, ivr: IvrConfig, redis: Redis, keys: RedisKeys): ComposedAcd {
  const policy = acdPolicy(config.acd);
  for (const [role, id] of Object.entries(ivr.flow.queues)) {
    const q = policy.queues.get(id);
    if (!q) throw new ConfigError(`invalid IVR file ${config.telephony.ivrFile}: queues.${role}: ${id} is not a queue in acd.queues`);
    if (q.externalNumber || q.kind === 'leader') throw new ConfigError(`invalid IVR file ${config.telephony.ivrFile}: queues.${role}: ${id} must be a queue of this centre that is always open`);
  }
  const listeners = new Set<(event: QueueEvent) => void>();
  return {
    acd: new RedisAcd(redis, keys, policy),
    policy,
    callbackOffer: Object.values(ivr.flow.keys).includes('callback'),
    onQueueEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emitQueueEvent(event) {
      for (const l of listeners) {
        try {
          l(event);
        } catch {
          // A listener's fault must not break the caller's IVR step; listeners log their own errors.
        }
      }
    },
  };
}

/** An id for this gateway process when no FreeSWITCH telephony gave it one (the simulated switch). */
export function localInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}
