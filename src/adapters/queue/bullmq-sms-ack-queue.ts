import { UnrecoverableError, type Job } from 'bullmq';
import type { SmsAckJob, SmsAckQueue, SmsProvider } from '../../core/ports/sms-provider.js';
import type { Logger } from '../../log/logger.js';
import { BullmqJobs } from './bullmq-jobs.js';

export interface BullmqSmsAckQueueOptions {
  redisUrl: string;
  /** BullMQ key prefix (RedisKeys.bullPrefix). */
  prefix: string;
  queueName?: string;
  providers: ReadonlyMap<SmsProvider['id'], SmsProvider>;
  attempts: number;
  /** First retry delay; doubles each attempt (BullMQ exponential backoff). */
  backoffMs: number;
  concurrency?: number;
  log: Logger;
}

/**
 * Acknowledgement SMS through a BullMQ queue in Redis: the job is stored before the uplink push is
 * answered, the first attempt runs at once, failed attempts are retried with exponential backoff,
 * and jobs left by a stopped gateway are picked up by the next worker (BullMQ's stalled-job check).
 */
export class BullmqSmsAckQueue implements SmsAckQueue {
  private readonly jobs: BullmqJobs<SmsAckJob>;

  constructor(private readonly options: BullmqSmsAckQueueOptions) {
    this.jobs = new BullmqJobs<SmsAckJob>({ redisUrl: options.redisUrl, prefix: options.prefix, name: options.queueName ?? 'sms-ack', what: 'sms ack', log: options.log });
  }

  async enqueue(job: SmsAckJob): Promise<void> {
    await this.jobs.add('ack', job, {
      // BullMQ ignores an add whose job id exists: one SMS per id.
      jobId: job.id.replace(/:/g, '-'),
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: this.options.backoffMs },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    });
  }

  start(): void {
    const log = this.options.log;
    this.jobs.run(
      async (job: Job<SmsAckJob>) => {
        const provider = this.options.providers.get(job.data.provider);
        if (!provider) throw new UnrecoverableError(`no sms provider ${job.data.provider}`);
        const result = await provider.send(job.data.phone, job.data.ack);
        if (result.ok) return result.providerMessageId ?? null;
        if (!result.retryable) throw new UnrecoverableError(result.error);
        throw new Error(result.error);
      },
      { concurrency: this.options.concurrency ?? 8 },
      (job, err) => {
        const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError || err.name === 'UnrecoverableError';
        log[final ? 'error' : 'warn']({ jobId: job.id, provider: job.data.provider, attempts: job.attemptsMade, err: err.message, final }, 'acknowledgement sms failed');
      },
    );
  }

  /** For tests and /healthz: job counts by state. */
  counts(): Promise<Record<string, number>> {
    return this.jobs.counts();
  }

  async close(): Promise<void> {
    await this.jobs.close();
  }
}
