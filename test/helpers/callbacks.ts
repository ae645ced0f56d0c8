import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.js';
import { callbackPolicy } from '../../src/core/callbacks/idle-dialling.js';
import type { Acd } from '../../src/core/ports/acd.js';
import type { RedisKeys } from '../../src/adapters/redis/keys.js';
import { RedisCallbackStore } from '../../src/adapters/redis/redis-callback-store.js';
import { RedisCallCenterFigures } from '../../src/adapters/redis/redis-call-center-figures.js';
import { BullmqKeyedSchedule } from '../../src/adapters/queue/bullmq-keyed-schedule.js';
import { CallbackService } from '../../src/services/callback-service.js';
import { silentLogger } from './logger.js';
import type { RunningGateway } from '../../src/app/gateway.js';
import type { DeskNotice } from '../../src/core/ports/desk.js';

/**
 * A time zone in which it is around midday now, so a test's calling window (00:00–23:59 there)
 * is open for hours whenever the test runs (Etc/GMT-8 is UTC+8).
 */
export function allDayZone(now = Date.now()): string {
  const k = 12 - new Date(now).getUTCHours(); // local hour ≈ 12
  return k === 0 ? 'Etc/GMT' : k > 0 ? `Etc/GMT-${k}` : `Etc/GMT+${-k}`;
}

export interface Robot {
  agentId: string;
  /** How long the agent talks before hanging up (may be changed as the test goes). */
  talkMs: number;
  /** Calls this agent answered, in order (callback attempts included). */
  answered: string[];
  notices: DeskNotice[];
  stop(): void;
}

/** An agent logged in to the in-process desk who answers every offer and hangs up after talkMs. */
export async function robotAgent(gw: RunningGateway, agentId: string, talkMs: number, skills: Record<string, number> = { general: 1 }): Promise<Robot> {
  const robot: Robot = { agentId, talkMs, answered: [], notices: [], stop: () => off() };
  const off = gw.desk.subscribe(agentId, (n) => {
    robot.notices.push(n);
    if (n.type !== 'offer') return;
    void gw.desk.command(agentId, { type: 'call.answer', callId: n.callId }).then((r) => {
      if (!r.ok) return;
      robot.answered.push(n.callId);
      setTimeout(() => void gw.desk.command(agentId, { type: 'call.hangup', callId: n.callId }), robot.talkMs).unref();
    });
  });
  await gw.desk.login({ agentId, name: `坐席${agentId}`, skills, endpoint: { kind: 'user', user: agentId } });
  return robot;
}

/**
 * The callback service as the IVR harnesses use it: the real store and BullMQ schedule on the
 * test's redis-server (jobs are added, not run: no desk places them), the shipped policy.
 */
export function callbackServiceFor(redisUrl: string, client: Redis, keys: RedisKeys, acd: Acd): { service: CallbackService; store: RedisCallbackStore; close(): Promise<void> } {
  const config = loadConfig({}).config;
  const clock = { now: () => Date.now() };
  const log = silentLogger();
  const store = new RedisCallbackStore(client, keys, { retentionMs: 3600_000 });
  const schedule = new BullmqKeyedSchedule({ redisUrl, prefix: keys.bullPrefix, queueName: 'callbacks', jobPrefix: 'callback', what: 'callback', clock, process: async () => ({}), concurrency: 1, log });
  const service = new CallbackService({
    store,
    schedule,
    acd,
    figures: new RedisCallCenterFigures(client, keys, { shortAbandonMs: 5000, serviceLevelMs: 15_000, dayRetentionDays: 1 }),
    placer: () => undefined,
    // No attempt is placed here (the jobs do not run), so none is ever cut off.
    attemptRecords: { recorder: { record: () => Promise.reject(new Error('no attempt is placed by this harness')) }, callerIdNumber: '12345' },
    policy: callbackPolicy(config.callbacks),
    queues: config.acd.queues.map((q) => q.id),
    readyPerQueue: 4,
    watchMs: 100,
    instanceId: 'gw-test',
    clock,
    log,
  });
  return { service, store, close: () => schedule.close(true) };
}
