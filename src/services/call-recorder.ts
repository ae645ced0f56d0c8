import type { CallDetailRecord } from '../core/calls/call-record.js';
import type { CallRecordOutbox } from '../core/ports/call-records.js';
import type { Logger } from '../log/logger.js';

/**
 * Where every call's one CDR goes when the call ends (the IVR's calls, callback attempts, survey
 * calls): queued in the durable outbox, then the delivery worker is woken.
 */
export interface CallRecorder {
  /** Rejects only when the outbox kept failing through the retries. */
  record(record: CallDetailRecord, log: Logger): Promise<void>;
}

/**
 * Queues into `outbox`, retrying a Redis hiccup (0.1, 0.4, 1.6, 6.4 s) before giving up with the
 * error — a call ends once, so its record has no other chance — and tells `onQueued` after each.
 */
export function callRecorder(outbox: Pick<CallRecordOutbox, 'enqueue'>, onQueued?: () => void, attempts = 5): CallRecorder {
  return {
    async record(record, log) {
      for (let i = 1; ; i++) {
        try {
          await outbox.enqueue(record);
          break;
        } catch (err) {
          if (i >= attempts) throw err;
          log.warn({ err, attempt: i }, 'call record not queued yet; retrying');
          await new Promise((r) => setTimeout(r, 100 * 4 ** (i - 1)));
        }
      }
      onQueued?.();
    },
  };
}
