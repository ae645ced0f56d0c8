import { Redis } from 'ioredis';
import type { Logger } from '../../log/logger.js';

/**
 * A connection for request paths: a command fails after a short retry instead of waiting forever,
 * so a Redis outage answers 503 rather than hanging the citizen's request.
 */
export function connectRedis(url: string, log: Logger, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: `hotline-gateway:${name}`,
    maxRetriesPerRequest: 2,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) log.warn({ err, connection: name }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: name }, 'redis connection restored');
    down = false;
  });
  return redis;
}

/** Warns when a Redis the operator runs would lose acknowledged intakes on a restart. */
export async function checkDurability(redis: Redis, log: Logger): Promise<void> {
  try {
    const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
    if (aof !== 'yes') {
      log.warn('redis runs without append-only persistence: intakes answered 202 may be lost if Redis restarts; set "appendonly yes"');
    }
  } catch {
    // CONFIG may be disabled on managed Redis; nothing to check then.
  }
}
