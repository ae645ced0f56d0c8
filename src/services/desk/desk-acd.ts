import type { AgentSkills, AgentStatus, CallPriority, NotReadyReason, Reservation, WaitingCall } from '../../core/acd/model.js';
import type { Acd } from '../../core/ports/acd.js';

export interface QueueWatcher {
  enqueued(call: WaitingCall): Promise<void>;
  moved(callId: string, from: string | undefined, to: string): Promise<void>;
}

/**
 * The Acd as the IVR sees it on a desk-running gateway: every place taken names this instance as
 * the call's owner (offers come back here) and tells the desk, which counts the call offered and
 * dispatches at once instead of at the next tick.
 */
export class DeskAcd implements Acd {
  constructor(
    private readonly inner: Acd,
    private readonly instanceId: string,
    private readonly watcher: QueueWatcher,
  ) {}

  async enqueue(call: WaitingCall): Promise<{ position: number }> {
    const placed = { ...call, owner: this.instanceId };
    const result = await this.inner.enqueue(placed);
    await this.watcher.enqueued(placed);
    return result;
  }

  async move(callId: string, toQueue: string, priority?: CallPriority): Promise<{ position: number }> {
    const from = (await this.inner.position(callId))?.queue;
    const result = await this.inner.move(callId, toQueue, priority);
    await this.watcher.moved(callId, from, toQueue);
    return result;
  }

  remove(callId: string): Promise<{ releasedAgent?: string }> {
    return this.inner.remove(callId);
  }
  position(callId: string): Promise<{ queue: string; position: number } | undefined> {
    return this.inner.position(callId);
  }
  waiting(queue: string): Promise<WaitingCall[]> {
    return this.inner.waiting(queue);
  }
  login(agentId: string, skills: AgentSkills, nowMs: number): Promise<AgentStatus> {
    return this.inner.login(agentId, skills, nowMs);
  }
  logout(agentId: string, nowMs: number): Promise<AgentStatus> {
    return this.inner.logout(agentId, nowMs);
  }
  setState(agentId: string, state: 'available' | 'not-ready' | 'wrap-up', nowMs: number, reason?: NotReadyReason): Promise<AgentStatus> {
    return this.inner.setState(agentId, state, nowMs, reason);
  }
  status(agentId: string): Promise<AgentStatus> {
    return this.inner.status(agentId);
  }
  agents(): Promise<AgentStatus[]> {
    return this.inner.agents();
  }
  dispatch(queues: string[], nowMs: number): Promise<Reservation[]> {
    return this.inner.dispatch(queues, nowMs);
  }
  accept(agentId: string, callId: string, nowMs: number): Promise<boolean> {
    return this.inner.accept(agentId, callId, nowMs);
  }
  release(agentId: string, callId: string, nowMs: number, then: { state: 'available' } | { state: 'not-ready'; reason: NotReadyReason }): Promise<void> {
    return this.inner.release(agentId, callId, nowMs, then);
  }
  lapsed(nowMs: number): Promise<Reservation[]> {
    return this.inner.lapsed(nowMs);
  }
  endCall(agentId: string, nowMs: number): Promise<AgentStatus> {
    return this.inner.endCall(agentId, nowMs);
  }
}
