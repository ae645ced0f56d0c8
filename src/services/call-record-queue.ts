import type { CallDetailRecord } from '../core/calls/call-record.js';
import type { CallRecordOutbox } from '../core/ports/call-records.js';
import type { Logger } from '../log/logger.js';

/**
 * Queues a call's one CDR in the durable outbox, retrying a Redis hiccup (0.1, 0.4, 1.6, 6.4 s)
 * before giving up with the error: a call ends once, so its record has no other chance.
 */
export async function queueCallRecord(outbox: Pick<CallRecordOutbox, 'enqueue'>, record: CallDetailRecord, log: Logger, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await outbox.enqueue(record);
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      log.warn({ err, attempt: i }, 'call record not queued yet; retrying');
      await new Promise((r) => setTimeout(r, 100 * 4 ** (i - 1)));
    }
  }
}
