import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().positive();

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
  })
  .refine((c) => c.outbox.retryMinMs <= c.outbox.retryMaxMs, {
    message: 'must not be greater than outbox.retryMaxMs',
    path: ['outbox', 'retryMinMs'],
  });

export type Config = z.infer<typeof configSchema>;
