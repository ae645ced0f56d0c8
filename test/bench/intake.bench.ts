// Intake path benchmarks (issue 2):
//  1. HTTP accept rate of the web channel, 50 connections, vs bare BullMQ add with 50 in flight,
//     both on the same redis-server (append-only, fsync always: the embedded default); p99 accept latency.
//  2. Delivery rate from the Redis outbox to the dev core vs a bare gRPC unary loop (64 in flight)
//     and a bare SubmitStream of the same batches, against the same dev core process.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import * as grpc from '@grpc/grpc-js';
import { freePort } from '../../src/adapters/redis/embedded-redis.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import { GrpcIntakeSink } from '../../src/adapters/grpc/grpc-intake-sink.js';
import { INTAKE_SINK, serviceDefinition } from '../../src/adapters/grpc/proto.js';
import { DeliveryWorker } from '../../src/services/delivery-worker.js';
import { createLogger } from '../../src/log/logger.js';
import { startRedis } from '../helpers/redis-server.js';
import { anIntake } from '../builders/intake.js';
import { fmt, percentile, ratioLine, spawnTs, until } from './support.js';

const ACCEPT_SECONDS = 8;
const DELIVERY_N = 20_000;

const bodyFor = (i: number) =>
  JSON.stringify({
    content: '小区东门的路灯已经坏了一个星期，晚上出行很不方便，希望尽快维修。',
    phone: `138${String(i % 10_000).padStart(8, '0')}`,
    location: '和平路88号小区东门',
    incidentTime: '2026-11-20T19:00:00+08:00',
  });
const body = bodyFor(0);

async function bareBullmqAdd(redisUrl: string): Promise<{ rate: number; p99: number }> {
  const queue = new Queue(`bench-${randomUUID()}`, { connection: { url: redisUrl } });
  await queue.waitUntilReady();
  const latencies: number[] = [];
  const end = Date.now() + ACCEPT_SECONDS * 1000;
  const payload = JSON.parse(body) as object;
  const loop = async () => {
    while (Date.now() < end) {
      const t0 = performance.now();
      await queue.add('intake', payload);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: 50 }, loop));
  await queue.obliterate({ force: true });
  await queue.close();
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / ACCEPT_SECONDS, p99: percentile(latencies, 99) };
}

async function webAccept(url: string): Promise<{ rate: number; p99: number; non2xx: number }> {
  let n = 0;
  const result = await autocannon({
    url: `${url}/v1/intake/web`,
    connections: 50,
    duration: ACCEPT_SECONDS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // 10,000 citizens, as at a busy centre: each request a different caller in turn.
    requests: [{ setupRequest: (req) => ({ ...req, body: bodyFor(n++) }) }],
  });
  return { rate: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx + result.errors };
}

async function bareUnaryLoop(address: string, n: number): Promise<number> {
  const Client = grpc.makeGenericClientConstructor(serviceDefinition(INTAKE_SINK), 'IntakeSink');
  const client = new Client(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
  const intakes = Array.from({ length: n }, () => anIntake({ phone: '+8613812345678' }));
  let next = 0;
  const t0 = performance.now();
  const loop = async () => {
    while (next < intakes.length) {
      const intake = intakes[next++]!;
      await new Promise<void>((res, rej) =>
        client.Submit!.call(client, { intake }, (err: Error | null) => (err ? rej(err) : res())),
      );
    }
  };
  await Promise.all(Array.from({ length: 64 }, loop));
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  return n / seconds;
}

async function bareStream(address: string, n: number, batch: number): Promise<number> {
  const sink = new GrpcIntakeSink({ address, deadlineMs: 30_000 });
  const intakes = Array.from({ length: n }, () => anIntake({ phone: '+8613812345678' }));
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const r = await sink.submitBatch(intakes.slice(i, i + batch));
    if (r.error) throw r.error;
  }
  const seconds = (performance.now() - t0) / 1000;
  sink.close();
  return n / seconds;
}

export async function run(): Promise<void> {
  const redis = await startRedis({ appendonly: true, appendfsync: 'always' });
  const dir = mkdtempSync(join(tmpdir(), 'hg-bench-'));
  const corePort = await freePort();
  const core = spawnTs('src/dev-core/main.ts', {
    HOTLINE_DEV_CORE_PORT: String(corePort),
    HOTLINE_DEV_CORE_FILE: join(dir, 'core.jsonl'),
  });
  const httpPort = await freePort();
  const gwUrl = `http://127.0.0.1:${httpPort}`;
  const gateway = spawnTs('src/main.ts', {
    HOTLINE_REDIS_URL: redis.url,
    HOTLINE_CORE_ADDRESS: `127.0.0.1:${corePort}`,
    HOTLINE_HTTP_HOST: '127.0.0.1',
    HOTLINE_HTTP_PORT: String(httpPort),
    HOTLINE_DATA_DIR: dir,
  });
  try {
    await until(async () => (await fetch(`${gwUrl}/readyz`)).status === 200);

    console.log(`accept: ${ACCEPT_SECONDS} s each, 50 in flight, same redis-server (appendonly, fsync always); gateway and dev core in their own processes`);
    const baseline = await bareBullmqAdd(redis.url);
    const ours = await webAccept(gwUrl);
    console.log(ratioLine('web channel accept rate (HTTP → validated → durable in Redis)', ours.rate, baseline.rate, 'req/s', '≥ 40 %'));
    console.log(`  p99 accept latency: ${fmt(ours.p99, 1)} ms (goal < 25 ms); bare BullMQ add p99 ${fmt(baseline.p99, 1)} ms; non-2xx/errors: ${ours.non2xx}`);
    await until(async () => {
      const h = (await (await fetch(`${gwUrl}/healthz`)).json()) as { checks: { outbox: { depth: number } } };
      return h.checks.outbox.depth === 0;
    }, 120_000, 200);
    gateway.kill('SIGTERM');

    // Delivery, measured in this process for ours and for the baselines alike.
    const log = createLogger({ level: 'silent' });
    const r = redis.client();
    const outbox = new RedisIntakeOutbox(r, new RedisKeys(`bench-${randomUUID()}:`), {
      leaseMs: 30_000,
      idempotencyTtlSeconds: 3600,
      statusRetentionSeconds: 3600,
    });
    for (let i = 0; i < DELIVERY_N; i++) await outbox.enqueue(anIntake({ phone: `+86139${String(i % 5000).padStart(8, '0')}` }));
    const sink = new GrpcIntakeSink({ address: `127.0.0.1:${corePort}`, deadlineMs: 30_000 });
    const metrics = { accepted() {}, delivered() {}, failed() {} };
    const worker = new DeliveryWorker(outbox, sink, metrics, { batchSize: 200, idlePollMs: 5, retryMinMs: 50, retryMaxMs: 500 }, log);
    const t0 = performance.now();
    worker.start();
    await until(async () => (await outbox.stats()).depth === 0, 300_000, 5);
    const deliveryRate = DELIVERY_N / ((performance.now() - t0) / 1000);
    await worker.stop();
    sink.close();

    const unary = await bareUnaryLoop(`127.0.0.1:${corePort}`, 5000);
    const stream = await bareStream(`127.0.0.1:${corePort}`, DELIVERY_N, 200);
    console.log(`delivery: ${fmt(DELIVERY_N)} intakes queued in Redis, delivered to the dev core (its own process, fsync per write batch)`);
    console.log(ratioLine('outbox delivery rate vs bare gRPC unary loop (64 in flight)', deliveryRate, unary, 'intakes/s', '≥ 50 %'));
    console.log(ratioLine('outbox delivery rate vs bare SubmitStream of the same batches (no Redis)', deliveryRate, stream, 'intakes/s'));
  } finally {
    gateway.kill('SIGKILL');
    core.kill('SIGKILL');
    await redis.stop();
  }
}
