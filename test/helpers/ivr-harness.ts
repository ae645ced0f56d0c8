import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadIvrConfig } from '../../src/config/ivr.js';
import { IvrMachine } from '../../src/core/ivr/machine.js';
import type { IvrFlow } from '../../src/core/ivr/flow.js';
import { SimulatedSwitch } from '../../src/adapters/simulated/simulated-switch.js';
import { InMemoryAbuseLimits } from '../../src/adapters/memory/in-memory-abuse-limits.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { acdPolicy } from '../../src/config/acd.js';
import { loadConfig } from '../../src/config/load.js';
import type { AcdPolicy, QueueDef } from '../../src/core/acd/model.js';
import type { QueueEvent } from '../../src/services/ivr-runner.js';
import type { RedisCallbackStore } from '../../src/adapters/redis/redis-callback-store.js';
import type { CallbackService } from '../../src/services/callback-service.js';
import { callbackServiceFor } from './callbacks.js';
import { RedisCallStore } from '../../src/adapters/redis/redis-call-store.js';
import { RedisCallRecordOutbox } from '../../src/adapters/redis/redis-call-record-outbox.js';
import { GrpcCallRecordSink, GrpcWorkOrderQuery } from '../../src/adapters/grpc/grpc-call-records.js';
import { GrpcIntakeSink } from '../../src/adapters/grpc/grpc-intake-sink.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { IvrRunner } from '../../src/services/ivr-runner.js';
import { CallRecordWorker } from '../../src/services/call-record-worker.js';
import { silentLogger } from './logger.js';
import type { TestRedis } from './redis-server.js';
import { callRecorder } from '../../src/services/call-recorder.js';

export interface IvrHarness {
  sim: SimulatedSwitch;
  runner: IvrRunner;
  limits: InMemoryAbuseLimits;
  acd: RedisAcd;
  acdPolicy: AcdPolicy;
  /** What the runner told the desk about queue moves, in order. */
  queueEvents: QueueEvent[];
  /** Call ids waiting in a queue, in serving order. */
  waiting(queue: string): Promise<string[]>;
  /** Callbacks the IVR asked for (the service; no desk places them here) and their store. */
  callbacks: CallbackService;
  callbackStore: RedisCallbackStore;
  calls: RedisCallStore;
  callRecords: RedisCallRecordOutbox;
  devCore: DevCore;
  intakeSink: GrpcIntakeSink;
  callsFile: string;
  /** Where the dev core stores the intakes it received. */
  intakesFile: string;
  recordingsDir: string;
  /** The CDR lines the dev core stored for this call (waits until there is at least one). */
  cdrLines(callId: string, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * The IVR on the simulated switch with every real part around it: Redis (its own prefix), the dev
 * core over real gRPC (progress queries, call records), the CDR outbox and its worker. Prompts
 * last `promptMs`; the flow is config/ivr.yaml with shorter timeouts.
 */
export async function startIvr(
  redis: TestRedis,
  options: { promptMs?: number; flow?: Partial<IvrFlow>; queryAddress?: string; queues?: Record<string, Partial<QueueDef>> } = {},
): Promise<IvrHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'hg-ivr-'));
  const log = silentLogger();
  const client = redis.client();
  const keys = new RedisKeys(`t-${randomUUID().slice(0, 8)}:`);
  const callsFile = join(dir, 'calls.jsonl');
  const intakesFile = join(dir, 'intakes.jsonl');
  const recordingsDir = join(dir, 'recordings');
  const devCore = new DevCore({ intakesFile, callsFile, log });
  const address = await devCore.start('127.0.0.1', 0);
  const grpcOptions = { address, deadlineMs: 5000 };
  const query = new GrpcWorkOrderQuery({ ...grpcOptions, ...(options.queryAddress ? { address: options.queryAddress } : {}), queryDeadlineMs: 1000 });
  const sink = new GrpcCallRecordSink(grpcOptions);
  const intakeSink = new GrpcIntakeSink(grpcOptions);
  const callRecords = new RedisCallRecordOutbox(client, keys, { leaseMs: 5000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 });
  const worker = new CallRecordWorker(callRecords, sink, { batchSize: 50, idlePollMs: 50, retryMinMs: 50, retryMaxMs: 500 }, log);
  const ivr = loadIvrConfig('config/ivr.yaml');
  const flow: IvrFlow = {
    ...ivr.flow,
    emergency: { ...ivr.flow.emergency, selectTimeoutMs: 600 },
    progress: { ...ivr.flow.progress, timeoutMs: 700, interDigitTimeoutMs: 500 },
    ...options.flow,
  };
  const promptMs = options.promptMs ?? 150;
  const sim = new SimulatedSwitch({ id: 'sim-test', mediaDurationMs: () => promptMs, noAnswerAfterMs: 100 });
  const limits = new InMemoryAbuseLimits();
  // The shipped queues (config/default.yaml), with the test's changes (shorter intervals …).
  const base = acdPolicy(loadConfig({}).config.acd);
  const acdPolicyUsed: AcdPolicy = {
    ...base,
    queues: new Map([
      ...[...base.queues].map(([id, q]): [string, QueueDef] => [id, { ...q, ...options.queues?.[id] }]),
      // Queues the shipped config lacks (a sub-centre line …): the general queue's settings, changed.
      ...Object.entries(options.queues ?? {})
        .filter(([id]) => !base.queues.has(id))
        .map(([id, q]): [string, QueueDef] => [id, { ...base.queues.get(base.general)!, id, name: id, skill: id, ...q }]),
    ]),
  };
  const acd = new RedisAcd(client, keys, acdPolicyUsed);
  const queueEvents: QueueEvent[] = [];
  const cb = callbackServiceFor(redis.url, client, keys, acd);
  const callbacks = cb.service;
  const calls = new RedisCallStore(client, keys, { factRetentionSeconds: 3600 });
  const runner = new IvrRunner({
    switch: sim,
    machine: new IvrMachine(flow),
    abuseLimits: limits,
    acd,
    acdPolicy: acdPolicyUsed,
    instanceId: 'gw-test',
    callbackOffer: true,
    onQueue: (e) => queueEvents.push(e),
    callbacks,
    query,
    calls,
    callRecords: callRecorder(callRecords, () => worker.wake()),
    emergency: ivr.emergency,
    recordingsDir,
    media: (id) => id,
    log,
  });
  runner.start();
  worker.start();

  const lines = () => {
    let text: string;
    try {
      text = readFileSync(callsFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { record: Record<string, unknown> });
  };
  return {
    sim,
    runner,
    limits,
    acd,
    acdPolicy: acdPolicyUsed,
    queueEvents,
    async waiting(queue) {
      return (await acd.waiting(queue)).map((c) => c.callId);
    },
    callbacks,
    callbackStore: cb.store,
    calls,
    callRecords,
    devCore,
    intakeSink,
    callsFile,
    intakesFile,
    recordingsDir,
    async cdrLines(callId, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const mine = lines().filter((l) => l.record.callId === callId);
        if (mine.length > 0) return mine.map((l) => l.record);
        if (Date.now() > until) throw new Error(`no call record for ${callId} in ${callsFile}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      // Calls still up are hung up while the runner listens, so their sessions finish and drain returns.
      for (const c of await sim.liveCalls()) await sim.hangup(c.callId);
      await sim.flush();
      await runner.drain();
      runner.stop();
      await worker.stop();
      await cb.close();
      query.close();
      sink.close();
      intakeSink.close();
      await devCore.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
