import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import type { Switch } from '../../core/ports/switch.js';
import type { RedisKeys } from '../redis/keys.js';
import { RedisCallOwnership } from '../redis/redis-call-ownership.js';
import { OwnedSwitch, type OwnedSwitchOptions } from '../../services/owned-switch.js';
import { FreeSwitchSwitch } from './freeswitch-switch.js';
import { eslServersFromConfig } from './servers.js';

export interface FreeSwitchTelephony {
  /** One Switch per configured FreeSWITCH server, passing on only the calls this instance owns. */
  readonly switches: Switch[];
  readonly instanceId: string;
  /** Per server: is its Event Socket up (for /healthz and /readyz). */
  status(): { id: string; connected: boolean; calls: number }[];
  start(): void;
  stop(): Promise<void>;
}

/** The FreeSWITCH side of telephony, or undefined when no server is configured (simulated telephony). */
export function createFreeSwitchTelephony(
  config: Config['freeswitch'],
  redis: Redis,
  keys: RedisKeys,
  log: Logger,
  /** Call records across instances (OwnedSwitch): who records a lapsed call, when ours is queued. */
  records: Pick<OwnedSwitchOptions, 'onLapsed' | 'recordQueued'> = {},
): FreeSwitchTelephony | undefined {
  const servers = eslServersFromConfig(config);
  if (servers.length === 0) return undefined;
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const tlog = log.child({ component: 'freeswitch', instance: instanceId });
  const adapters = servers.map(
    (server) =>
      new FreeSwitchSwitch({
        server,
        log: tlog,
        format: config.format,
        connection: { reconnectMinMs: config.reconnectMinMs, reconnectMaxMs: config.reconnectMaxMs },
      }),
  );
  const owned = adapters.map(
    (a) =>
      new OwnedSwitch(a, new RedisCallOwnership(redis, keys, instanceId, config.callLeaseMs, a.id), {
        renewEveryMs: Math.max(100, Math.floor(config.callLeaseMs / 3)),
        ...records,
        log: tlog,
      }),
  );
  return {
    switches: owned,
    instanceId,
    status: () =>
      adapters.map((a, i) => ({
        id: a.id,
        connected: a.connection.connected,
        calls: owned[i]!.ownedCalls().length,
      })),
    start() {
      for (const a of adapters) a.start();
      for (const o of owned) o.start();
    },
    async stop() {
      for (const o of owned) o.stop();
      await Promise.all(adapters.map((a) => a.stop()));
    },
  };
}
