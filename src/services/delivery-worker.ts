import type { Logger } from '../log/logger.js';
import type { IntakeOutbox, Settlement } from '../core/ports/intake-outbox.js';
import type { IntakeSink } from '../core/ports/intake-sink.js';
import type { IntakeMetrics } from '../core/ports/intake-metrics.js';
import { DeliveryLoop, type DeliveryLoopOptions } from './delivery-loop.js';

export type { CoreLinkState } from './delivery-loop.js';

export interface DeliveryWorkerOptions extends DeliveryLoopOptions {
  batchSize: number;
}

/**
 * Moves intakes from the outbox to the work-order core: leases a batch, sends it on one stream,
 * settles what the core acknowledged and puts the rest back in place. While the core is
 * unreachable it backs off (doubling, with jitter) and never drops an intake.
 */
export class DeliveryWorker extends DeliveryLoop {
  constructor(
    private readonly outbox: IntakeOutbox,
    private readonly sink: IntakeSink,
    private readonly metrics: IntakeMetrics,
    private readonly options: DeliveryWorkerOptions,
    log: Logger,
  ) {
    super(options, log);
  }

  protected async deliverOnce(): Promise<'idle' | 'ok' | 'retry'> {
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
    return this.linkResult(result.error, intakes.length - result.acks.length);
  }
}
