import type { Logger } from '../log/logger.js';
import type { CallRecordOutbox, CallRecordSettlement, CallRecordSink } from '../core/ports/call-records.js';
import { DeliveryLoop, type DeliveryLoopOptions } from './delivery-loop.js';

export interface CallRecordWorkerOptions extends DeliveryLoopOptions {
  batchSize: number;
}

/** Moves call-detail records from their outbox to the core's CallRecords service (same loop as intakes). */
export class CallRecordWorker extends DeliveryLoop {
  constructor(
    private readonly outbox: CallRecordOutbox,
    private readonly sink: CallRecordSink,
    private readonly options: CallRecordWorkerOptions,
    log: Logger,
  ) {
    super(options, log);
  }

  protected async deliverOnce(): Promise<'idle' | 'ok' | 'retry'> {
    const lease = await this.outbox.lease(this.options.batchSize);
    if (lease.items.length === 0) return 'idle';
    const records = lease.items.map((i) => i.record);
    const result = await this.sink.submitBatch(records);
    const settlements: CallRecordSettlement[] = result.acks.map((ack) =>
      ack.rejection
        ? { callId: ack.callId, outcome: 'failed', error: `${ack.rejection.code}: ${ack.rejection.message}` }
        : { callId: ack.callId, outcome: 'delivered', duplicate: ack.duplicate },
    );
    await this.outbox.settle(lease, settlements);
    for (const ack of result.acks) {
      if (ack.rejection) this.log.error({ callId: ack.callId, rejection: ack.rejection }, 'core refused call record for good');
    }
    if (result.acks.length > 0) this.link.lastDeliveryAt = new Date().toISOString();
    return this.linkResult(result.error, records.length - result.acks.length);
  }
}
