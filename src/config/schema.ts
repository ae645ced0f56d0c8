import { z } from 'zod';

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

export const configSchema = z
  .strictObject({
    http: z.strictObject({
      host: z.string().min(1),
      port,
      bodyLimitBytes: positiveInt,
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
    }),
    outbox: z.strictObject({
      batchSize: positiveInt.max(1000),
      leaseMs: positiveInt.min(1000),
      idlePollMs: positiveInt,
      retryMinMs: positiveInt,
      retryMaxMs: positiveInt,
      idempotencyTtlHours: positiveInt,
      statusRetentionHours: positiveInt,
    }),
    web: z.strictObject({ maxContentChars: positiveInt }),
    log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) }),
    shutdown: z.strictObject({ drainTimeoutMs: positiveInt }),
    sip,
  })
  .refine((c) => c.outbox.retryMinMs <= c.outbox.retryMaxMs, {
    message: 'must not be greater than outbox.retryMaxMs',
    path: ['outbox', 'retryMinMs'],
  })
  .refine((c) => c.sip.peers.every((p) => p.kind !== 'sub-centre' || p.line), {
    message: 'a sub-centre peer must name its line',
    path: ['sip', 'peers'],
  });

export type Config = z.infer<typeof configSchema>;
