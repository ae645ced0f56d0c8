import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { buildHttpServer } from '../../src/adapters/http/server.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import type { Intake } from '../../src/core/intake/intake.js';
import type { IntakeMetrics } from '../../src/core/ports/intake-metrics.js';
import { IntakeAcceptor, type IntakeJudge } from '../../src/services/intake-acceptor.js';
import { silentLogger } from './logger.js';

export const noMetrics: IntakeMetrics = { accepted: () => undefined, delivered: () => undefined, failed: () => undefined };

export interface ChannelsHarness {
  app: FastifyInstance;
  redis: Redis;
  keys: RedisKeys;
  outbox: RedisIntakeOutbox;
  acceptor: IntakeAcceptor;
  depth(): Promise<number>;
  /** The stored record of the intake an idempotency key made. */
  intakeByKey(idempotencyKey: string): Promise<Intake | undefined>;
  close(): Promise<void>;
}

/** A real API server (the gateway's own fastify setup) over a real Redis outbox. */
export async function channelsHarness(
  redis: Redis,
  routes: (deps: { acceptor: IntakeAcceptor; keys: RedisKeys }) => FastifyPluginAsync[],
  options: { judge?: IntakeJudge; prefix?: string; bodyLimitBytes?: number; trustProxy?: string[] } = {},
): Promise<ChannelsHarness> {
  const keys = new RedisKeys(options.prefix ?? `t${Math.random().toString(36).slice(2, 8)}:`);
  const outbox = new RedisIntakeOutbox(redis, keys, { leaseMs: 30_000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 });
  const acceptor = new IntakeAcceptor(outbox, noMetrics, options.judge);
  const app = await buildHttpServer({ log: silentLogger(), bodyLimitBytes: options.bodyLimitBytes ?? 65536, trustProxy: options.trustProxy, routes: routes({ acceptor, keys }) });
  return {
    app,
    redis,
    keys,
    outbox,
    acceptor,
    depth: async () => (await outbox.stats()).depth,
    async intakeByKey(key) {
      const id = await redis.get(keys.idempotency(key));
      if (!id) return undefined;
      const record = await redis.hget(keys.intake(id), 'record');
      return record ? (JSON.parse(record) as Intake) : undefined;
    },
    close: () => app.close(),
  };
}

/** A judge standing in for the rules: flags matters by a marker word in the text. */
export const stubJudge: IntakeJudge = (intake) => {
  const text = intake.content.text;
  if (text.includes('着火')) return { ...intake, emergencyLine: 'EMERGENCY_LINE_119', decisions: [...intake.decisions, { rule: 'stub.emergency', outcome: '119' }] };
  if (text.includes('法院')) {
    return {
      ...intake,
      scope: { inScope: false, reason: 'SCOPE_REASON_LEGAL_PROCEDURE', explanation: '您反映的事项已进入诉讼程序，请按司法程序办理。' },
    };
  }
  return intake;
};
