import type { Channel } from '../intake/intake.js';

/** What the intake path reports for /metrics. */
export interface IntakeMetrics {
  accepted(channel: Channel, duplicate: boolean): void;
  delivered(channel: Channel, latencySeconds: number): void;
  failed(channel: Channel): void;
}
