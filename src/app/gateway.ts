import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { connectRedis, checkDurability } from '../adapters/redis/connection.js';
import { ensureEmbeddedRedis, type EmbeddedRedis } from '../adapters/redis/embedded-redis.js';
import { RedisKeys } from '../adapters/redis/keys.js';
import { RedisIntakeOutbox } from '../adapters/redis/redis-intake-outbox.js';
import { GrpcIntakeSink } from '../adapters/grpc/grpc-intake-sink.js';
import { PrometheusMetrics } from '../adapters/metrics/prometheus.js';
import { buildHttpServer } from '../adapters/http/server.js';
import { webIntakeRoutes } from '../adapters/http/routes/web-intake.js';
import { intakeStatusRoutes } from '../adapters/http/routes/intake-status.js';
import { operationsRoutes, type HealthCheck } from '../adapters/http/routes/operations.js';
import { DevCore } from '../dev-core/dev-core.js';
import { IntakeAcceptor } from '../services/intake-acceptor.js';
import { DeliveryWorker } from '../services/delivery-worker.js';
import { createFreeSwitchTelephony, type FreeSwitchTelephony } from '../adapters/freeswitch/telephony.js';

export interface RunningGateway {
  http: FastifyInstance;
  /** http://host:port the API listens on. */
  url: string;
  redisUrl: string;
  coreAddress: string;
  embeddedRedis?: EmbeddedRedis;
  devCore?: DevCore;
  /** FreeSWITCH telephony, when freeswitch.servers names any (else telephony is simulated). */
  freeswitch?: FreeSwitchTelephony;
  /** Drain and stop: no new requests, in-flight requests and delivery batches finish. */
  stop(): Promise<void>;
}

/**
 * The composition root: the only place adapters are constructed. Everything is wired through
 * constructors; nothing reaches for a singleton.
 */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const stack: Array<() => Promise<void>> = [];
  try {
    let embeddedRedis: EmbeddedRedis | undefined;
    let redisUrl = config.redis.url;
    if (!redisUrl) {
      embeddedRedis = await ensureEmbeddedRedis({ dataDir: config.dataDir, ...config.redis.embedded, log });
      redisUrl = embeddedRedis.url;
      const er = embeddedRedis;
      stack.push(() => er.stop());
    }
    const redis: Redis = connectRedis(redisUrl, log, 'main');
    stack.push(async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    await redis.ping();
    if (config.redis.url) await checkDurability(redis, log);

    let devCore: DevCore | undefined;
    let coreAddress = config.core.address;
    if (!coreAddress) {
      devCore = new DevCore({ intakesFile: config.devCore.file, token: config.devCore.token || undefined, log: log.child({ component: 'dev-core' }) });
      coreAddress = await devCore.start('127.0.0.1', 0);
      const dc = devCore;
      stack.push(() => dc.stop());
    }
    const sink = new GrpcIntakeSink({
      address: coreAddress,
      token: config.core.address ? config.core.token || undefined : config.devCore.token || undefined,
      tlsCaFile: config.core.tlsCaFile || undefined,
      deadlineMs: config.core.deadlineMs,
    });
    stack.push(async () => sink.close());

    const keys = new RedisKeys(config.redis.keyPrefix);
    const outbox = new RedisIntakeOutbox(redis, keys, {
      leaseMs: config.outbox.leaseMs,
      idempotencyTtlSeconds: config.outbox.idempotencyTtlHours * 3600,
      statusRetentionSeconds: config.outbox.statusRetentionHours * 3600,
    });
    const metrics = new PrometheusMetrics(outbox);
    const worker = new DeliveryWorker(outbox, sink, metrics, config.outbox, log.child({ component: 'delivery' }));
    const acceptor = new IntakeAcceptor(outbox, metrics, undefined, () => worker.wake());

    // Telephony (issue 4): one Event Socket per configured FreeSWITCH, call ownership in Redis.
    const freeswitch = createFreeSwitchTelephony(config.freeswitch, redis, keys, log);
    if (freeswitch) {
      freeswitch.start();
      stack.push(() => freeswitch.stop());
    }

    let draining = false;
    const checks: HealthCheck[] = [
      {
        name: 'redis',
        critical: true,
        async check() {
          const t0 = performance.now();
          await redis.ping();
          return { ok: true, latencyMs: Math.round((performance.now() - t0) * 100) / 100, embedded: !!embeddedRedis };
        },
      },
      {
        name: 'core',
        critical: false,
        async check() {
          const l = worker.link;
          return { ok: l.reachable !== false, address: coreAddress, development: !!devCore, ...l };
        },
      },
      ...(freeswitch
        ? [
            {
              name: 'freeswitch',
              critical: false,
              async check() {
                const servers = freeswitch.status();
                return { ok: servers.every((x) => x.connected), instance: freeswitch.instanceId, servers };
              },
            },
          ]
        : []),
      {
        name: 'outbox',
        critical: false,
        async check() {
          return { ok: true, ...(await outbox.stats()) };
        },
      },
    ];
    const http = await buildHttpServer({
      log,
      bodyLimitBytes: config.http.bodyLimitBytes,
      routes: [
        webIntakeRoutes({ acceptor, maxContentChars: config.web.maxContentChars }),
        intakeStatusRoutes(outbox),
        operationsRoutes({
          checks,
          registry: metrics.registry,
          isDraining: () => draining,
          info: () => ({
            redis: embeddedRedis ? `embedded redis-server (pid ${embeddedRedis.pid})` : 'external',
            core: devCore ? 'development work-order core (in-process)' : coreAddress,
          }),
        }),
      ],
    });
    const address = await http.listen({ host: config.http.host, port: config.http.port });
    stack.push(async () => {
      await http.close();
    });
    worker.start();

    const stop = async () => {
      draining = true;
      // Order: stop taking requests (in-flight ones finish), finish the delivery batch in
      // flight, then close the core link, the dev core and Redis.
      const closeHttp = stack.pop()!;
      await closeHttp();
      await worker.stop();
      while (stack.length) await stack.pop()!();
    };
    return { http, url: address, redisUrl, coreAddress, embeddedRedis, devCore, ...(freeswitch ? { freeswitch } : {}), stop };
  } catch (err) {
    while (stack.length) await stack.pop()!().catch(() => undefined);
    throw err;
  }
}
