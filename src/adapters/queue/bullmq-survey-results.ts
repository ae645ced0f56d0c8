import type { Job } from 'bullmq';
import type { SurveyResultQueue, SurveyResultSink } from '../../core/ports/surveys.js';
import type { SurveyResult } from '../../core/surveys/survey.js';
import type { Logger } from '../../log/logger.js';
import { BullmqJobs } from './bullmq-jobs.js';

export interface BullmqSurveyResultsOptions {
  redisUrl: string;
  prefix: string;
  queueName?: string;
  sink: SurveyResultSink;
  /** First retry delay; doubles up to maxBackoffMs while the core is unreachable. */
  backoffMs: number;
  maxBackoffMs: number;
  log: Logger;
}

/**
 * Survey results to the core through a BullMQ queue: job id = work-order id, so a result is
 * queued once; retried with capped doubling delays while the core is down, across restarts. The
 * core is idempotent on the work-order id, so a redelivery after a crash is harmless.
 */
export class BullmqSurveyResults implements SurveyResultQueue {
  private readonly jobs: BullmqJobs<SurveyResult>;

  constructor(private readonly o: BullmqSurveyResultsOptions) {
    this.jobs = new BullmqJobs<SurveyResult>({ redisUrl: o.redisUrl, prefix: o.prefix, name: o.queueName ?? 'survey-results', what: 'survey result', log: o.log });
  }

  async enqueue(result: SurveyResult): Promise<void> {
    await this.jobs.add('result', result, {
      jobId: `result-${result.workOrderId}`,
      // About a week of retries at the cap: the core's outage delays results, it does not lose them.
      attempts: 1000,
      backoff: { type: 'capped' },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    });
  }

  start(): void {
    const o = this.o;
    this.jobs.run(
      async (job: Job<SurveyResult>) => {
        const { duplicate } = await o.sink.report(job.data);
        o.log.info({ workOrderId: job.data.workOrderId, outcome: job.data.outcome, duplicate }, 'survey result reported');
      },
      { concurrency: 4, settings: { backoffStrategy: (attemptsMade: number) => Math.min(o.maxBackoffMs, o.backoffMs * 2 ** Math.max(0, attemptsMade - 1)) } },
      (job, err) => o.log.warn({ workOrderId: job.data.workOrderId, attempts: job.attemptsMade, err: err.message }, 'survey result not delivered yet'),
    );
  }

  counts(): Promise<Record<string, number>> {
    return this.jobs.counts();
  }

  async close(): Promise<void> {
    await this.jobs.close();
  }
}
