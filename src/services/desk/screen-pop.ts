import type { Logger } from '../../log/logger.js';
import { toE164 } from '../../core/intake/phone.js';
import type { ScreenPop } from '../../core/ports/desk.js';
import type { CallerHistoryQuery } from '../../core/ports/work-order-query.js';

/**
 * The caller's recent intakes and open work orders for the offer, asked of the core with a short
 * deadline. A slow or unreachable core never holds the offer up: past the deadline (or on any
 * error) the pop goes out marked unavailable.
 */
export async function screenPop(query: CallerHistoryQuery, caller: string, o: { deadlineMs: number; maxIntakes: number; log: Logger }): Promise<ScreenPop> {
  const e164 = toE164(caller);
  if (!e164) return { caller, recentIntakes: [], openWorkOrders: [] };
  let timer: NodeJS.Timeout | undefined;
  // The gRPC deadline bounds the call; the race bounds everything around it (name resolution,
  // a channel still connecting) to the same deadline.
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), o.deadlineMs)));
  try {
    const h = await Promise.race([query.callerHistory(e164, o.maxIntakes, o.deadlineMs), late]);
    if (h === 'late') {
      o.log.warn({ deadlineMs: o.deadlineMs }, 'screen pop: the core did not answer in time; offered without it');
      return { caller: e164, recentIntakes: [], openWorkOrders: [], unavailable: true };
    }
    return { caller: e164, ...h };
  } catch (err) {
    o.log.warn({ err: (err as Error).message }, 'screen pop: the core could not be asked; offered without it');
    return { caller: e164, recentIntakes: [], openWorkOrders: [], unavailable: true };
  } finally {
    clearTimeout(timer);
  }
}
