import { Gauge, type Registry } from 'prom-client';
import type { QueueFigures } from '../../core/ports/figures.js';

type Figure = keyof Omit<QueueFigures, 'queue' | 'window'>;

// Gauge per figure, labelled {queue, window}; the centre as a whole is queue="*".
const GAUGES: { name: string; help: string; figure: Figure }[] = [
  { name: 'hotline_queue_offered_calls', help: 'Calls offered to the queue in the window', figure: 'offered' },
  { name: 'hotline_queue_answered_calls', help: 'Calls answered by an agent in the window', figure: 'answered' },
  { name: 'hotline_queue_abandoned_calls', help: 'Calls abandoned after the short-abandon threshold in the window', figure: 'abandoned' },
  { name: 'hotline_queue_short_abandoned_calls', help: 'Calls abandoned within the short-abandon threshold (left out of the answer rate)', figure: 'shortAbandoned' },
  { name: 'hotline_queue_overflowed_calls', help: 'Calls that left the queue for another unanswered (overflow)', figure: 'overflowed' },
  { name: 'hotline_queue_answer_rate', help: 'Answered / (offered - short abandons - overflowed); art. 13: at least 0.95', figure: 'answerRate' },
  { name: 'hotline_queue_service_level', help: 'Share answered within the service-level target (GB/T 33358-2016: 15 s)', figure: 'serviceLevel' },
  { name: 'hotline_queue_mean_wait_seconds', help: 'Mean wait of the answered calls', figure: 'meanWaitSec' },
  { name: 'hotline_queue_mean_handle_seconds', help: 'Mean talk plus wrap-up time of the handled calls', figure: 'meanHandleSec' },
  { name: 'hotline_queue_occupancy', help: 'Agent busy time / staffed time', figure: 'occupancy' },
];

/**
 * The live figures as Prometheus gauges. Read at scrape time; one read serves every gauge of a
 * scrape (and scrapes within `cacheMs`). A figure with no value (nothing offered) has no series.
 */
export function registerFigureGauges(registry: Registry, read: () => Promise<QueueFigures[]>, cacheMs = 1000): void {
  let cached: { at: number; rows: Promise<QueueFigures[]> } | undefined;
  const rows = () => {
    const now = Date.now();
    if (!cached || now - cached.at > cacheMs) {
      const p = read();
      cached = { at: now, rows: p };
      p.catch(() => (cached = undefined));
    }
    return cached.rows;
  };
  for (const g of GAUGES)
    new Gauge({
      name: g.name,
      help: g.help,
      labelNames: ['queue', 'window'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await rows()) {
          const v = r[g.figure];
          if (v !== undefined) this.set({ queue: r.queue, window: r.window }, v);
        }
      },
    });
}
