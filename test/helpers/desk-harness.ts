import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIvrConfig } from '../../src/config/ivr.js';
import { loadIntakeRules } from '../../src/config/intake-rules.js';
import type { AcdPolicy, QueueDef } from '../../src/core/acd/model.js';
import { IvrMachine } from '../../src/core/ivr/machine.js';
import type { IvrFlow } from '../../src/core/ivr/flow.js';
import type { Acd } from '../../src/core/ports/acd.js';
import type { AgentProfile, DeskNotice, DeskResult } from '../../src/core/ports/desk.js';
import type { IntakeMetrics } from '../../src/core/ports/intake-metrics.js';
import { compileIntakeRules } from '../../src/core/rules/intake-rules.js';
import { SimulatedSwitch } from '../../src/adapters/simulated/simulated-switch.js';
import { InMemoryAbuseLimits } from '../../src/adapters/memory/in-memory-abuse-limits.js';
import { RedisKeys } from '../../src/adapters/redis/keys.js';
import { callbackServiceFor } from './callbacks.js';
import { RedisCallStore } from '../../src/adapters/redis/redis-call-store.js';
import { RedisCallRecordOutbox } from '../../src/adapters/redis/redis-call-record-outbox.js';
import { RedisDeskBus } from '../../src/adapters/redis/redis-desk-bus.js';
import { RedisDeskStore } from '../../src/adapters/redis/redis-desk-store.js';
import { RedisIntakeOutbox } from '../../src/adapters/redis/redis-intake-outbox.js';
import { RedisRecentIntakes } from '../../src/adapters/redis/redis-recent-intakes.js';
import { GrpcCallRecordSink, GrpcWorkOrderQuery } from '../../src/adapters/grpc/grpc-call-records.js';
import { GrpcIntakeSink } from '../../src/adapters/grpc/grpc-intake-sink.js';
import { DevCore } from '../../src/dev-core/dev-core.js';
import { IvrRunner } from '../../src/services/ivr-runner.js';
import { CallRecordWorker } from '../../src/services/call-record-worker.js';
import { DeliveryWorker } from '../../src/services/delivery-worker.js';
import { IntakeAcceptor } from '../../src/services/intake-acceptor.js';
import { IntakeRulesJudge } from '../../src/services/intake-rules-judge.js';
import { AgentDesk } from '../../src/services/desk/agent-desk.js';
import { CallControl } from '../../src/services/desk/call-control.js';
import { WEEKDAYS, type Directory } from '../../src/core/desk/directory.js';
import { RedisAcd } from '../../src/adapters/redis/redis-acd.js';
import { MemoryFigures } from '../doubles/memory-figures.js';
import { silentLogger } from './logger.js';
import { startRedis, type TestRedis } from './redis-server.js';
import { callRecorder } from '../../src/services/call-recorder.js';

const noMetrics: IntakeMetrics = { accepted: () => undefined, delivered: () => undefined, failed: () => undefined };

/** A fixed line open round the clock (so the test does not depend on the hour) and a sub-centre line. */
export const TEST_DIRECTORY: Directory = {
  units: [{ id: 'city-water', name: '市水务局', number: '03962345678', onDuty: '王工', hours: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ from: 0, to: 1440 }]])), closedDates: [], trunk: 'carrier' }],
  lines: [{ number: '12348', name: '法律服务热线', trunk: 'carrier' }],
};

export const TEST_QUEUES: QueueDef[] = [
  { id: 'general', name: '综合', kind: 'general', skill: 'general', tiers: [{ afterSec: 0, maxLevel: 1 }, { afterSec: 2, maxLevel: 5 }], announceEverySec: 60, callbackOfferAfterSec: 120 },
  { id: 'enterprise', name: '营商环境专席', kind: 'enterprise', skill: 'enterprise', tiers: [{ afterSec: 0, maxLevel: 1 }], overflow: { afterSec: 30, to: 'general' }, announceEverySec: 60, callbackOfferAfterSec: 120 },
  { id: 'counselling', name: '心理服务专线', kind: 'counselling', skill: 'counselling', tiers: [{ afterSec: 0, maxLevel: 1 }], announceEverySec: 60, callbackOfferAfterSec: 120 },
];

/** One gateway instance's desk part: its own switch (its own calls), desk, and bus on the shared Redis. */
export interface DeskInstance {
  id: string;
  sim: SimulatedSwitch;
  desk: AgentDesk;
  runner: IvrRunner;
}

export interface DeskHarness {
  a: DeskInstance;
  b: DeskInstance;
  acd: Acd;
  figures: MemoryFigures;
  devCore: DevCore;
  store: RedisDeskStore;
  intakesFile: string;
  /** The intake lines the dev core stored (proto3 JSON). */
  intakes(): { workOrderId: string; intake: Record<string, unknown> }[];
  cdrLines(callId: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export interface DeskHarnessOptions {
  /** Where the screen pop asks (default: the dev core); a dead or slow address tests the deadline. */
  queryAddress?: string;
  offerTimeoutMs?: number;
  wrapUpSec?: number;
  screenPopDeadlineMs?: number;
  tickMs?: number;
}

/**
 * Two gateway instances' desks on one real redis-server, the real dev core over gRPC (screen pop,
 * intakes through the outbox, call records), the IVR on instance A's simulated switch. The ACD is
 * shared, as the one Redis store both instances would use.
 */
export async function startDesks(redis: TestRedis, options: DeskHarnessOptions = {}): Promise<DeskHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'hg-desk-'));
  const log = silentLogger();
  const keys = new RedisKeys(`t-${randomUUID().slice(0, 8)}:`);
  const intakesFile = join(dir, 'intakes.jsonl');
  const callsFile = join(dir, 'calls.jsonl');
  const devCore = new DevCore({ intakesFile, callsFile, log });
  const address = await devCore.start('127.0.0.1', 0);
  const grpc = { address, deadlineMs: 5000 };
  const query = new GrpcWorkOrderQuery({ ...grpc, ...(options.queryAddress ? { address: options.queryAddress } : {}), queryDeadlineMs: 1000 });
  const intakeSink = new GrpcIntakeSink(grpc);
  const cdrSink = new GrpcCallRecordSink(grpc);
  const client = redis.client();
  const outbox = new RedisIntakeOutbox(client, keys, { leaseMs: 5000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 });
  const outboxCfg = { batchSize: 50, idlePollMs: 50, retryMinMs: 50, retryMaxMs: 500 };
  const delivery = new DeliveryWorker(outbox, intakeSink, noMetrics, outboxCfg, log);
  const judge = new IntakeRulesJudge(compileIntakeRules(loadIntakeRules()), new RedisRecentIntakes(client, keys, { maxPerCitizen: 50 }));
  const acceptor = new IntakeAcceptor(outbox, noMetrics, judge.judge, () => delivery.wake(), undefined, { onStored: judge.stored });
  const callRecords = new RedisCallRecordOutbox(client, keys, { leaseMs: 5000, idempotencyTtlSeconds: 3600, statusRetentionSeconds: 3600 });
  const cdrWorker = new CallRecordWorker(callRecords, cdrSink, outboxCfg, log);
  const store = new RedisDeskStore(client, keys, 3600);
  const figures = new MemoryFigures();
  const policy: AcdPolicy = {
    general: 'general',
    queues: new Map(TEST_QUEUES.map((q) => [q.id, q])),
    leaderDuty: {},
    offerTimeoutMs: options.offerTimeoutMs ?? 1500,
    wrapUpMs: (options.wrapUpSec ?? 1) * 1000,
    afterMissedOffer: 'not-ready',
    estimate: { recentCalls: 20, defaultHandleSec: 240 },
  };
  const acd = new RedisAcd(client, keys, policy);
  // Callbacks the IVR asks for (no desk here places them: the callbacks tests do).
  const callbacks = callbackServiceFor(redis.url, client, keys, acd);
  const ivr = loadIvrConfig('config/ivr.yaml');
  const flow: IvrFlow = { ...ivr.flow };

  const instance = async (name: string): Promise<DeskInstance> => {
    const id = `${name}-${randomUUID().slice(0, 8)}`;
    const sim = new SimulatedSwitch({ id: `sim-${name}`, mediaDurationMs: () => 100, noAnswerAfterMs: 100 });
    const calls = new RedisCallStore(client, keys, { factRetentionSeconds: 3600 });
    const desk = new AgentDesk({
      instanceId: id,
      switches: [sim],
      acd,
      store,
      bus: new RedisDeskBus(redis.client(), keys, id, log),
      figures,
      query,
      acceptor,
      policy,
      desk: { agentLegTimeoutSec: 2, commandTimeoutMs: 2000, screenPopDeadlineMs: options.screenPopDeadlineMs ?? 500, screenPopIntakes: 5, tickMs: options.tickMs ?? 200 },
      holdMedia: 'hold-music',
      requeue: (callId, queue) => runner.requeue(callId, queue),
      callControl: (sw) => new CallControl({ switch: sw, calls, intakes: acceptor, directory: TEST_DIRECTORY, emergency: ivr.emergency, holdMusic: 'hold-music', log }),
      log,
    });
    // The desk's requeue reaches the runner built just after it (called only once calls run).
    const runner: IvrRunner = new IvrRunner({
      switch: sim,
      machine: new IvrMachine(flow),
      abuseLimits: new InMemoryAbuseLimits(),
      acd,
      acdPolicy: policy,
      instanceId: id,
      callbackOffer: true,
      onQueue: (e) => desk.queueEvent(e),
      callbacks: callbacks.service,
      query,
      calls,
      callRecords: callRecorder(callRecords, () => cdrWorker.wake()),
      emergency: ivr.emergency,
      recordingsDir: join(dir, 'recordings'),
      media: (m) => m,
      log,
      recordingWaitMs: 2000,
    });
    await desk.start();
    runner.start();
    return { id, sim, desk, runner };
  };
  const a = await instance('A');
  const b = await instance('B');
  delivery.start();
  cdrWorker.start();

  const lines = (file: string) => {
    try {
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return [];
    }
  };
  return {
    a,
    b,
    acd,
    figures,
    devCore,
    store,
    intakesFile,
    intakes: () => lines(intakesFile) as { workOrderId: string; intake: Record<string, unknown> }[],
    async cdrLines(callId) {
      const until = Date.now() + 10_000;
      for (;;) {
        const mine = lines(callsFile).map((l) => l.record as Record<string, unknown>).filter((r) => r.callId === callId);
        if (mine.length) return mine;
        if (Date.now() > until) throw new Error(`no call record for ${callId}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      for (const i of [a, b]) {
        for (const c of await i.sim.liveCalls()) await i.sim.hangup(c.callId);
        await i.sim.flush();
        await i.runner.drain();
        i.runner.stop();
        await i.desk.stop();
      }
      await callbacks.close();
      await delivery.stop();
      await cdrWorker.stop();
      query.close();
      intakeSink.close();
      cdrSink.close();
      await devCore.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an agent's desktop received, with waiting for a notice. */
export class NoticeLog {
  readonly notices: DeskNotice[] = [];
  private waiters: Array<() => void> = [];
  readonly unsubscribe: () => void;

  constructor(desk: AgentDesk, agentId: string) {
    this.unsubscribe = desk.subscribe(agentId, (n) => {
      this.notices.push(n);
      for (const w of [...this.waiters]) w();
    });
  }

  /** Resolves with the first notice (from `from` on) matching; fails after timeoutMs. */
  waitFor<T extends DeskNotice['type']>(type: T, match: (n: Extract<DeskNotice, { type: T }>) => boolean = () => true, timeoutMs = 8000, from = 0): Promise<Extract<DeskNotice, { type: T }>> {
    const find = () => this.notices.slice(from).find((n): n is Extract<DeskNotice, { type: T }> => n.type === type && match(n as Extract<DeskNotice, { type: T }>));
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`no ${type} notice in time; got ${JSON.stringify(this.notices.map((n) => (n.type === 'agent.state' ? `state:${n.status.state}` : n.type)))}`));
      }, timeoutMs);
      const check = () => {
        const f = find();
        if (!f) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(f);
      };
      this.waiters.push(check);
    });
  }

  states(): string[] {
    return this.notices.flatMap((n) => (n.type === 'agent.state' ? [n.status.state] : []));
  }
}

export function agent(agentId: string, skills: Record<string, number> = { general: 1 }): AgentProfile {
  return { agentId, name: `座席${agentId}`, skills, endpoint: { kind: 'user', user: agentId } };
}

/** A test file's desks: one redis-server for the file, each test's harness stopped after it. */
export function deskSuite(): { start(options?: DeskHarnessOptions): Promise<DeskHarness> } {
  let redis: TestRedis | undefined;
  let current: DeskHarness | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    async start(options) {
      current = await startDesks(redis!, options);
      return current;
    },
  };
}

/** The detail of a command that must have succeeded (its code and message otherwise). */
export function detailOf(result: DeskResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`command failed: ${result.code} ${result.message}`);
  return result.detail ?? {};
}
