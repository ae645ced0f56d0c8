import type { AgentStatus } from '../../src/core/acd/model.js';
import type {
  AgentProfile,
  DeskCommand,
  DeskNotice,
  DeskResult,
  DeskService,
} from '../../src/core/ports/desk.js';

/**
 * A DeskService double for the ws layer's tests: it records what it is asked, answers commands
 * with `result`, and lets the test push notices to an agent as the real service would.
 */
export class DeskServiceDouble implements DeskService {
  readonly logins: AgentProfile[] = [];
  readonly logouts: string[] = [];
  readonly commands: { agentId: string; command: DeskCommand }[] = [];
  readonly statuses = new Map<string, AgentStatus>();
  private readonly listeners = new Map<string, Set<(n: DeskNotice) => void>>();
  result: (agentId: string, command: DeskCommand) => DeskResult = (_a, c) => ({
    ok: true,
    detail: { done: c.type },
  });

  /** How long login takes (a slow desk service, to race a desktop that vanishes meanwhile). */
  loginDelayMs = 0;

  async login(agent: AgentProfile): Promise<AgentStatus> {
    this.logins.push(agent);
    if (this.loginDelayMs) await new Promise((r) => setTimeout(r, this.loginDelayMs));
    return this.set({ agentId: agent.agentId, state: 'not-ready', reason: 'break', sinceMs: Date.now() });
  }
  async logout(agentId: string): Promise<AgentStatus> {
    this.logouts.push(agentId);
    return this.set({ agentId, state: 'logged-out', sinceMs: Date.now() });
  }
  async command(agentId: string, command: DeskCommand): Promise<DeskResult> {
    this.commands.push({ agentId, command });
    return this.result(agentId, command);
  }
  subscribe(agentId: string, listener: (notice: DeskNotice) => void): () => void {
    let set = this.listeners.get(agentId);
    if (!set) this.listeners.set(agentId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(agentId: string, notice: DeskNotice): void {
    for (const l of this.listeners.get(agentId) ?? []) l(notice);
  }
  subscribers(agentId: string): number {
    return this.listeners.get(agentId)?.size ?? 0;
  }
  /** Every agent's state, as the ACD store would answer (the supervisors' agent view). */
  async agents(): Promise<AgentStatus[]> {
    return [...this.statuses.values()];
  }
  private set(status: AgentStatus): AgentStatus {
    this.statuses.set(status.agentId, status);
    this.emit(status.agentId, { type: 'agent.state', status });
    return status;
  }
}
