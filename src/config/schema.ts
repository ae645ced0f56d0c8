import { z } from 'zod';
import { parseHoursRange, WEEKDAYS } from '../core/desk/directory.js';
import { acdSchema } from './acd.js';
import { checkCallingWindow } from '../core/schedule/calling-window.js';

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().positive();
const phoneDigits = z.string().regex(/^\+?\d{3,20}$/, 'must be a phone number (digits)');
// A trunk as host[:port][;params] or sip:host[:port][;params]; the dialled number goes in front.
const trunk = z.string().regex(/^(sips?:)?[^\s@:;]+(:\d{1,5})?(;\S*)?$/, 'must be host[:port][;params]');
const sourceAddress = z.string().regex(/^[^\s:]+(:\d{1,5})?$/, 'must be an IP address or address:port');

const sip = z.strictObject({
  drachtio: z.strictObject({ host: z.string(), port, secret: z.string() }),
  freeswitchUri: z.string().regex(/^sips?:[^\s@]+$/, 'must be a sip: URI without a user part, e.g. sip:127.0.0.1:5090'),
  freeswitchAddresses: z.array(sourceAddress),
  capacity: positiveInt,
  activeCallLeaseMs: positiveInt.min(1000),
  serviceNumbers: z.array(phoneDigits).min(1),
  areaCode: z.string().regex(/^(0\d{2,3})?$/, 'must be empty or an area code such as 0396'),
  peers: z.array(
    z.strictObject({
      name: z.string().min(1),
      kind: z.enum(['carrier', 'emergency', 'sub-centre']),
      addresses: z.array(sourceAddress).min(1),
      line: phoneDigits.optional(),
      contextHeaders: z.record(z.string().regex(/^\w+$/), z.string().regex(/^[A-Za-z0-9-]+$/)).optional(),
    }),
  ),
  emergency: z.strictObject({ lines: z.array(phoneDigits).min(1), trunk, callerId: phoneDigits }),
  subCentres: z.array(z.strictObject({ line: phoneDigits, name: z.string().min(1), trunk })),
  fixedLines: z.array(z.strictObject({ unit: z.string().min(1), number: phoneDigits, trunk: trunk.optional() })),
  carrier: z.strictObject({ trunk, callerId: phoneDigits }),
});

// --- Call control for the agent (issue 5): the directory agents transfer and conference to ---
// A switch gateway: the name of a FreeSWITCH sofia gateway (the simulated switch takes any name).
const switchGateway = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a switch gateway name (letters, digits, . _ -)');
const hoursList = z.array(z.string().refine((v) => parseHoursRange(v) !== undefined, 'must be HH:MM-HH:MM (Beijing time) with the end after the start, e.g. 08:30-12:00'));
const directory = z
  .strictObject({
    trunk: switchGateway,
    units: z.array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
        name: z.string().min(1),
        number: phoneDigits,
        onDuty: z.string().min(1),
        hours: z.strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, hoursList.optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<typeof hoursList>>),
        closedDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')).default([]),
        trunk: switchGateway.optional(),
      }),
    ),
    lines: z.array(z.strictObject({ number: phoneDigits, name: z.string().min(1), trunk: switchGateway.optional() })),
  })
  .refine((d) => new Set(d.units.map((u) => u.id)).size === d.units.length, { message: 'unit ids must be unique', path: ['units'] });

// --- Text channels (WeChat, SMS, partner API) ---
// survey: the SMS follow-up survey (issue 6); optional so operator files written before it still load.
const smsTemplates = z.strictObject({ accepted: z.string(), emergency: z.string(), outOfScope: z.string(), restricted: z.string(), survey: z.string().default('') });
const cidr = z.string().refine((v) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(v), 'must be an IP address or CIDR (10.0.0.0/8, ::1/128)');
const textChannels = {
  wechat: z.strictObject({
    token: z.string(),
    appId: z.string(),
    aesKey: z.string().refine((v) => v === '' || /^[A-Za-z0-9+/]{43}$/.test(v), 'must be empty or the 43-character EncodingAESKey'),
    maxBodyBytes: positiveInt,
    maxSkewSeconds: z.number().int().min(0),
    replyDeadlineMs: positiveInt.max(4800),
    placeTtlSeconds: positiveInt,
    welcome: z.string().min(1),
    menu: z.record(z.string(), z.string()),
  }),
  sms: z.strictObject({
    maxBodyBytes: positiveInt,
    aliyun: z.strictObject({
      secret: z.string(),
      allowFrom: z.array(cidr),
      send: z.strictObject({
        endpoint: z.string().url(),
        accessKeyId: z.string(),
        accessKeySecret: z.string(),
        regionId: z.string().min(1),
        signName: z.string(),
        templates: smsTemplates,
      }),
    }),
    tencent: z.strictObject({
      secret: z.string(),
      allowFrom: z.array(cidr),
      send: z.strictObject({
        endpoint: z.string().url(),
        secretId: z.string(),
        secretKey: z.string(),
        region: z.string().min(1),
        sdkAppId: z.string(),
        signName: z.string(),
        templates: smsTemplates,
      }),
    }),
    ack: z.strictObject({ attempts: positiveInt.max(50), backoffMs: positiveInt, timeoutMs: positiveInt, restrictedNoticeHours: positiveInt }),
  }),
  partner: z.strictObject({
    keys: z.string().refine((v) => v.trim() === '' || v.split(',').every((p) => /^[A-Za-z0-9_-]{1,64}:.{16,}$/.test(p.trim())), 'must be "partnerId:secret,…" with secrets of at least 16 characters'),
    maxSkewSeconds: positiveInt.max(3600),
    maxBodyBytes: positiveInt,
  }),
};

// --- Callbacks, surveys and the control port (issue 6) ---
// The window's rules live with the window (src/core/schedule); a broken one names its key.
const callingWindow = z.strictObject({ start: z.string(), end: z.string(), timeZone: z.string() }).superRefine((w, ctx) => {
  try {
    checkCallingWindow(w);
  } catch (err) {
    const [key, ...rest] = (err as Error).message.split(': ');
    ctx.addIssue({ code: 'custom', message: rest.join(': '), path: [key!] });
  }
});
const retryPolicy = z.strictObject({ maxAttempts: positiveInt.max(20), firstDelayMs: positiveInt, factor: z.number().min(1).max(10), maxDelayMs: positiveInt });
const rating = z.enum(['very-satisfied', 'satisfied', 'dissatisfied']);
const issue6 = {
  control: z.strictObject({
    host: z.string().min(1),
    // 0 picks a free port (tests); the banner and log say which.
    port: z.number().int().min(0).max(65535),
    token: z.string().refine((v) => v === '' || v.length >= 16, 'must be empty (generated) or at least 16 characters'),
  }),
  surveys: z.strictObject({
    window: callingWindow,
    retry: retryPolicy,
    call: z.strictObject({
      gateway: z.string().min(1),
      callerId: phoneDigits,
      ringTimeoutSec: positiveInt.max(120),
      keyTimeoutMs: positiveInt,
      keys: z
        .record(z.string().regex(/^[0-9*#]$/, 'must be one DTMF key: 0–9, * or #'), rating)
        .refine((k) => new Set(Object.values(k)).size === 3 && Object.keys(k).length === 3, 'must map three keys, one to each rating'),
      reason: z.strictObject({ record: z.boolean(), maxSeconds: positiveInt.max(300) }),
      prompts: z.strictObject({ question: z.string().min(1), invalid: z.string().min(1), reason: z.string().min(1), thanks: z.string().min(1) }),
    }),
    sms: z.strictObject({ provider: z.enum(['', 'aliyun', 'tencent']) }),
    confidential: z.enum(['as-usual', 'phone-only', 'sms-only', 'skip']),
    restricted: z.enum(['as-usual', 'sms-only', 'skip']),
    concurrency: positiveInt.max(1000),
    lockMs: positiveInt.min(500),
    retentionDays: positiveInt,
  }),
  callbacks: z.strictObject({
    window: callingWindow,
    retry: retryPolicy,
    deadlineHours: positiveInt,
    abandonedAfterSeconds: z.number().int().min(0),
    idle: z.strictObject({ maxWaiting: z.number().int().min(0), minFreeAgents: positiveInt }),
    pacing: z.strictObject({
      targetAnswerRate: z.number().min(0.5).max(1),
      // The live answer rate is the figures' rolling 15 minutes (src/core/figures).
      windowMinutes: z.literal(15, { error: 'must be 15 (the live figures are kept over a rolling 15 minutes)' }),
      minOffered: z.number().int().min(0),
      maxInFlightPerFreeAgent: z.number().min(0).max(1),
    }),
    placing: z.strictObject({
      concurrency: positiveInt.max(10_000),
      lockMs: positiveInt.min(500),
      tickMs: positiveInt.min(100),
      readyPerQueue: positiveInt.max(100),
      watchMs: positiveInt.min(50),
    }),
    retentionDays: positiveInt,
    // The citizen's leg of a callback attempt (src/services/callback-call.ts).
    call: z.strictObject({
      gateway: z.string().min(1),
      callerId: phoneDigits,
      ringTimeoutSec: positiveInt.max(120),
      prompts: z.strictObject({ notice: z.string().min(1), agentGone: z.string().min(1) }),
    }),
  }),
};

// --- Live figures (issue 5) ---
const rate = z.number().gt(0).lt(1);
const figures = z.strictObject({
  shortAbandonSec: z.number().min(0).max(60),
  serviceLevelSec: positiveInt.max(600),
  dayRetentionDays: positiveInt.max(400),
  feedIntervalMs: positiveInt.min(500),
  alarms: z
    .strictObject({
      window: z.enum(['rolling-15m', 'today']),
      warningBelow: rate,
      criticalBelow: rate,
      minCalls: positiveInt,
      clearMargin: z.number().min(0).max(0.1),
    })
    .refine((a) => a.criticalBelow < a.warningBelow, { message: 'criticalBelow must be lower than warningBelow', path: ['criticalBelow'] }),
});

export const configSchema = z
  .strictObject({
    http: z.strictObject({
      host: z.string().min(1),
      port,
      bodyLimitBytes: positiveInt,
      trustProxy: z.array(z.string().min(1)),
    }),
    dataDir: z.string().min(1),
    redis: z.strictObject({
      url: z
        .string()
        .refine((v) => v === '' || /^rediss?:\/\//.test(v), 'must be empty or a redis:// or rediss:// URL'),
      keyPrefix: z.string().min(1),
      embedded: z.strictObject({
        binary: z.string().min(1),
        appendfsync: z.enum(['always', 'everysec']),
      }),
    }),
    core: z.strictObject({
      address: z
        .string()
        .refine((v) => v === '' || /^[^\s:]+:\d{1,5}$/.test(v), 'must be empty or host:port'),
      token: z.string(),
      tlsCaFile: z.string(),
      deadlineMs: positiveInt,
    }),
    devCore: z.strictObject({
      file: z.string().min(1),
      host: z.string().min(1),
      port,
      token: z.string(),
      callsFile: z.string().min(1),
      surveysFile: z.string().min(1),
    }),
    outbox: z.strictObject({
      batchSize: positiveInt.max(1000),
      leaseMs: positiveInt.min(1000),
      idlePollMs: positiveInt,
      wakeDelayMs: z.number().int().min(0).max(1000),
      retryMinMs: positiveInt,
      retryMaxMs: positiveInt,
      idempotencyTtlHours: positiveInt,
      statusRetentionHours: positiveInt,
    }),
    web: z.strictObject({ maxContentChars: positiveInt }),
    log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) }),
    shutdown: z.strictObject({ drainTimeoutMs: positiveInt }),
    ...textChannels,
    // --- intake rules and abuse limits (issue 3) ---
    rules: z.strictObject({ file: z.string(), recentPerCitizen: positiveInt.max(10_000) }),
    abuse: z.strictObject({
      intake: z.strictObject({ max: positiveInt, windowSeconds: positiveInt }),
      call: z.strictObject({ max: positiveInt, windowSeconds: positiveInt }),
      maxRestrictionDays: positiveInt.max(3650),
    }),
    // People, login tokens and the agent desktop's ws (issue 5).
    auth: z.strictObject({
      tokenSecret: z.string().refine((v) => v === '' || v.length >= 32, 'must be empty (a generated secret kept under dataDir) or at least 32 characters'),
      tokenTtlMinutes: positiveInt.max(24 * 60),
      bootstrapAdmin: z.strictObject({
        username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'must be 2–32 lowercase letters, digits or . _ -'),
        password: z.string().refine((v) => v === '' || v.length >= 10, 'must be empty (a generated one-time password) or at least 10 characters'),
      }),
      login: z.strictObject({
        maxFailuresPerUser: positiveInt,
        maxFailuresPerAddress: positiveInt,
        windowMinutes: positiveInt,
        lockoutMinutes: positiveInt,
      }),
      desk: z.strictObject({
        maxFrameBytes: positiveInt.min(1024).max(1024 * 1024),
        framesPerSecond: positiveInt,
        burst: positiveInt,
        authTimeoutSeconds: positiveInt,
        heartbeatSeconds: positiveInt,
        logoutGraceSeconds: z.number().int().min(0),
        agentsEverySeconds: positiveInt,
      }),
    }),
    // Telephony: IVR, recordings, the simulated switch (issue 4).
    telephony: z.strictObject({
      ivrFile: z.string().min(1),
      recordingsDir: z.string().min(1),
      promptsDir: z.string().min(1),
      factRetentionHours: positiveInt,
      simulated: z.strictObject({ devRoutes: z.boolean(), defaultPromptMs: positiveInt }),
    }),
    // Live figures of the call queues (issue 5): answer rate (art. 13, 29), GB/T 33358 service level.
    figures,
    // SIP front (issue 4)
    sip,
    directory,
    ...issue6,
    // FreeSWITCH Event Socket (issue 4): one inbound connection per server; none = simulated telephony.
    freeswitch: z.strictObject({
      servers: z.array(
        z.union([
          z.string().regex(/^[^\s:,]+(:\d{1,5})?$/, 'must be host or host:port'),
          z.strictObject({ host: z.string().min(1), port: port.default(8021), password: z.string().min(1).optional() }),
        ]),
      ),
      password: z.string().min(1),
      format: z.enum(['plain', 'json']),
      reconnectMinMs: positiveInt,
      reconnectMaxMs: positiveInt,
      callLeaseMs: positiveInt.min(1000),
    }),
    // Call queues (ACD, issue 5): the schema and its cross-checks are in src/config/acd.ts.
    acd: acdSchema,
    // The agent desk (issue 5): offers, agents' commands across instances, the screen pop.
    desk: z.strictObject({
      agentLegTimeoutSec: positiveInt.max(120),
      commandTimeoutMs: positiveInt.max(60_000),
      screenPopDeadlineMs: positiveInt.max(10_000),
      screenPopIntakes: positiveInt.max(50),
      tickMs: positiveInt.min(100).max(10_000),
      callRetentionHours: positiveInt,
    }),
  })
  .refine((c) => c.outbox.retryMinMs <= c.outbox.retryMaxMs, {
    message: 'must not be greater than outbox.retryMaxMs',
    path: ['outbox', 'retryMinMs'],
  })
  // Safe mode checks that each message was sealed for our AppID: without one nothing would pass.
  .refine((c) => c.wechat.aesKey === '' || c.wechat.appId !== '', {
    message: 'must be set when wechat.aesKey is set (safe mode)',
    path: ['wechat', 'appId'],
  })
  .refine((c) => c.sip.peers.every((p) => p.kind !== 'sub-centre' || p.line), {
    message: 'a sub-centre peer must name its line',
    path: ['sip', 'peers'],
  });

export type Config = z.infer<typeof configSchema>;
