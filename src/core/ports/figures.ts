// Live figures of the call queues (issue 5; art. 13 and 29 of seeds/002: answer rate ≥ 95 %;
// GB/T 33358-2016: answered by a person within 15 s). Events go in; per-queue figures over a
// rolling 15 minutes and today come out. Shared by every instance (kept in Redis).

export type FigureEvent =
  | { type: 'offered'; queue: string; callId: string; atMs: number }
  | { type: 'answered'; queue: string; callId: string; atMs: number; waitMs: number }
  | { type: 'abandoned'; queue: string; callId: string; atMs: number; waitMs: number }
  /** The call left `queue` for `to` unanswered; its entry into `to` is recorded as an `offered` there. */
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
  /** Left for another queue unanswered (overflow): counted where they went, so out of this queue's rates. */
  overflowed: number;
  /** answered ÷ (offered − short abandons − overflowed); undefined with nothing offered. */
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

/** The queue id of the figures of the whole centre (every queue together; art. 13 and 29 judge the hotline). */
export const CENTRE_FIGURES = '*';

/** An alarm that ended: the answer rate is back at or above 95 %. */
export interface FigureAlarmCleared {
  queue: string;
  /** For supervisors, in Chinese. */
  message: string;
  answerRate: number;
  atMs: number;
}

/** What supervisors are pushed every few seconds. */
export interface FiguresUpdate {
  atMs: number;
  /** Every queue (and CENTRE_FIGURES) in both windows. */
  figures: QueueFigures[];
  /** Alarms raised or changed in level since the last update; none again while nothing changes. */
  alarms: FigureAlarm[];
  /** Alarms that ended since the last update. */
  cleared: FigureAlarmCleared[];
  /** Every alarm in force now, for a supervisor who just connected. */
  active: FigureAlarm[];
}

export interface FiguresFeed {
  /** The last update, if one was made yet. */
  latest(): FiguresUpdate | undefined;
  subscribe(listener: (update: FiguresUpdate) => void): () => void;
}
