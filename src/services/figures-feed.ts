import type { CallCenterFigures, FiguresFeed, FiguresUpdate } from '../core/ports/figures.js';
import type { AnswerRateAlarms } from '../core/figures/alarms.js';
import { withQueues } from '../core/figures/tally.js';
import type { Logger } from '../log/logger.js';

export interface FiguresFeedOptions {
  figures: CallCenterFigures;
  alarms: AnswerRateAlarms;
  /** How often figures are read and pushed. */
  intervalMs: number;
  /** Configured queue ids, listed (with zeros) before any call reached them. */
  queues?: () => readonly string[];
  log: Logger;
  now?: () => number;
}

/**
 * Reads the live figures every few seconds, judges the answer-rate alarms and tells every
 * subscriber (the supervisors' WebSocket connections on this instance). Each instance runs its
 * own feed over the shared counters, so a supervisor on any instance sees the same figures.
 */
export class FiguresFeedService implements FiguresFeed {
  private readonly listeners = new Set<(update: FiguresUpdate) => void>();
  private last: FiguresUpdate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<FiguresUpdate | undefined> | undefined;
  private failing = false;
  private readonly now: () => number;

  constructor(private readonly options: FiguresFeedOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  latest(): FiguresUpdate | undefined {
    return this.last;
  }

  subscribe(listener: (update: FiguresUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** One round: read, judge, tell. A tick still running is joined, not doubled; a Redis error skips the round. */
  tick(): Promise<FiguresUpdate | undefined> {
    this.inFlight ??= this.round().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async round(): Promise<FiguresUpdate | undefined> {
    const atMs = this.now();
    let update: FiguresUpdate;
    try {
      const figures = withQueues(await this.options.figures.snapshot(atMs), this.options.queues?.() ?? []);
      const { raised, cleared, active } = this.options.alarms.judge(figures, atMs);
      update = { atMs, figures, alarms: raised, cleared, active };
    } catch (err) {
      if (!this.failing) this.options.log.warn({ err }, 'live figures could not be read; supervisors keep the last ones');
      this.failing = true;
      return undefined;
    }
    if (this.failing) this.options.log.info('live figures readable again');
    this.failing = false;
    for (const a of update.alarms) this.options.log.warn({ queue: a.queue, level: a.level, answerRate: a.answerRate }, a.message);
    for (const c of update.cleared) this.options.log.info({ queue: c.queue, answerRate: c.answerRate }, c.message);
    this.last = update;
    for (const l of this.listeners) {
      try {
        l(update);
      } catch (err) {
        this.options.log.error({ err }, 'figures subscriber threw');
      }
    }
    return update;
  }
}
