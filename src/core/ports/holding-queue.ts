// "The queue" until the ACD issue lands: a holding step. A caller holds a place in a named queue
// (kept in Redis, so it survives the instance), hears hold music, and keeps the place while using
// self-service keys. Calls transferred from 110/119/120/122 take places ahead of everyone.

export interface HoldingQueue {
  /** Takes a place (or keeps the one held); returns the 1-based position. */
  enter(queue: string, callId: string, priority: 'emergency-transfer' | 'normal'): Promise<{ position: number }>;
  leave(queue: string, callId: string): Promise<void>;
  /** 1-based position, or undefined when the call holds no place there. */
  position(queue: string, callId: string): Promise<number | undefined>;
  /** Call ids in queue order. */
  waiting(queue: string): Promise<string[]>;
}
