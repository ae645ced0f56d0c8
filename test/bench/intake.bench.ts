// Intake path benchmarks (issue 2):
//  1. HTTP accept rate of the web channel, 50 connections, vs bare BullMQ add with 50 in flight,
//     both on the same redis-server (append-only, fsync always: the embedded default); p99 accept
//     latency. Treated alike: the baseline adds jobs no worker takes, so ours is first measured
//     with no core to deliver to (the outbox keeps every intake; they are all delivered once the
//     core starts, which the run waits for), then again while the gateway delivers to the dev
//     core, whose own CPU shares this machine's cores (in production the core is elsewhere).
//     The load generator runs in this process, as the baseline's loop does.
//     Beside them, the floor (intake-floor-child.ts): a bare fastify route with the same body schema
//     making the same two Redis round trips (a read, a one-write script) — what HTTP and two round
//     trips alone cost here. Each phase also prints Redis's CPU per request and whether an AOF
//     rewrite (a fork, whose child competes for the same cores) ran during it, and the machine's idle
//     and steal shares (steal: CPU time the hypervisor gave other guests — a phase with much of it
//     ran on a slower machine).
//     HOTLINE_BENCH_GATEWAYS=N runs N gateway instances on the same Redis (as a centre scales
//     out behind a load balancer), the 50 connections spread across them; default 1.
//  2. Delivery rate from the Redis outbox to the dev core vs a bare gRPC unary loop (64 in flight)
//     and a bare SubmitStream of the same batches, against the same dev core process.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
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
import { cpuMs, fmt, httpLoad, machineShare, machineTicks, percentile, ratioLine, spawnTs, until } from './support.js';

const ACCEPT_SECONDS = 8;
const WARM_UP_SECONDS = 2;
const DELIVERY_N = 20_000;
const GATEWAYS = Math.max(1, Number(process.env.HOTLINE_BENCH_GATEWAYS ?? 1) || 1);

// 10,000 citizens, as at a busy centre: each request a different caller in turn (a run's own
// range of numbers, so the two runs of ours do not count against each other's limits).
const bodyFor = (i: number, prefix = '138') =>
  JSON.stringify({
    content: '小区东门的路灯已经坏了一个星期，晚上出行很不方便，希望尽快维修。',
    phone: `${prefix}${String(i % 10_000).padStart(8, '0')}`,
    location: '和平路88号小区东门',
    incidentTime: '2026-11-20T19:00:00+08:00',
  });
const body = bodyFor(0);

/** AOF rewrites (forks) Redis has started so far: one during a phase takes CPU from it. */
async function forks(redis: { client(): Redis }): Promise<number> {
  const c = redis.client();
  try {
    return Number(/total_forks:(\d+)/.exec(await c.info('stats'))?.[1] ?? NaN);
  } finally {
    c.disconnect();
  }
}

async function bareBullmqAdd(redisUrl: string): Promise<{ rate: number; p99: number; machine: string }> {
  const queue = new Queue(`bench-${randomUUID()}`, { connection: { url: redisUrl } });
  await queue.waitUntilReady();
  let latencies: number[] = [];
  let machine = machineTicks();
  // Warm-up (JIT), as ours gets below.
  setTimeout(() => {
    latencies = [];
    machine = machineTicks();
  }, WARM_UP_SECONDS * 1000).unref();
  const end = Date.now() + (WARM_UP_SECONDS + ACCEPT_SECONDS) * 1000;
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
  return { rate: latencies.length / ACCEPT_SECONDS, p99: percentile(latencies, 99), machine: machineShare(machine, machineTicks()) };
}

/** Ours: POST /v1/intake/web from 50 connections; CPU per accepted intake of each process. */
async function webAccept(port: number | readonly number[], prefix: string, pids: Record<string, number>) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const self = process.cpuUsage();
  const machine = machineTicks();
  const result = await httpLoad({
    port,
    path: '/v1/intake/web',
    connections: 50,
    seconds: ACCEPT_SECONDS,
    bodies: Array.from({ length: 10_000 }, (_, i) => bodyFor(i, prefix)),
  });
  const used = process.cpuUsage(self);
  const n = result.statuses[202] ?? 0;
  const spent = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (cpuMs(pid) - before[k]!) / n]));
  const perIntake = Object.entries(spent).map(([k, ms]) => `${k} ${fmt(ms, 3)}`);
  const instances = Object.keys(spent).filter((k) => k.startsWith('gateway '));
  if (instances.length > 1) perIntake.push(`gateways together ${fmt(instances.reduce((a, k) => a + spent[k]!, 0), 3)}`);
  perIntake.push(`load generator ${fmt((used.user + used.system) / 1000 / n, 3)}`);
  const refused = Object.entries(result.statuses).filter(([s]) => s !== '202').map(([s, c]) => `${c}×${s}`);
  return { ...result, cpu: `CPU ms per intake: ${perIntake.join(', ')}; ${machineShare(machine, machineTicks())}`, notAccepted: [...refused, ...(result.errors ? [`${result.errors} errors`] : [])].join(', ') || 'none' };
}

/** The floor: bare fastify + the same two Redis round trips, in its own process (intake-floor-child.ts). */
async function floorAccept(redisUrl: string, redisPid: number) {
  const child = fork(fileURLToPath(new URL('./intake-floor-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, FLOOR_REDIS_URL: redisUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
    const bodies = Array.from({ length: 10_000 }, (_, i) => bodyFor(i, '136'));
    await httpLoad({ port, path: '/v1/intake/web', connections: 50, seconds: 30, maxRequests: 4000, bodies });
    const before = { floor: cpuMs(child.pid!), redis: cpuMs(redisPid), machine: machineTicks() };
    const r = await httpLoad({ port, path: '/v1/intake/web', connections: 50, seconds: ACCEPT_SECONDS, bodies });
    const n = r.statuses[202] ?? 0;
    return { ...r, cpu: `CPU ms per request: floor ${fmt((cpuMs(child.pid!) - before.floor) / n, 3)}, redis ${fmt((cpuMs(redisPid) - before.redis) / n, 3)}; ${machineShare(before.machine, machineTicks())}` };
  } finally {
    child.kill();
  }
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
  const startCore = () =>
    spawnTs('src/dev-core/main.ts', {
      HOTLINE_DEV_CORE_PORT: String(corePort),
      HOTLINE_DEV_CORE_FILE: join(dir, 'core.jsonl'),
    });
  let core: ReturnType<typeof spawnTs> | undefined;
  const httpPorts: number[] = [];
  for (let i = 0; i < GATEWAYS; i++) httpPorts.push(await freePort());
  const gwUrl = `http://127.0.0.1:${httpPorts[0]}`;
  // The core's address is named but nothing listens there yet: the first run accepts with no delivery.
  const gateways = httpPorts.map((port, i) =>
    spawnTs('src/main.ts', {
      HOTLINE_REDIS_URL: redis.url,
      HOTLINE_CORE_ADDRESS: `127.0.0.1:${corePort}`,
      HOTLINE_HTTP_HOST: '127.0.0.1',
      HOTLINE_HTTP_PORT: String(port),
      HOTLINE_GRPC_PORT: '0',
      HOTLINE_DATA_DIR: join(dir, `gw${i}`),
    }),
  );
  const outboxDepth = async () => ((await (await fetch(`${gwUrl}/healthz`)).json()) as { checks: { outbox: { depth: number } } }).checks.outbox.depth;
  try {
    for (const port of httpPorts) await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);

    console.log(`accept: ${ACCEPT_SECONDS} s each, 50 in flight, same redis-server (appendonly, fsync always); ${GATEWAYS === 1 ? 'gateway in its own process' : `${GATEWAYS} gateway instances, each its own process`}, load generator in this one`);
    const f0 = await forks(redis);
    const redisBefore = cpuMs(redis.pid);
    const baseline = await bareBullmqAdd(redis.url);
    const f1 = await forks(redis);
    console.log(`  bare BullMQ add: Redis CPU ms per add ${fmt((cpuMs(redis.pid) - redisBefore) / (baseline.rate * (ACCEPT_SECONDS + WARM_UP_SECONDS)), 3)} (warm-up included); AOF rewrites during it: ${f1 - f0}; ${baseline.machine}`);
    const pids: Record<string, number> = { redis: redis.pid };
    gateways.forEach((g, i) => (pids[GATEWAYS === 1 ? 'gateway' : `gateway ${i + 1}`] = g.pid!));
    // Warm-up (JIT): a few thousand requests of a third range of citizens.
    await httpLoad({ port: httpPorts, path: '/v1/intake/web', connections: 50, seconds: 30, maxRequests: 4000, bodies: Array.from({ length: 10_000 }, (_, i) => bodyFor(i, '137')) });
    const f2 = await forks(redis);
    const alone = await webAccept(httpPorts, '138', pids);
    const f3 = await forks(redis);
    console.log(ratioLine('web channel accept rate, no core to deliver to (HTTP → validated → rules → limits → durable in Redis)', alone.rate, baseline.rate, 'req/s', '≥ 40 %'));
    console.log(`  p99 accept latency: ${fmt(alone.p99, 1)} ms (goal < 25 ms), p50 ${fmt(alone.p50, 1)} ms; bare BullMQ add p99 ${fmt(baseline.p99, 1)} ms; not 202: ${alone.notAccepted}`);
    console.log(`  ${alone.cpu}; AOF rewrites during it: ${f3 - f2}`);
    const floor = await floorAccept(redis.url, redis.pid);
    const f4 = await forks(redis);
    console.log(ratioLine('floor: bare fastify, same body schema, the same two Redis round trips, 202', floor.rate, baseline.rate, 'req/s'));
    console.log(`  p99 ${fmt(floor.p99, 1)} ms, p50 ${fmt(floor.p50, 1)} ms; ${floor.cpu}; AOF rewrites during it: ${f4 - f3}; ours = ${fmt((100 * alone.rate) / floor.rate, 1)} % of the floor`);
    core = startCore();
    await until(async () => (await outboxDepth()) === 0, 180_000, 200);
    const delivering = await webAccept(httpPorts, '139', { ...pids, core: core.pid! });
    console.log(ratioLine('web channel accept rate while delivering to the dev core on the same cores', delivering.rate, baseline.rate, 'req/s', '≥ 40 %'));
    console.log(`  p99 accept latency: ${fmt(delivering.p99, 1)} ms (goal < 25 ms), p50 ${fmt(delivering.p50, 1)} ms; not 202: ${delivering.notAccepted}`);
    console.log(`  ${delivering.cpu}`);
    await until(async () => (await outboxDepth()) === 0, 180_000, 200);
    for (const g of gateways) g.kill('SIGTERM');

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
    for (const g of gateways) g.kill('SIGKILL');
    core?.kill('SIGKILL');
    await redis.stop();
  }
}
