import type { Logger } from '../log/logger.js';

export interface DeliveryLoopOptions {
  idlePollMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** Batches in flight at once; the outbox's per-group locks keep each group in order. */
  concurrency?: number;
  /**
   * How long a wake-up waits for more work to arrive (0: none). Under load every accept wakes the
   * loops, and batches of one or two intakes cost a lease, a stream and a settlement each.
   */
  wakeDelayMs?: number;
}

export interface CoreLinkState {
  reachable: boolean | undefined;
  lastDeliveryAt?: string;
  lastError?: string;
  consecutiveFailures: number;
}

/**
 * The loop every outbox worker runs (intakes, call records): deliver a batch; when idle, wait for
 * a wake-up or the next poll; while the core is unreachable back off (doubling, with jitter) and
 * never drop anything. Subclasses say how one batch is delivered.
 */
export abstract class DeliveryLoop {
  private running = false;
  private loops: Promise<void>[] = [];
  /** Idle loops, woken by new work; a loop backing off from a down core is woken only by stop(). */
  private idleWakers = new Set<() => void>();
  private allWakers = new Set<() => void>();
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly link: CoreLinkState = { reachable: undefined, consecutiveFailures: 0 };

  protected constructor(
    protected readonly loopOptions: DeliveryLoopOptions,
    protected readonly log: Logger,
  ) {}

  /** Leases one batch, sends it and settles it. */
  protected abstract deliverOnce(): Promise<'idle' | 'ok' | 'retry'>;

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = this.loopOptions.concurrency ?? 2;
    for (let i = 0; i < n; i++) this.loops.push(this.loop(i));
  }

  /** Something was accepted: idle loops look now (after wakeDelayMs) rather than at their next poll. */
  wake(): void {
    const delay = this.loopOptions.wakeDelayMs ?? 0;
    if (delay <= 0) return this.wakeIdle();
    this.wakeTimer ??= setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeIdle();
    }, delay);
  }

  private wakeIdle(): void {
    for (const w of this.idleWakers) w();
  }

  /** Finishes the batches in flight, then stops. What is still queued stays in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    for (const w of this.allWakers) w();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Book-keeping after a batch: returns 'retry' when the core could not take all of it. */
  protected linkResult(error: Error | undefined, pending: number): 'ok' | 'retry' {
    if (error) {
      this.link.consecutiveFailures++;
      this.link.lastError = error.message;
      if (this.link.reachable !== false || this.link.consecutiveFailures % 20 === 1) {
        this.log.warn({ err: error, pending }, 'work-order core unreachable; will retry');
      }
      this.link.reachable = false;
      return 'retry';
    }
    if (this.link.reachable === false) this.log.info('work-order core reachable again');
    this.link.reachable = true;
    this.link.consecutiveFailures = 0;
    delete this.link.lastError;
    return 'ok';
  }

  private async loop(index: number): Promise<void> {
    let backoff = 0;
    while (this.running) {
      try {
        const delivered = await this.deliverOnce();
        if (delivered === 'idle') {
          backoff = 0;
          await this.pause(this.loopOptions.idlePollMs, true);
        } else if (delivered === 'ok') {
          backoff = 0;
        } else {
          backoff = backoff === 0 ? this.loopOptions.retryMinMs : Math.min(backoff * 2, this.loopOptions.retryMaxMs);
          await this.pause(backoff / 2 + Math.random() * (backoff / 2), false);
        }
      } catch (err) {
        // Redis unreachable: the lease (if any) lapses and its items go back in line.
        this.log.warn({ err, loop: index }, 'delivery loop error');
        backoff = Math.min(Math.max(backoff * 2, this.loopOptions.retryMinMs), this.loopOptions.retryMaxMs);
        await this.pause(backoff, false);
      }
    }
  }

  private pause(ms: number, wakeOnWork: boolean): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idleWakers.delete(done);
        this.allWakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeOnWork) this.idleWakers.add(done);
      this.allWakers.add(done);
    });
  }
}
