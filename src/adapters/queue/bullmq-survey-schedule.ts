import { DelayedError, type Job } from 'bullmq';
import type { Clock, SurveySchedule } from '../../core/ports/surveys.js';
import type { Logger } from '../../log/logger.js';
import { BullmqJobs } from './bullmq-jobs.js';

export interface BullmqSurveyScheduleOptions {
  redisUrl: string;
  /** BullMQ key prefix (RedisKeys.bullPrefix). */
  prefix: string;
  queueName?: string;
  clock: Clock;
  /** Runs when a survey's time comes; answers when to run again (undefined: finished). */
  process: (workOrderId: string) => Promise<{ waitUntil?: number }>;
  concurrency: number;
  /** How long a job's lock lasts without renewal; a crashed worker's job is taken over after it. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock lapsed (stalled). */
  stalledIntervalMs?: number;
  log: Logger;
}

interface SurveyJob {
  workOrderId: string;
}

/**
 * The survey schedule as one BullMQ job per work order (job id = work-order id), delayed until the
 * survey's next time and moved back to delayed (moveToDelayed + DelayedError) for every later one.
 * One job per work order means one worker at a time in the whole centre: two gateways never work
 * on the same survey (BullMQ's job lock); a job whose gateway died is taken over when its lock
 * lapses (stalled-job check). Times come from the injected clock (tests compress the day).
 */
export class BullmqSurveySchedule implements SurveySchedule {
  private readonly jobs: BullmqJobs<SurveyJob>;

  constructor(private readonly o: BullmqSurveyScheduleOptions) {
    this.jobs = new BullmqJobs<SurveyJob>({ redisUrl: o.redisUrl, prefix: o.prefix, name: o.queueName ?? 'surveys', what: 'survey', log: o.log });
  }

  async add(workOrderId: string, at: number): Promise<void> {
    await this.jobs.add(
      'survey',
      { workOrderId },
      {
        // BullMQ ignores an add whose job id exists: one job per work order.
        jobId: `survey-${workOrderId}`,
        delay: Math.max(0, at - this.o.clock.now()),
        // Faults of ours (Redis, the switch) are retried; the survey policy itself never throws.
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  async wake(workOrderId: string): Promise<void> {
    const job = await this.jobs.queue.getJob(`survey-${workOrderId}`);
    // Only a delayed job can be promoted; one that is running looks at the survey anyway, and one
    // about to be delayed again is looked at then (at the latest at the deadline).
    if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => undefined);
  }

  start(): void {
    const o = this.o;
    this.jobs.run(
      async (job: Job<SurveyJob>, token?: string) => {
        const { waitUntil } = await o.process(job.data.workOrderId);
        if (waitUntil === undefined) return;
        // Real time for Redis: the same distance from now as on the injected clock.
        await job.moveToDelayed(Date.now() + Math.max(0, waitUntil - o.clock.now()), token);
        throw new DelayedError();
      },
      {
        concurrency: o.concurrency,
        ...(o.lockDurationMs ? { lockDuration: o.lockDurationMs } : {}),
        ...(o.stalledIntervalMs ? { stalledInterval: o.stalledIntervalMs } : {}),
        // A job taken over after a crash runs again (the survey store's attempt claim keeps it from dialling twice).
        maxStalledCount: 10,
      },
      (job, err) => o.log.error({ workOrderId: job.data.workOrderId, attempts: job.attemptsMade, err: err.message }, 'survey job failed'),
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
