// Composition of busy-time and keep-my-place callbacks (issue 6): part of the composition root,
// kept in its own file so gateway.ts stays readable. The desk places the attempts (agent first,
// then the citizen); this builds the store, the durable job per callback, the citizen's leg and
// the idle-time tick.
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { IvrConfig } from '../config/ivr.js';
import type { Logger } from '../log/logger.js';
import { callbackPolicy } from '../core/callbacks/idle-dialling.js';
import { callerCitizenKey } from '../core/intake/citizen-key.js';
import type { Acd } from '../core/ports/acd.js';
import type { CallCenterFigures } from '../core/ports/figures.js';
import type { CallStore } from '../core/ports/call-records.js';
import type { CallRecorder } from '../services/call-recorder.js';
import type { Clock } from '../core/ports/schedule.js';
import type { CallInfo, Switch } from '../core/ports/switch.js';
import type { HealthCheck } from '../adapters/http/routes/operations.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { RedisCallbackStore } from '../adapters/redis/redis-callback-store.js';
import { BullmqKeyedSchedule } from '../adapters/queue/bullmq-keyed-schedule.js';
import { CallbackService, type CallbackPlacer } from '../services/callback-service.js';
import type { SwitchCallbackCaller } from '../services/callback-call.js';
import { composeCallbackCaller } from './callback-call.js';

export interface CallbacksDeps {
  config: Config;
  ivr: IvrConfig;
  redis: Redis;
  redisUrl: string;
  keys: RedisKeys;
  switches: readonly Switch[];
  acd: Acd;
  queues: readonly string[];
  figures: CallCenterFigures;
  calls: CallStore;
  /** Where each callback attempt's call-detail record goes. */
  callRecords: CallRecorder;
  /** The desk of this instance (bound late: it is composed with this module's hooks). */
  placer: () => CallbackPlacer | undefined;
  instanceId: string;
  clock?: Clock;
  log: Logger;
}

export interface ComposedCallbacks {
  service: CallbackService;
  caller: SwitchCallbackCaller;
  /** What the desk tells: an agent connected with a live caller; a dispatch round ran. */
  hooks: { caller: SwitchCallbackCaller; connected: (info: CallInfo) => void; dispatched: () => void };
  /** Starts the jobs and the idle-time tick (after the desk started). */
  start(): void;
  check: HealthCheck;
  describe(): string;
  /** force: leave running callback jobs to be taken over by another gateway (tests of a crash). */
  stop(force?: boolean): Promise<void>;
}

export function composeCallbacks(d: CallbacksDeps): ComposedCallbacks {
  const { config, keys } = d;
  const c = config.callbacks;
  const clock = d.clock ?? { now: () => Date.now() };
  const log = d.log.child({ component: 'callbacks' });
  const store = new RedisCallbackStore(d.redis, keys, { retentionMs: c.retentionDays * 24 * 3600_000 });
  const bound: { service?: CallbackService } = {};
  const schedule = new BullmqKeyedSchedule({
    redisUrl: d.redisUrl,
    prefix: keys.bullPrefix,
    queueName: 'callbacks',
    jobPrefix: 'callback',
    what: 'callback',
    clock,
    process: (id) => bound.service!.process(id),
    concurrency: c.placing.concurrency,
    lockDurationMs: c.placing.lockMs,
    stalledIntervalMs: c.placing.lockMs,
    log,
  });
  const service = (bound.service = new CallbackService({
    store,
    schedule,
    acd: d.acd,
    figures: d.figures,
    placer: d.placer,
    policy: callbackPolicy(c),
    queues: d.queues,
    readyPerQueue: c.placing.readyPerQueue,
    watchMs: c.placing.watchMs,
    instanceId: d.instanceId,
    attemptRecords: { recorder: d.callRecords, callerIdNumber: c.call.callerId },
    clock,
    log,
  }));
  const caller = composeCallbackCaller({ config, ivr: d.ivr, switches: d.switches, calls: d.calls, callRecords: d.callRecords, log: d.log });
  let timer: NodeJS.Timeout | undefined;
  return {
    service,
    caller,
    hooks: {
      caller,
      connected: (info) => void service.gotThrough(callerCitizenKey(info.caller, info.callId)).catch((err: unknown) => log.warn({ err }, 'callback not cancelled after the citizen got through')),
      dispatched: () => service.nudge(),
    },
    start() {
      schedule.start();
      timer ??= setInterval(() => service.nudge(), c.placing.tickMs);
      timer.unref?.();
    },
    check: {
      name: 'callbacks',
      critical: false,
      async check() {
        const [counts, jobs, inFlight] = await Promise.all([store.counts(), schedule.counts(), store.inFlight()]);
        return { ok: true, pending: counts.pending, inFlight, overdue: counts.overdue, jobsActive: jobs.active ?? 0 };
      },
    },
    describe: () => `callbacks ${c.window.start}–${c.window.end} ${c.window.timeZone}, idle at ≤${c.idle.maxWaiting} waiting and ≥${c.idle.minFreeAgents} agents free`,
    async stop(force = false) {
      clearInterval(timer);
      timer = undefined;
      await service.stop();
      await schedule.close(force);
      caller.close();
    },
  };
}
