import type { Acd } from '../../src/core/ports/acd.js';
import type { HoldingQueue } from '../../src/core/ports/holding-queue.js';

/**
 * The IVR's queue step (HoldingQueue, issue 4) feeding an Acd, for the desk's tests until the IVR
 * queues into the Acd itself (the `acd` branch moves the queue step there).
 */
export class AcdHoldingQueue implements HoldingQueue {
  constructor(
    private readonly acd: Acd,
    private readonly owner: string,
  ) {}

  async enter(queue: string, callId: string, priority: 'emergency-transfer' | 'normal'): Promise<{ position: number }> {
    const known = await this.acd.position(callId);
    if (known && known.queue !== queue) return this.acd.move(callId, queue, priority);
    if (known) return { position: known.position };
    return this.acd.enqueue({ callId, queue, priority, enqueuedAtMs: Date.now(), owner: this.owner });
  }

  async leave(_queue: string, callId: string): Promise<void> {
    await this.acd.remove(callId);
  }

  async position(queue: string, callId: string): Promise<number | undefined> {
    const p = await this.acd.position(callId);
    return p?.queue === queue ? p.position : undefined;
  }

  async waiting(queue: string): Promise<string[]> {
    return (await this.acd.waiting(queue)).map((c) => c.callId);
  }
}
