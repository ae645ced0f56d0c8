import type { Logger } from '../../log/logger.js';
import type { AgentState, AgentStatus, QueueDef } from '../../core/acd/model.js';
import type { AgentProfile } from '../../core/ports/desk.js';
import type { DeskBus } from '../../core/ports/desk-bus.js';
import type { DeskStore } from '../../core/ports/desk-store.js';
import type { CallCenterFigures } from '../../core/ports/figures.js';

const BUSY: ReadonlySet<AgentState> = new Set(['reserved', 'on-call', 'wrap-up']);
const TALKING: ReadonlySet<AgentState> = new Set(['on-call', 'wrap-up']);

/**
 * Every agent state change the desk makes passes here: the agent is told (on whichever instance
 * holds their connection), the time spent in the state left is counted for occupancy (agent-time),
 * and a call's handling ends (handled: talk and wrap-up time) when the agent leaves it.
 */
export class AgentTracker {
  private readonly profiles = new Map<string, AgentProfile>();

  constructor(
    private readonly o: { bus: DeskBus; store: DeskStore; figures: CallCenterFigures; queues: readonly QueueDef[]; log: Logger },
  ) {}

  remember(profile: AgentProfile): void {
    this.profiles.set(profile.agentId, profile);
  }

  /** The queues whose calls this agent may take (by skill). */
  async queuesOf(agentId: string): Promise<string[]> {
    let p = this.profiles.get(agentId);
    if (!p) {
      p = await this.o.store.profile(agentId);
      if (p) this.profiles.set(agentId, p);
    }
    const skills = p?.skills ?? {};
    return this.o.queues.filter((q) => skills[q.skill] !== undefined).map((q) => q.id);
  }

  async changed(status: AgentStatus, atMs: number): Promise<void> {
    const { bus, store, figures, log } = this.o;
    await bus.publish(status.agentId, { type: 'agent.state', status });
    try {
      const prev = await store.account(status.agentId, status.state, atMs);
      if (!prev || prev.state === status.state) return;
      const spent = Math.max(0, atMs - prev.atMs);
      if (prev.state !== 'logged-out' && spent > 0) {
        await figures.record({
          type: 'agent-time',
          agentId: status.agentId,
          queues: await this.queuesOf(status.agentId),
          atMs,
          busyMs: BUSY.has(prev.state) ? spent : 0,
          staffedMs: spent,
        });
      }
      if (TALKING.has(prev.state) && !TALKING.has(status.state)) await this.handled(status.agentId, prev, atMs);
    } catch (err) {
      log.warn({ err, agentId: status.agentId }, 'agent time not accounted');
    }
  }

  /** The agent left the call and its wrap-up: the call counts as handled, once. */
  private async handled(agentId: string, prev: { state: AgentState; atMs: number }, atMs: number): Promise<void> {
    const { store, figures } = this.o;
    const callId = await store.lastCall(agentId);
    const call = callId ? await store.call(callId) : undefined;
    if (!call || call.agentId !== agentId || call.answeredAtMs === undefined || !call.queue) return;
    if (!(await store.markOnce(call.callId, 'handled'))) return;
    const ended = call.endedAtMs ?? atMs;
    await figures.record({
      type: 'handled',
      queue: call.queue,
      callId: call.callId,
      agentId,
      atMs,
      talkMs: Math.max(0, ended - call.answeredAtMs),
      wrapMs: prev.state === 'wrap-up' ? Math.max(0, atMs - Math.max(prev.atMs, ended)) : 0,
    });
  }
}
