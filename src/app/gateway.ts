import { resolve } from 'node:path';
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
import { buildHttpServer, closeHttpServer } from '../adapters/http/server.js';
import { webIntakeRoutes } from '../adapters/http/routes/web-intake.js';
import { intakeStatusRoutes } from '../adapters/http/routes/intake-status.js';
import { operationsRoutes, type HealthCheck } from '../adapters/http/routes/operations.js';
import { DevCore } from '../dev-core/dev-core.js';
import { IntakeAcceptor } from '../services/intake-acceptor.js';
// --- intake rules and abuse limits (issue 3) ---
import { loadIntakeRules } from '../config/intake-rules.js';
import { compileIntakeRules } from '../core/rules/intake-rules.js';
import { RedisAbuseLimits } from '../adapters/redis/redis-abuse-limits.js';
import { RedisAuditLog } from '../adapters/redis/redis-audit-log.js';
import { RedisRecentIntakes } from '../adapters/redis/redis-recent-intakes.js';
import { RedisIntakeStore } from '../adapters/redis/redis-intake-store.js';
import { IntakeRulesJudge } from '../services/intake-rules-judge.js';
import { DeliveryWorker } from '../services/delivery-worker.js';
// Text channels (WeChat, SMS, partner API)
import { textChannelRoutes } from './text-channels.js';
// Telephony (issue 4)
import { loadIvrConfig, promptFile } from '../config/ivr.js';
import { IvrMachine } from '../core/ivr/machine.js';
import type { Switch } from '../core/ports/switch.js';
import { SimulatedSwitch } from '../adapters/simulated/simulated-switch.js';
import { wavDurationMs } from '../adapters/simulated/wav.js';
import { RedisCallStore } from '../adapters/redis/redis-call-store.js';
import { RedisCallRecordOutbox } from '../adapters/redis/redis-call-record-outbox.js';
import { GrpcCallRecordSink, GrpcWorkOrderQuery } from '../adapters/grpc/grpc-call-records.js';
import { devSimRoutes } from '../adapters/http/routes/dev-sim.js';
import { IvrRunner } from '../services/ivr-runner.js';
import { CallRecordWorker } from '../services/call-record-worker.js';
import { callRecorder } from '../services/call-recorder.js';
import { recordLapsedCall } from '../services/lapsed-call.js';
import { composeSipFront, type ComposedSipFront } from './sip-front.js';
import { composeAcd, localInstanceId, type ComposedAcd } from './acd.js';
import { composeDesk } from './desk.js';
import { composeCallbacks, type ComposedCallbacks } from './callbacks.js';
import type { AgentDesk } from '../services/desk/agent-desk.js';
import { createFreeSwitchTelephony, type FreeSwitchTelephony } from '../adapters/freeswitch/telephony.js';
// Callbacks, surveys and the control port (issue 6)
import type { Clock } from '../core/ports/surveys.js';
import { composeSurveys, type ComposedSurveys } from './surveys.js';
import type { SwitchCallbackCaller } from '../services/callback-call.js';
// People, login, roles and the agent desktop's ws (issue 5)
import { composeAccess, type Access, type DeskParts } from './access.js';
// Live figures (issue 5)
import type { CallCenterFigures, FiguresFeed } from '../core/ports/figures.js';
import { AnswerRateAlarms } from '../core/figures/alarms.js';
import { RedisCallCenterFigures } from '../adapters/redis/redis-call-center-figures.js';
import { registerFigureGauges } from '../adapters/metrics/figure-gauges.js';
import { FiguresFeedService } from '../services/figures-feed.js';

export interface RunningGateway {
  http: FastifyInstance;
  /** http://host:port the API listens on. */
  url: string;
  redisUrl: string;
  coreAddress: string;
  embeddedRedis?: EmbeddedRedis;
  devCore?: DevCore;
  telephony:
    | {
        mode: 'simulated';
        /** The in-process switch when telephony is simulated (tests and demos place calls on it). */
        simulated: SimulatedSwitch;
        runners: IvrRunner[];
        callRecords: RedisCallRecordOutbox;
      }
    | {
        mode: 'freeswitch';
        freeswitch: FreeSwitchTelephony;
        runners: IvrRunner[];
        callRecords: RedisCallRecordOutbox;
      };
  /** The SIP front, when sip.drachtio.host is set. */
  sipFront?: ComposedSipFront;
  /** FreeSWITCH telephony, when freeswitch.servers names any (else telephony is simulated). */
  freeswitch?: FreeSwitchTelephony;
  /** The call queues (issue 5). */
  acd: ComposedAcd;
  /** Follow-up surveys and the control port (issue 6). */
  surveys: ComposedSurveys;
  /** The citizen's leg of callback attempts (issue 6), on any of this instance's switches. */
  callbackCaller: SwitchCallbackCaller;
  /** The agent desk of this instance (issue 5): the desk ws carries agents' frames to it. */
  desk: AgentDesk;
  /** Busy-time and keep-my-place callbacks (issue 6). */
  callbacks: ComposedCallbacks;
  /** Live figures (issue 5): the desk records call events in `store`; supervisors are pushed `feed`. */
  figures: { store: CallCenterFigures; feed: FiguresFeed };
  /** Users, tokens, the bootstrap administrator of a first start, the desk ws. */
  access: Access;
  /** Drain and stop: no new requests, in-flight requests and delivery batches finish. */
  stop(): Promise<void>;
}

/**
 * The composition root: the only place adapters are constructed. Everything is wired through
 * constructors; nothing reaches for a singleton.
 */
export interface GatewayParts extends DeskParts {
  /** The surveys' clock (tests start the day at a chosen local time). */
  clock?: Clock;
}

export async function startGateway(config: Config, log: Logger, parts: GatewayParts = {}): Promise<RunningGateway> {
  const stack: Array<() => Promise<void>> = [];
  // Checked before anything starts: a bad rules file stops start-up naming the key.
  const rules = compileIntakeRules(loadIntakeRules(config.rules.file));
  try {
    // Validated before anything starts: a broken IVR file stops start-up naming the key.
    const ivr = loadIvrConfig(config.telephony.ivrFile);
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
      devCore = new DevCore({
        intakesFile: config.devCore.file,
        callsFile: config.devCore.callsFile,
        surveysFile: config.devCore.surveysFile,
        token: config.devCore.token || undefined,
        log: log.child({ component: 'dev-core' }),
      });
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
    const worker = new DeliveryWorker(
      outbox,
      sink,
      metrics,
      config.outbox,
      log.child({ component: 'delivery' }),
    );
    // --- intake rules and abuse limits (issue 3) ---
    const audit = new RedisAuditLog(redis, keys);
    const limits = new RedisAbuseLimits(redis, keys, audit, config.abuse);
    const recent = new RedisRecentIntakes(redis, keys, { maxPerCitizen: config.rules.recentPerCitizen });
    const judge = new IntakeRulesJudge(rules, recent);
    // The limit check, the outbox insert and the repeat memory in one script (one round trip).
    const acceptor = new IntakeAcceptor(outbox, metrics, judge.judge, () => worker.wake(), undefined, {
      limits,
      store: new RedisIntakeStore(redis, keys, outbox, limits, recent),
      remember: judge.memory,
    });

    let surveys: ComposedSurveys | undefined;
    const channels = await textChannelRoutes({
      config,
      redis,
      redisUrl,
      keys,
      acceptor,
      log,
      surveySmsReply: (phone, text) => surveys?.service.smsReply(phone, text) ?? Promise.resolve(false),
    });
    stack.push(() => channels.stop());

    // --- Telephony (issue 4). FreeSWITCH when freeswitch.servers names any; otherwise the switch is
    // simulated in-process and says so (banner, /healthz).
    const coreClient = {
      address: coreAddress,
      token: config.core.address ? config.core.token || undefined : config.devCore.token || undefined,
      tlsCaFile: config.core.tlsCaFile || undefined,
      deadlineMs: config.core.deadlineMs,
    };
    const callRecordSink = new GrpcCallRecordSink(coreClient);
    stack.push(async () => callRecordSink.close());
    const workOrderQuery = new GrpcWorkOrderQuery({
      ...coreClient,
      queryDeadlineMs: ivr.progressQueryDeadlineMs,
    });
    stack.push(async () => workOrderQuery.close());
    const callRecords = new RedisCallRecordOutbox(redis, keys, {
      leaseMs: config.outbox.leaseMs,
      idempotencyTtlSeconds: config.outbox.idempotencyTtlHours * 3600,
      statusRetentionSeconds: config.outbox.statusRetentionHours * 3600,
    });
    const callRecordWorker = new CallRecordWorker(
      callRecords,
      callRecordSink,
      config.outbox,
      log.child({ component: 'call-records' }),
    );
    // Every call that ends (IVR, callback attempts, survey calls) queues its CDR here.
    const recorder = callRecorder(callRecords, () => callRecordWorker.wake());
    const callStore = new RedisCallStore(redis, keys, {
      factRetentionSeconds: config.telephony.factRetentionHours * 3600,
    });
    // One Event Socket per configured FreeSWITCH, each call owned by one instance (Redis); with
    // none configured, the simulated switch. A call of ours keeps its lease until its IVR runner
    // has queued the record (the runners are made below, before any call can arrive); a call whose
    // owner died and that ended unowned gets its record from the instance that finds it
    // (idempotent by call id: the owner's, if it had queued one, is kept).
    const freeswitch = createFreeSwitchTelephony(config.freeswitch, redis, keys, log, {
      onLapsed: (call, ended) => recordLapsedCall(call, { calls: callStore, recorder, log: log.child({ component: 'calls' }), queues: { acd: acd.acd, left: (e) => acd.emitQueueEvent(e) } }, ended),
      recordQueued: (callId) => runners.map((r) => r.finished(callId)).find((p) => p !== undefined),
    });
    let simulated: SimulatedSwitch | undefined;
    if (!freeswitch) {
      const promptMs = new Map<string, number>();
      simulated = new SimulatedSwitch({
        id: 'simulated',
        mediaDurationMs: (media) => {
          let d = promptMs.get(media);
          if (d === undefined)
            promptMs.set(media, (d = wavDurationMs(media) ?? config.telephony.simulated.defaultPromptMs));
          return d;
        },
      });
    }
    const switches: Switch[] = freeswitch ? freeswitch.switches : [simulated!];
    const machine = new IvrMachine(ivr.flow);
    const acd = composeAcd(config, ivr, redis, keys);
    const instanceId = freeswitch?.instanceId ?? localInstanceId();
    // --- Live figures (issue 5): counters shared in Redis, read every few seconds for supervisors
    // and at each /metrics scrape. Queue names for alarm texts come with the ACD configuration.
    const figureStore = new RedisCallCenterFigures(redis, keys, {
      shortAbandonMs: config.figures.shortAbandonSec * 1000,
      serviceLevelMs: config.figures.serviceLevelSec * 1000,
      dayRetentionDays: config.figures.dayRetentionDays,
    });
    const figuresFeed = new FiguresFeedService({
      figures: figureStore,
      alarms: new AnswerRateAlarms(config.figures.alarms, (q) => acd.policy.queues.get(q)?.name ?? q),
      intervalMs: config.figures.feedIntervalMs,
      log: log.child({ component: 'figures' }),
    });
    stack.push(() => figuresFeed.stop());
    registerFigureGauges(metrics.registry, () => figureStore.snapshot(Date.now()));

    // --- Callbacks (issue 6): one durable job per callback; the desk places each attempt (agent
    // first, then the citizen), so the two are bound to each other (src/app/callbacks.ts).
    const callbacks = composeCallbacks({
      config,
      ivr,
      redis,
      redisUrl,
      keys,
      switches,
      acd: acd.acd,
      queues: [...acd.policy.queues.keys()],
      figures: figureStore,
      calls: callStore,
      callRecords: recorder,
      placer: () => desk,
      instanceId,
      ...(parts.clock ? { clock: parts.clock } : {}),
      log,
    });
    // --- Agent desk (issue 5): offers the calls this instance's IVR queues (src/app/desk.ts).
    const desk = composeDesk({ config, ivr, redis, keys, instanceId, switches, acd: acd.acd, policy: acd.policy, figures: figureStore, query: workOrderQuery, acceptor, calls: callStore, requeue: (callId, queue) => runners.some((r) => r.requeue(callId, queue)), callbacks: callbacks.hooks, log });
    stack.push(() => desk.stop());
    // Stopped before the desk (pushed later, popped first): waiting callbacks leave their queues.
    stack.push(() => callbacks.stop());
    acd.onQueueEvent((e) => desk.queueEvent(e));
    const runners = switches.map(
      (sw) =>
        new IvrRunner({
          switch: sw,
          machine,
          abuseLimits: limits,
          acd: acd.acd,
          acdPolicy: acd.policy,
          instanceId,
          callbackOffer: acd.callbackOffer,
          onQueue: (e) => acd.emitQueueEvent(e),
          callbacks: callbacks.service,
          query: workOrderQuery,
          calls: callStore,
          callRecords: recorder,
          emergency: ivr.emergency,
          // Absolute: the switch writes the file and the runner hashes it (shared storage with FreeSWITCH).
          recordingsDir: resolve(config.telephony.recordingsDir),
          media: (id) => promptFile(ivr, config.telephony.promptsDir, id),
          log: log.child({ component: 'ivr', switch: sw.id }),
        }),
    );


    // SIP front: on when a drachtio-server is configured (sip.drachtio.host / HOTLINE_DRACHTIO).
    let sipFront: ComposedSipFront | undefined;
    if (config.sip.drachtio.host) {
      const sf = (sipFront = composeSipFront(config, redis, keys, limits, log));
      stack.push(() => sf.stop());
    }

    if (freeswitch) {
      freeswitch.start();
      stack.push(() => freeswitch.stop());
    }

    // The citizen's leg of callback attempts (issue 6); its prompts are checked here, at start-up.

    // Follow-up surveys and the control port (issue 6).
    const sv = (surveys = await composeSurveys({
      config,
      redis,
      redisUrl,
      keys,
      switch: switches[0]!,
      limits,
      ivr,
      core: coreClient,
      smsProviders: channels.smsProviders,
      callRecords: recorder,
      calls: callStore,
      developmentCore: !!devCore,
      ...(parts.clock ? { clock: parts.clock } : {}),
      log,
    }));
    stack.push(() => sv.stop());
    if (devCore && sv.control) devCore.useGateway(sv.control.address, sv.control.token);

    let draining = false;
    const access = await composeAccess({
      config,
      redis,
      keys,
      audit,
      limits,
      calls: callStore,
      log,
      isDraining: () => draining,
      figures: figuresFeed,
      // The agent desktop's ws drives this instance's desk (a test may give a double).
      desk: parts.desk ?? desk,
      // Supervisors see every agent's state from the ACD store (a test may give its own).
      agentStates: parts.agentStates ?? acd.acd,
      // Supervisors manage the callback queue (a test may give its own admin).
      callbacks: parts.callbacks ?? callbacks.service,
    });
    const checks: HealthCheck[] = [
      {
        name: 'redis',
        critical: true,
        async check() {
          const t0 = performance.now();
          await redis.ping();
          return {
            ok: true,
            latencyMs: Math.round((performance.now() - t0) * 100) / 100,
            embedded: !!embeddedRedis,
          };
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
      ...channels.checks,
      sv.check,
      callbacks.check,
      {
        name: 'callRecords',
        critical: false,
        async check() {
          return {
            ok: callRecordWorker.link.reachable !== false,
            ...(await callRecords.stats()),
            ...callRecordWorker.link,
          };
        },
      },
    ];
    if (sipFront) checks.push(sipFront.check);
    const http = await buildHttpServer({
      log,
      isDraining: () => draining,
      bodyLimitBytes: config.http.bodyLimitBytes,
      trustProxy: config.http.trustProxy,
      routes: [
        webIntakeRoutes({ acceptor, maxContentChars: config.web.maxContentChars }),
        intakeStatusRoutes(outbox),
        ...channels.routes,
        ...access.routes,
        ...(simulated && config.telephony.simulated.devRoutes ? [devSimRoutes(simulated)] : []),
        operationsRoutes({
          checks,
          registry: metrics.registry,
          isDraining: () => draining,
          info: () => ({
            redis: embeddedRedis ? `embedded redis-server (pid ${embeddedRedis.pid})` : 'external',
            core: devCore ? 'development work-order core (in-process)' : coreAddress,
            telephony: simulated
              ? {
                  mode: 'simulated',
                  switch: simulated.id,
                  note: 'SIMULATED telephony: no FreeSWITCH is configured, no real phone can reach this gateway',
                  activeCalls: runners[0]!.activeCalls,
                  devRoutes: config.telephony.simulated.devRoutes ? '/v1/dev/sim/calls' : undefined,
                }
              : {
                  mode: 'freeswitch',
                  instance: freeswitch!.instanceId,
                  activeCalls: runners.reduce((n, r) => n + r.activeCalls, 0),
                  servers: freeswitch!.status(),
                },
            sip: sipFront ? sipFront.describe() : 'off (no drachtio-server configured)',
            surveys: sv.describe(),
            callbacks: callbacks.describe(),
          }),
        }),
      ],
    });
    const address = await http.listen({ host: config.http.host, port: config.http.port });
    stack.push(() => closeHttpServer(http));
    worker.start();
    callRecordWorker.start();
    await desk.start();
    callbacks.start();
    for (const r of runners) r.start();
    figuresFeed.start();

    const stop = async () => {
      draining = true;
      // Order: stop taking requests (in-flight ones finish), stop taking calls and end the
      // simulated ones (their records are queued), finish the delivery batches in flight, then
      // close the core link, the dev core and Redis.
      const closeHttp = stack.pop()!;
      await closeHttp();
      log.info('drain: HTTP closed, requests in flight finished');
      if (simulated) {
        // The runners still listen while the simulated calls are hung up, so each call ends as a
        // hang-up (its record queued); stopping them first left drain() waiting for ever.
        for (const c of await simulated.liveCalls()) await simulated.hangup(c.callId, 'MANAGER_REQUEST');
        await simulated.flush();
        await Promise.all(runners.map((r) => r.drain()));
      }
      for (const r of runners) r.stop();
      // Survey calls in progress end (on the simulated switch they were just hung up); no new one starts.
      await sv.stop();
      // On FreeSWITCH, calls in progress go on: their ownership leases lapse and another gateway
      // instance takes them over (reconciling with show channels); nothing is hung up by a restart.
      await worker.stop();
      await callRecordWorker.stop();
      log.info('drain: calls ended, delivery batches in flight settled');
      while (stack.length) await stack.pop()!();
    };
    return {
      http,
      url: address,
      redisUrl,
      coreAddress,
      embeddedRedis,
      devCore,
      sipFront,
      surveys: sv,
      callbackCaller: callbacks.caller,
      access,
      ...(freeswitch ? { freeswitch } : {}),
      acd,
      desk,
      callbacks,
      figures: { store: figureStore, feed: figuresFeed },
      telephony: simulated
        ? { mode: 'simulated', simulated, runners, callRecords }
        : { mode: 'freeswitch', freeswitch: freeswitch!, runners, callRecords },
      stop,
    };
  } catch (err) {
    while (stack.length) await stack.pop()!().catch(() => undefined);
    throw err;
  }
}
