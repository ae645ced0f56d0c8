// When a survey or a callback is next looked at: durable (BullMQ in Redis), one job per key.

export interface Clock {
  now(): number;
}

export interface KeyedSchedule {
  /** Idempotent: a key has one job; adding it again changes nothing. */
  add(key: string, at: number): Promise<void>;
  /** Looks at a waiting key now (an SMS rating arrived, a callback was granted a dial or cancelled). */
  wake(key: string): Promise<void>;
}
