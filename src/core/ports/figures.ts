// Live figures of the call queues (issue 5; art. 13 and 29 of seeds/002: answer rate ≥ 95 %;
// GB/T 33358-2016: answered by a person within 15 s). Events go in; per-queue figures over a
// rolling 15 minutes and today come out. Shared by every instance (kept in Redis).

export type FigureEvent =
  | { type: 'offered'; queue: string; callId: string; atMs: number }
  | { type: 'answered'; queue: string; callId: string; atMs: number; waitMs: number }
  | { type: 'abandoned'; queue: string; callId: string; atMs: number; waitMs: number }
  | { type: 'overflowed'; queue: string; to: string; callId: string; atMs: number }
  | { type: 'handled'; queue: string; callId: string; agentId: string; atMs: number; talkMs: number; wrapMs: number }
  /** Agent time split for occupancy: busy = on-call + wrap-up + reserved, staffed = logged in. */
  | { type: 'agent-time'; agentId: string; queues: string[]; atMs: number; busyMs: number; staffedMs: number };

export interface QueueFigures {
  queue: string;
  window: 'rolling-15m' | 'today';
  offered: number;
  answered: number;
  abandoned: number;
  /** Abandoned within the configured few seconds: counted apart, out of the answer rate. */
  shortAbandoned: number;
  /** answered ÷ (offered − short abandons); undefined with nothing offered. */
  answerRate?: number;
  /** Share answered within 15 s (GB/T 33358-2016). */
  serviceLevel?: number;
  meanWaitSec?: number;
  meanHandleSec?: number;
  /** busy ÷ staffed agent time. */
  occupancy?: number;
}

export interface FigureAlarm {
  queue: string;
  level: 'warning' | 'critical';
  /** For supervisors, in Chinese. */
  message: string;
  answerRate: number;
  atMs: number;
}

export interface CallCenterFigures {
  record(event: FigureEvent): Promise<void>;
  snapshot(nowMs: number): Promise<QueueFigures[]>;
}

/**
 * Alarms as they are raised (answer rate below 95 %, louder below 90 %; art. 13, 29), from
 * whichever instance noticed: the ws layer pushes them to supervisors watching the figures.
 */
export interface FigureAlarmFeed {
  subscribe(listener: (alarm: FigureAlarm) => void): () => void;
}
