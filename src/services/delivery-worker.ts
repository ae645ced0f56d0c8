import type { Logger } from '../log/logger.js';
import type { IntakeOutbox, Settlement } from '../core/ports/intake-outbox.js';
import type { IntakeSink } from '../core/ports/intake-sink.js';
import type { IntakeMetrics } from '../core/ports/intake-metrics.js';

export interface DeliveryWorkerOptions {
  batchSize: number;
  idlePollMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** Batches in flight at once; the outbox's per-citizen locks keep each citizen in order. */
  concurrency?: number;
}

export interface CoreLinkState {
  reachable: boolean | undefined;
  lastDeliveryAt?: string;
  lastError?: string;
  consecutiveFailures: number;
}

/**
 * Moves intakes from the outbox to the work-order core: leases a batch, sends it on one stream,
 * settles what the core acknowledged and puts the rest back in place. While the core is
 * unreachable it backs off (doubling, with jitter) and never drops an intake.
 */
export class DeliveryWorker {
  private running = false;
  private loops: Promise<void>[] = [];
  /** Idle loops, woken by new work; a loop backing off from a down core is woken only by stop(). */
  private idleWakers = new Set<() => void>();
  private allWakers = new Set<() => void>();
  readonly link: CoreLinkState = { reachable: undefined, consecutiveFailures: 0 };

  constructor(
    private readonly outbox: IntakeOutbox,
    private readonly sink: IntakeSink,
    private readonly metrics: IntakeMetrics,
    private readonly options: DeliveryWorkerOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = this.options.concurrency ?? 2;
    for (let i = 0; i < n; i++) this.loops.push(this.loop(i));
  }

  /** Something was accepted: idle loops look now rather than at their next poll. */
  wake(): void {
    for (const w of this.idleWakers) w();
  }

  /** Finishes the batches in flight, then stops. What is still queued stays in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.allWakers) w();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(index: number): Promise<void> {
    let backoff = 0;
    while (this.running) {
      try {
        const delivered = await this.deliverOnce();
        if (delivered === 'idle') {
          backoff = 0;
          await this.pause(this.options.idlePollMs, true);
        } else if (delivered === 'ok') {
          backoff = 0;
        } else {
          backoff = backoff === 0 ? this.options.retryMinMs : Math.min(backoff * 2, this.options.retryMaxMs);
          await this.pause(backoff / 2 + Math.random() * (backoff / 2), false);
        }
      } catch (err) {
        // Redis unreachable: the lease (if any) lapses and its intakes go back in line.
        this.log.warn({ err, loop: index }, 'delivery loop error');
        backoff = Math.min(Math.max(backoff * 2, this.options.retryMinMs), this.options.retryMaxMs);
        await this.pause(backoff, false);
      }
    }
  }

  private async deliverOnce(): Promise<'idle' | 'ok' | 'retry'> {
    const lease = await this.outbox.lease(this.options.batchSize);
    if (lease.items.length === 0) return 'idle';
    const intakes = lease.items.map((i) => i.intake);
    const result = await this.sink.submitBatch(intakes);
    const settlements: Settlement[] = result.acks.map((ack) =>
      ack.rejection
        ? { intakeId: ack.intakeId, outcome: 'failed', error: `${ack.rejection.code}: ${ack.rejection.message}` }
        : { intakeId: ack.intakeId, outcome: 'delivered', workOrderId: ack.workOrderId, duplicate: ack.duplicate },
    );
    await this.outbox.settle(lease, settlements);

    const now = Date.now();
    for (let i = 0; i < result.acks.length; i++) {
      const intake = intakes[i]!;
      const ack = result.acks[i]!;
      if (ack.rejection) {
        this.metrics.failed(intake.channel);
        this.log.error({ intakeId: intake.intakeId, rejection: ack.rejection }, 'core refused intake for good');
      } else {
        this.metrics.delivered(intake.channel, (now - Date.parse(intake.receivedTime)) / 1000);
      }
    }
    if (result.acks.length > 0) this.link.lastDeliveryAt = new Date(now).toISOString();

    if (result.error) {
      this.link.consecutiveFailures++;
      this.link.lastError = result.error.message;
      if (this.link.reachable !== false || this.link.consecutiveFailures % 20 === 1) {
        this.log.warn({ err: result.error, pending: intakes.length - result.acks.length }, 'work-order core unreachable; will retry');
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
