import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().positive();

export const configSchema = z
  .object({
    http: z.object({
      host: z.string().min(1),
      port,
      bodyLimitBytes: positiveInt,
    }),
    dataDir: z.string().min(1),
    redis: z.object({
      url: z
        .string()
        .refine((v) => v === '' || /^rediss?:\/\//.test(v), 'must be empty or a redis:// or rediss:// URL'),
      keyPrefix: z.string().min(1),
      embedded: z.object({
        binary: z.string().min(1),
        appendfsync: z.enum(['always', 'everysec']),
      }),
    }),
    core: z.object({
      address: z
        .string()
        .refine((v) => v === '' || /^[^\s:]+:\d{1,5}$/.test(v), 'must be empty or host:port'),
      token: z.string(),
      tlsCaFile: z.string(),
      deadlineMs: positiveInt,
    }),
    devCore: z.object({
      file: z.string().min(1),
      host: z.string().min(1),
      port,
      token: z.string(),
    }),
    outbox: z.object({
      batchSize: positiveInt.max(1000),
      leaseMs: positiveInt.min(1000),
      idlePollMs: positiveInt,
      retryMinMs: positiveInt,
      retryMaxMs: positiveInt,
      idempotencyTtlHours: positiveInt,
      statusRetentionHours: positiveInt,
    }),
    web: z.object({ maxContentChars: positiveInt }),
    // FreeSWITCH Event Socket (issue 4): one inbound connection per server; none = simulated telephony.
    freeswitch: z.object({
      servers: z.array(
        z.union([
          z.string().regex(/^[^\s:,]+(:\d{1,5})?$/, 'must be host or host:port'),
          z.object({ host: z.string().min(1), port: port.default(8021), password: z.string().min(1).optional() }).strict(),
        ]),
      ),
      password: z.string().min(1),
      format: z.enum(['plain', 'json']),
      reconnectMinMs: positiveInt,
      reconnectMaxMs: positiveInt,
      callLeaseMs: positiveInt.min(1000),
    }),
    log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) }),
    shutdown: z.object({ drainTimeoutMs: positiveInt }),
  })
  .strict()
  .refine((c) => c.outbox.retryMinMs <= c.outbox.retryMaxMs, {
    message: 'must not be greater than outbox.retryMaxMs',
    path: ['outbox', 'retryMinMs'],
  });

export type Config = z.infer<typeof configSchema>;
