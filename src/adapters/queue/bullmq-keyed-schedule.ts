import { DelayedError, type Job } from 'bullmq';
import type { Clock, KeyedSchedule } from '../../core/ports/schedule.js';
import type { Logger } from '../../log/logger.js';
import { BullmqJobs } from './bullmq-jobs.js';

export interface BullmqKeyedScheduleOptions {
  redisUrl: string;
  /** BullMQ key prefix (RedisKeys.bullPrefix). */
  prefix: string;
  /** The BullMQ queue, and the prefix of its job ids (`<jobPrefix>-<key>`). */
  queueName: string;
  jobPrefix: string;
  /** For logs: 'survey', 'callback'. */
  what: string;
  clock: Clock;
  /** Runs when the key's time comes; answers when to run again (undefined: finished). */
  process: (key: string) => Promise<{ waitUntil?: number }>;
  concurrency: number;
  /** How long a job's lock lasts without renewal; a crashed worker's job is taken over after it. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock lapsed (stalled). */
  stalledIntervalMs?: number;
  log: Logger;
}

interface KeyedJob {
  key: string;
}

/**
 * A schedule of one BullMQ job per key (job id `<jobPrefix>-<key>`: a survey's work order, a
 * callback's id), delayed until the key's next time and moved back to delayed (moveToDelayed +
 * DelayedError) for every later one. One job per key means one worker at a time in the whole
 * centre: two gateways never work on the same survey or callback (BullMQ's job lock); a job whose
 * gateway died is taken over when its lock lapses (stalled-job check). Times come from the
 * injected clock (tests compress the day).
 */
export class BullmqKeyedSchedule implements KeyedSchedule {
  private readonly jobs: BullmqJobs<KeyedJob>;

  constructor(private readonly o: BullmqKeyedScheduleOptions) {
    this.jobs = new BullmqJobs<KeyedJob>({ redisUrl: o.redisUrl, prefix: o.prefix, name: o.queueName, what: o.what, log: o.log });
  }

  async add(key: string, at: number): Promise<void> {
    await this.jobs.add(
      this.o.what,
      { key },
      {
        // BullMQ ignores an add whose job id exists: one job per key.
        jobId: `${this.o.jobPrefix}-${key}`,
        delay: Math.max(0, at - this.o.clock.now()),
        // Faults of ours (Redis, the switch) are retried; the policies themselves never throw.
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  async wake(key: string): Promise<void> {
    const job = await this.jobs.queue.getJob(`${this.o.jobPrefix}-${key}`);
    // Only a delayed job can be promoted; one that is running looks at its key anyway, and one
    // about to be delayed again is looked at then (at the latest at its next time).
    if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => undefined);
  }

  start(): void {
    const o = this.o;
    this.jobs.run(
      async (job: Job<KeyedJob>, token?: string) => {
        const { waitUntil } = await o.process(job.data.key);
        if (waitUntil === undefined) return;
        // Real time for Redis: the same distance from now as on the injected clock.
        await job.moveToDelayed(Date.now() + Math.max(0, waitUntil - o.clock.now()), token);
        throw new DelayedError();
      },
      {
        concurrency: o.concurrency,
        ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
        ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
        // A job taken over after a crash runs again (the store's attempt claim keeps it from dialling twice).
        maxStalledCount: 10,
      },
      (job, err) => o.log.error({ key: job.data.key, attempts: job.attemptsMade, err: err.message }, `${o.what} job failed`),
    );
  }

  counts(): Promise<Record<string, number>> {
    return this.jobs.counts();
  }

  /** force: stop at once, leaving active jobs to be taken over (tests of a crash). */
  close(force = false): Promise<void> {
    return this.jobs.close(force);
  }
}
