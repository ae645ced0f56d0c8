import { Redis } from 'ioredis';
import { monotonicFactory } from 'ulid';
import { loadConfig } from '../../src/config/load.js';
import { admitCallback } from '../../src/core/callbacks/callback.js';
import { callbackPolicy } from '../../src/core/callbacks/idle-dialling.js';
import type { StoredCallback } from '../../src/core/ports/callbacks.js';
import type { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisCallbackStore } from '../../src/adapters/redis/redis-callback-store.js';
import { BullmqKeyedSchedule } from '../../src/adapters/queue/bullmq-keyed-schedule.js';
import { silentLogger } from './logger.js';

const nextId = monotonicFactory();

/**
 * Busy-time callbacks in the general queue as abandoned callers leave them (admitted by the
 * policy, stored, one job each), requested a second apart, oldest first. Returns their ids.
 */
export async function seedCallbacks(redisUrl: string, keys: RedisKeys, numbers: string[]): Promise<string[]> {
  const redis = new Redis(redisUrl);
  const store = new RedisCallbackStore(redis, keys, { retentionMs: 24 * 3600_000 });
  const clock = { now: () => Date.now() };
  const schedule = new BullmqKeyedSchedule({ redisUrl, prefix: keys.bullPrefix, queueName: 'callbacks', jobPrefix: 'callback', what: 'callback', clock, process: async () => ({}), concurrency: 1, log: silentLogger() });
  const policy = callbackPolicy(loadConfig({}).config.callbacks);
  const now = Date.now();
  const ids: string[] = [];
  try {
    for (const [i, n] of numbers.entries()) {
      const at = now - (numbers.length - i) * 1000;
      const admission = admitCallback(
        { citizenKey: `tel:+86${n}`, number: `+86${n}`, kind: 'busy-time', origin: 'abandoned', queue: 'general', callId: `seed-${n}`, at, waitedMs: 60_000, emergency: false, restricted: false },
        undefined,
        policy,
      );
      if (admission.action !== 'create') throw new Error(`not admitted: ${JSON.stringify(admission)}`);
      const cb: StoredCallback = { ...admission.callback, id: nextId(), revision: 0, dueAtMs: at };
      if (!(await store.create(cb))) throw new Error(`${n} has a pending callback`);
      await schedule.add(cb.id, now);
      ids.push(cb.id);
    }
    return ids;
  } finally {
    await schedule.close(true);
    redis.disconnect();
  }
}
