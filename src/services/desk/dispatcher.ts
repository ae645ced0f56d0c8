import type { Logger } from '../../log/logger.js';
import type { QueueDef, Reservation } from '../../core/acd/model.js';
import type { Acd } from '../../core/ports/acd.js';
import type { DeskBus } from '../../core/ports/desk-bus.js';
import type { AgentTracker } from './agent-tracker.js';
import type { OwnedCalls } from './owned-calls.js';

export interface DispatcherOptions {
  instanceId: string;
  acd: Acd;
  bus: DeskBus;
  tracker: AgentTracker;
  owned: OwnedCalls;
  queues: readonly QueueDef[];
  tickMs: number;
  wrapUpMs: number;
  /** After each dispatch run (agents left free may take idle-time callbacks, issue 6). */
  onDispatched?: () => void;
  now: () => number;
  log: Logger;
}

/**
 * The dispatch loop: matches waiting calls with agents (Acd.dispatch, atomic in the store) when a
 * call is queued, when an agent becomes free, and every tick (waiting time widens a call's reach
 * over skill levels). The call's owner offers each reservation. Every tick also sweeps what an
 * instance that died would have left: offers past their expiry (plus a grace, so the owner's own
 * timer normally wins) and wrap-ups past their end.
 */
export class Dispatcher {
  private readonly pending = new Set<string>();
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly wrapUpTimers = new Map<string, NodeJS.Timeout>();
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.o.tickMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.wrapUpTimers.values()) clearTimeout(t);
    this.wrapUpTimers.clear();
    await this.idle;
  }

  /** Dispatch these queues soon (coalesced: one dispatch at a time per instance). */
  wake(queues: readonly string[]): void {
    for (const q of queues) this.pending.add(q);
    if (this.pending.size === 0) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.idle = this.run();
  }

  /** The agent's wrap-up ends at `atMs` (timed here; any instance's sweep does it if this one dies). */
  wrapUpDue(agentId: string, atMs: number): void {
    clearTimeout(this.wrapUpTimers.get(agentId));
    const t = setTimeout(() => {
      this.wrapUpTimers.delete(agentId);
      void this.endWrapUp(agentId);
    }, Math.max(0, atMs - this.o.now()));
    t.unref?.();
    this.wrapUpTimers.set(agentId, t);
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const queues = [...this.pending];
        this.pending.clear();
        let made: Reservation[] = [];
        try {
          made = await this.o.acd.dispatch(queues, this.o.now());
        } catch (err) {
          this.o.log.error({ err, queues }, 'dispatch failed (the next tick retries)');
        }
        await Promise.all(made.map((r) => this.reserved(r)));
      } while (this.again || this.pending.size > 0);
    } finally {
      this.running = false;
    }
    this.o.onDispatched?.();
  }

  private async reserved(r: Reservation): Promise<void> {
    const { o } = this;
    try {
      await o.tracker.changed({ agentId: r.agentId, state: 'reserved', callId: r.callId, sinceMs: o.now() }, o.now());
      if (r.owner === o.instanceId) {
        // Not awaited: one slow screen pop must not hold the other offers of this round.
        void o.owned.offer(r).catch((err: unknown) => o.log.error({ err, callId: r.callId }, 'offer failed'));
        return;
      }
      if (await o.bus.offer(r.owner, r)) return;
      // Its owner is gone: the call leaves the queue (a takeover of the call by another instance
      // queues it again), and the agent is free at once rather than after a timeout.
      o.log.warn({ callId: r.callId, owner: r.owner }, 'owner of a reserved call is not listening; call taken out of the queue');
      await o.acd.remove(r.callId);
      await o.tracker.changed(await o.acd.status(r.agentId), o.now());
      this.wake(await o.tracker.queuesOf(r.agentId));
    } catch (err) {
      o.log.error({ err, callId: r.callId, agentId: r.agentId }, 'reservation not handed on (it lapses and is swept)');
    }
  }

  /**
   * The agent's wrap-up is over: available again, unless they chose not ready meanwhile. The
   * ACD may have ended it already (a dispatch ends wrap-ups that are due); the agent is told either way.
   */
  async endWrapUp(agentId: string): Promise<void> {
    const { o } = this;
    try {
      let status = await o.acd.status(agentId);
      const now = o.now();
      if (status.state === 'wrap-up') {
        if (status.sinceMs + o.wrapUpMs > now) return;
        status = await o.acd.setState(agentId, 'available', now);
      }
      if (status.state !== 'available') return;
      await o.tracker.changed(status, now);
      this.wake(await o.tracker.queuesOf(agentId));
    } catch (err) {
      o.log.warn({ err, agentId }, 'wrap-up not ended (the sweep retries)');
    }
  }

  /** One tick: dispatch every queue, then sweep lapsed offers and wrap-ups left by a dead instance. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const { o } = this;
    try {
      this.wake(o.queues.map((q) => q.id));
      const now = o.now();
      for (const r of await o.acd.lapsed(now - 2 * o.tickMs)) {
        // Its owner never timed it out (it died): the agent was not at fault, and is available again.
        await o.acd.release(r.agentId, r.callId, now, { state: 'available' });
        await o.bus.publish(r.agentId, { type: 'offer.withdrawn', callId: r.callId, reason: 'lapsed' });
        await o.tracker.changed(await o.acd.status(r.agentId), now);
        o.log.warn({ callId: r.callId, agentId: r.agentId, owner: r.owner }, 'swept an offer its owner left reserved');
        this.wake([r.queue]);
      }
      // Consult holds have no expiry (the consulting desk ends them); those of an owner that is gone
      // would keep their agent reserved for ever.
      for (const h of await o.acd.consultHolds()) {
        if (h.owner === o.instanceId || now - h.sinceMs < 2 * o.tickMs || (h.owner && (await o.bus.listening(h.owner)))) continue;
        await o.acd.release(h.agentId, h.callId, now, { state: 'available' });
        await o.tracker.changed(await o.acd.status(h.agentId), now);
        o.log.warn({ callId: h.callId, agentId: h.agentId, owner: h.owner }, 'released a consult hold its owner left');
        this.wake(await o.tracker.queuesOf(h.agentId));
      }
      for (const a of await o.acd.agents()) {
        if (a.state === 'wrap-up' && a.sinceMs + o.wrapUpMs <= now && !this.wrapUpTimers.has(a.agentId)) await this.endWrapUp(a.agentId);
      }
    } catch (err) {
      o.log.warn({ err }, 'desk sweep failed');
    } finally {
      this.ticking = false;
    }
  }
}
