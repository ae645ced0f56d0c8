// Composition of follow-up surveys (回访, issue 6) and the control port the core calls: part of
// the composition root, kept in its own file so gateway.ts stays readable.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { promptFile, type IvrConfig } from '../config/ivr.js';
import type { Logger } from '../log/logger.js';
import type { AbuseLimits } from '../core/ports/abuse-limits.js';
import type { SmsProvider } from '../core/ports/sms-provider.js';
import type { Switch } from '../core/ports/switch.js';
import type { Clock } from '../core/ports/surveys.js';
import type { HealthCheck } from '../adapters/http/routes/operations.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import { RedisSurveyStore } from '../adapters/redis/redis-survey-store.js';
import { BullmqKeyedSchedule } from '../adapters/queue/bullmq-keyed-schedule.js';
import { BullmqSurveyResults } from '../adapters/queue/bullmq-survey-results.js';
import { BullmqSmsAckQueue } from '../adapters/queue/bullmq-sms-ack-queue.js';
import { GrpcSurveyResults } from '../adapters/grpc/grpc-survey-results.js';
import type { GrpcCoreClientOptions } from '../adapters/grpc/client.js';
import { ControlServer } from '../adapters/grpc/control-server.js';
import { SwitchSurveyCaller } from '../services/survey-call.js';
import { SurveyService } from '../services/survey-service.js';
import type { CallRecorder } from '../services/call-recorder.js';
import type { CallStore } from '../core/ports/call-records.js';

export interface SurveysDeps {
  config: Config;
  redis: Redis;
  redisUrl: string;
  keys: RedisKeys;
  /** The switch survey calls are placed on (the first FreeSWITCH, or the simulated switch). */
  switch: Switch;
  limits: AbuseLimits;
  ivr: IvrConfig;
  core: GrpcCoreClientOptions;
  smsProviders: ReadonlyMap<SmsProvider['id'], SmsProvider>;
  /** Where each survey call's call-detail record goes. */
  callRecords: CallRecorder;
  /** Where each survey call's recording metadata is saved. */
  calls: Pick<CallStore, 'saveRecording'>;
  /** The core is the in-process development core: a generated token may be handed to it. */
  developmentCore: boolean;
  clock?: Clock;
  log: Logger;
}

export interface ComposedSurveys {
  service: SurveyService;
  /** host:port and token of the control port, when it is on. */
  control?: { address: string; token: string };
  check: HealthCheck;
  describe(): string;
  /** force: leave running survey jobs to be taken over by another gateway (tests of a crash). */
  stop(force?: boolean): Promise<void>;
}

/** The control token: configured, or generated once and kept in <dataDir>/control-token (0600). */
export function controlToken(config: Config, developmentCore: boolean): string | undefined {
  if (config.control.token) return config.control.token;
  if (!developmentCore) return undefined;
  const file = join(config.dataDir, 'control-token');
  try {
    const t = readFileSync(file, 'utf8').trim();
    if (t.length >= 16) return t;
  } catch {
    // first start: generate below
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

export async function composeSurveys(d: SurveysDeps): Promise<ComposedSurveys> {
  const { config, keys, log } = d;
  const s = config.surveys;
  for (const [role, id] of Object.entries(s.call.prompts)) {
    if (!d.ivr.prompts.has(id)) throw new ConfigError(`invalid configuration: surveys.call.prompts.${role}: no prompt ${id} in ${config.telephony.ivrFile}`);
  }
  const clock = d.clock ?? { now: () => Date.now() };
  const slog = log.child({ component: 'surveys' });
  const stops: Array<(force: boolean) => Promise<void>> = [];
  const stop = async (force = false) => {
    while (stops.length) await stops.pop()!(force).catch((err: unknown) => slog.warn({ err }, 'surveys: stop step failed'));
  };
  try {
    const resultSink = new GrpcSurveyResults(d.core);
    stops.push(async () => resultSink.close());
    const results = new BullmqSurveyResults({ redisUrl: d.redisUrl, prefix: keys.bullPrefix, sink: resultSink, backoffMs: 1000, maxBackoffMs: 600_000, log: slog });
    stops.push(() => results.close());
    const caller = new SwitchSurveyCaller({
      switch: d.switch,
      gateway: s.call.gateway,
      callerIdNumber: s.call.callerId,
      ringTimeoutSec: s.call.ringTimeoutSec,
      keyTimeoutMs: s.call.keyTimeoutMs,
      keys: s.call.keys,
      reason: s.call.reason,
      prompts: s.call.prompts,
      media: (id) => promptFile(d.ivr, config.telephony.promptsDir, id),
      recordingsDir: resolve(config.telephony.recordingsDir),
      calls: d.calls,
      callRecords: d.callRecords,
      log: slog,
    });
    stops.push(async () => caller.close());
    let sms: { queue: BullmqSmsAckQueue; provider: SmsProvider['id'] } | undefined;
    if (s.sms.provider) {
      const queue = new BullmqSmsAckQueue({
        redisUrl: d.redisUrl,
        prefix: keys.bullPrefix,
        queueName: 'survey-sms',
        providers: d.smsProviders,
        attempts: config.sms.ack.attempts,
        backoffMs: config.sms.ack.backoffMs,
        log: slog,
      });
      stops.push(() => queue.close());
      sms = { queue, provider: s.sms.provider };
    }
    // The schedule calls the service and the service schedules: the service is bound late.
    const bound: { service?: SurveyService } = {};
    const schedule = new BullmqKeyedSchedule({
      redisUrl: d.redisUrl,
      prefix: keys.bullPrefix,
      queueName: 'surveys',
      jobPrefix: 'survey',
      what: 'survey',
      clock,
      process: (wo) => bound.service!.process(wo),
      concurrency: s.concurrency,
      lockDurationMs: s.lockMs,
      stalledIntervalMs: s.lockMs,
      log: slog,
    });
    stops.push((force) => schedule.close(force));
    const service = (bound.service = new SurveyService({
      store: new RedisSurveyStore(d.redis, keys, s.retentionDays * 24 * 3600_000),
      schedule,
      caller,
      results,
      limits: d.limits,
      policy: { window: s.window, retry: s.retry, confidential: s.confidential, restricted: s.restricted, smsEnabled: !!sms },
      ...(sms ? { sms } : {}),
      keys: s.call.keys,
      clock,
      log: slog,
    }));

    let control: ComposedSurveys['control'];
    const token = controlToken(config, d.developmentCore);
    if (token) {
      const server = new ControlServer({ host: config.control.host, port: config.control.port, token, requestSurvey: (input) => service.request(input), log: slog });
      const address = await server.start();
      stops.push(() => server.stop());
      control = { address, token };
    } else {
      slog.warn('control port off: set control.token (HOTLINE_CONTROL_TOKEN) so the core can request surveys');
    }
    results.start();
    sms?.queue.start();
    schedule.start();
    return {
      service,
      ...(control ? { control } : {}),
      check: {
        name: 'surveys',
        critical: false,
        async check() {
          const [jobs, delivery] = await Promise.all([schedule.counts(), results.counts()]);
          return {
            ok: true,
            control: control ? control.address : 'off',
            scheduled: (jobs.delayed ?? 0) + (jobs.waiting ?? 0),
            inProgress: jobs.active ?? 0,
            resultsWaiting: (delivery.waiting ?? 0) + (delivery.delayed ?? 0),
          };
        },
      },
      describe: () =>
        control
          ? `control port ${control.address} (token${config.control.token ? '' : ` generated, in ${join(config.dataDir, 'control-token')}`}); surveys ${s.window.start}–${s.window.end} ${s.window.timeZone}, SMS ${s.sms.provider || 'off'}`
          : 'control port off (no control.token and an external core)',
      stop,
    };
  } catch (err) {
    await stop(true);
    throw err;
  }
}
