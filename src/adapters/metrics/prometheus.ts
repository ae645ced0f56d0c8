import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Channel } from '../../core/intake/intake.js';
import type { IntakeMetrics } from '../../core/ports/intake-metrics.js';
import type { IntakeOutbox } from '../../core/ports/intake-outbox.js';

const channelLabel = (c: Channel) => c.replace('CHANNEL_', '').toLowerCase();

/** The gateway's Prometheus metrics, one registry per gateway (tests run several in one process). */
export class PrometheusMetrics implements IntakeMetrics {
  readonly registry = new Registry();
  private readonly acceptedTotal: Counter<'channel'>;
  private readonly duplicateTotal: Counter<'channel'>;
  private readonly deliveredTotal: Counter<'channel'>;
  private readonly failedTotal: Counter<'channel'>;
  private readonly latency: Histogram<'channel'>;

  constructor(outbox: IntakeOutbox) {
    collectDefaultMetrics({ register: this.registry, prefix: 'hotline_' });
    const registers = [this.registry];
    this.acceptedTotal = new Counter({ name: 'hotline_intakes_accepted_total', help: 'Intakes persisted and acknowledged to the citizen', labelNames: ['channel'], registers });
    this.duplicateTotal = new Counter({ name: 'hotline_intakes_duplicate_total', help: 'Repeated submissions answered with the intake already accepted', labelNames: ['channel'], registers });
    this.deliveredTotal = new Counter({ name: 'hotline_intakes_delivered_total', help: 'Intakes acknowledged by the work-order core', labelNames: ['channel'], registers });
    this.failedTotal = new Counter({ name: 'hotline_intakes_failed_total', help: 'Intakes the work-order core refused for good', labelNames: ['channel'], registers });
    this.latency = new Histogram({
      name: 'hotline_intake_delivery_latency_seconds',
      help: 'Time from acceptance to acknowledgement by the work-order core',
      labelNames: ['channel'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    const stats = () => outbox.stats();
    new Gauge({
      name: 'hotline_outbox_depth',
      help: 'Intakes accepted and not yet delivered to the work-order core',
      registers,
      async collect() {
        this.set((await stats()).depth);
      },
    });
    new Gauge({
      name: 'hotline_outbox_failed',
      help: 'Intakes the core refused for good, kept for inspection',
      registers,
      async collect() {
        this.set((await stats()).failed);
      },
    });
  }

  accepted(channel: Channel, duplicate: boolean): void {
    (duplicate ? this.duplicateTotal : this.acceptedTotal).inc({ channel: channelLabel(channel) });
  }

  delivered(channel: Channel, latencySeconds: number): void {
    this.deliveredTotal.inc({ channel: channelLabel(channel) });
    this.latency.observe({ channel: channelLabel(channel) }, Math.max(0, latencySeconds));
  }

  failed(channel: Channel): void {
    this.failedTotal.inc({ channel: channelLabel(channel) });
  }
}
