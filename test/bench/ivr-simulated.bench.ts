// How many concurrent calls one process carries through the IVR on the simulated switch, with
// real Redis (queue places in the ACD, facts, recording metadata, the CDR outbox) and real WAV files.
// Baseline, measured in the same run: the same number of Redis round trips issued by bare
// ioredis at the same concurrency — so the ratio is what the IVR machinery costs beyond Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadIvrConfig } from '../../src/config/ivr.js';
import { IvrMachine } from '../../src/core/ivr/machine.js';
import { SimulatedSwitch, type VirtualCaller } from '../../src/adapters/simulated/simulated-switch.js';
import { InMemoryAbuseLimits } from '../../src/adapters/memory/in-memory-abuse-limits.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { acdPolicy } from '../../src/config/acd.js';
import { loadConfig } from '../../src/config/load.js';
import { callbackServiceFor } from '../helpers/callbacks.js';
import { RedisCallStore } from '../../src/adapters/redis/redis-call-store.js';
import { RedisCallRecordOutbox } from '../../src/adapters/redis/redis-call-record-outbox.js';
import { IvrRunner } from '../../src/services/ivr-runner.js';
import { startRedis } from '../helpers/redis-server.js';
import { silentLogger } from '../helpers/logger.js';
import { callRecorder } from '../../src/services/call-recorder.js';

const CALLS = 2000;
const PROMPT_MS = 200;

async function commands(r: Redis): Promise<number> {
  const info = await r.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
}

export async function run(): Promise<void> {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'hg-bench-ivr-'));
  try {
    const client = redis.client();
    const probe = redis.client();
    const keys = new RedisKeys('bench:');
    const ivr = loadIvrConfig('config/ivr.yaml');
    const sim = new SimulatedSwitch({ mediaDurationMs: () => PROMPT_MS });
    const policy = acdPolicy(loadConfig({}).config.acd);
    const callbacks = callbackServiceFor(redis.url, client, keys, new RedisAcd(client, keys, policy));
    const runner = new IvrRunner({
      switch: sim,
      machine: new IvrMachine(ivr.flow),
      abuseLimits: new InMemoryAbuseLimits(),
      acd: new RedisAcd(client, keys, policy),
      acdPolicy: policy,
      instanceId: 'bench',
      callbackOffer: true,
      callbacks: callbacks.service,
      query: { progress: async () => ({ found: false }) },
      calls: new RedisCallStore(client, keys, { factRetentionSeconds: 600 }),
      callRecords: callRecorder(new RedisCallRecordOutbox(client, keys, { leaseMs: 30000, idempotencyTtlSeconds: 600, statusRetentionSeconds: 600 })),
      emergency: ivr.emergency,
      recordingsDir: join(dir, 'rec'),
      media: (id) => id,
      log: silentLogger(),
    });
    runner.start();

    const before = await commands(probe);
    const t0 = performance.now();
    const toHold: number[] = [];
    const callers: VirtualCaller[] = [];
    for (let i = 0; i < CALLS; i++) callers.push(sim.placeCall({ caller: `1390000${String(i).padStart(4, '0')}` }));
    await Promise.all(
      callers.map(async (c) => {
        await c.waitForMedia('holdMusic', { timeoutMs: 60_000 });
        toHold.push(performance.now() - t0 - PROMPT_MS); // time the IVR added around the welcome
      }),
    );
    const holdMs = performance.now() - t0;
    const h0 = performance.now();
    await Promise.all(callers.map((c) => c.hangup()));
    await sim.flush();
    await runner.drain();
    const hangupMs = performance.now() - h0;
    const ivrMs = performance.now() - t0;
    const perCall = ((await commands(probe)) - before - 1) / CALLS;
    const depth = (await new RedisCallRecordOutbox(client, keys, { leaseMs: 1, idempotencyTtlSeconds: 1, statusRetentionSeconds: 1 }).stats()).depth;

    // Baseline: the same number of round trips per call, each call's in sequence, all calls at once.
    const bare = new Redis(redis.url);
    const b0 = performance.now();
    const rounds = Math.round(perCall);
    await Promise.all(
      Array.from({ length: CALLS }, async () => {
        for (let i = 0; i < rounds; i++) await bare.ping();
      }),
    );
    const bareMs = performance.now() - b0;
    bare.disconnect();

    toHold.sort((a, b) => a - b);
    const p = (q: number) => toHold[Math.min(toHold.length - 1, Math.floor(q * toHold.length))]!.toFixed(1);
    process.stdout.write(
      [
        `ivr-simulated: ${CALLS} concurrent calls through welcome → hold → hang-up → recording + CDR queued (${depth} CDRs in the outbox)`,
        `  IVR: ${ivrMs.toFixed(0)} ms for all calls: ${holdMs.toFixed(0)} ms until every caller held a place with hold music, ${hangupMs.toFixed(0)} ms for all hang-ups (WAV written, sha256, metadata, CDR queued); ${perCall.toFixed(1)} Redis commands per call`,
        `  time the IVR adds before hold music (beyond the ${PROMPT_MS} ms welcome): p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`,
        `  baseline: the same ${rounds} round trips per call on bare ioredis: ${bareMs.toFixed(0)} ms`,
        `  ratio IVR / bare Redis round trips: ${(ivrMs / bareMs).toFixed(2)} (1.00 = the IVR costs nothing beyond its Redis traffic; includes ${PROMPT_MS} ms of prompt)`,
      ].join('\n') + '\n',
    );
    runner.stop();
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
