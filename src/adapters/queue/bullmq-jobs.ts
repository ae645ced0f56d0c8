import { Queue, Worker, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import type { Logger } from '../../log/logger.js';

export interface BullmqJobsOptions {
  redisUrl: string;
  /** BullMQ key prefix (RedisKeys.bullPrefix). */
  prefix: string;
  name: string;
  /** What the queue carries, for log lines ("sms ack", "survey" …). */
  what: string;
  log: Logger;
}

/**
 * One BullMQ queue and, once started, its worker, with errors logged: the part every durable job
 * queue of the gateway shares (acknowledgement SMS, surveys, survey results).
 */
export class BullmqJobs<T> {
  readonly queue: Queue<T>;
  private worker: Worker<T> | undefined;

  constructor(private readonly o: BullmqJobsOptions) {
    this.queue = new Queue<T>(o.name, { connection: { url: o.redisUrl }, prefix: o.prefix });
    this.queue.on('error', (err) => o.log.warn({ err }, `${o.what} queue error`));
  }

  add(name: string, data: T, options: JobsOptions): Promise<unknown> {
    // BullMQ's typings tie job names to the data type; our queues name jobs freely.
    return (this.queue as unknown as Queue).add(name, data, options);
  }

  /** Starts the worker (once); `onFailed` hears every failed attempt. */
  run(
    processor: (job: Job<T>, token?: string) => Promise<unknown>,
    options: Partial<WorkerOptions> = {},
    onFailed?: (job: Job<T>, err: Error) => void,
  ): void {
    if (this.worker) return;
    const o = this.o;
    this.worker = new Worker<T>(o.name, processor, { connection: { url: o.redisUrl }, prefix: o.prefix, ...options });
    this.worker.on('error', (err) => o.log.warn({ err }, `${o.what} worker error`));
    if (onFailed) this.worker.on('failed', (job, err) => job && onFailed(job, err));
  }

  /** For tests and /healthz: job counts by state. */
  counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  }

  /** force: stop at once, leaving active jobs to be taken over (their locks lapse). */
  async close(force = false): Promise<void> {
    await this.worker?.close(force);
    this.worker = undefined;
    await this.queue.close();
  }
}
