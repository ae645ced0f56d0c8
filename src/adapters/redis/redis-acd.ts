import type { Redis } from 'ioredis';
import type {
  AcdPolicy,
  AgentSkills,
  AgentStatus,
  CallPriority,
  CallStanding,
  NotReadyReason,
  QueueDef,
  Reservation,
  ReserveFor,
  WaitingCall,
} from '../../core/acd/model.js';
import { AGENT_STATES, CALL_PRIORITIES, NOT_READY_REASONS } from '../../core/acd/model.js';
import { MAX_SKILL_LEVEL, PRIORITY_BAND, priorityRank } from '../../core/acd/routing.js';
import type { QueueNow } from '../../core/callbacks/idle-dialling.js';
import { estimateWaitSec } from '../../core/acd/announcement.js';
import { invalidField } from '../../core/errors.js';
import type { Acd, ConsultHold } from '../../core/ports/acd.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

type Script = (...args: (string | number)[]) => Promise<unknown>;

const SKILL = /^[A-Za-z0-9_-]{1,64}$/;
/** Agent ids are usernames (src/core/auth/user.ts USERNAME: letters, digits, '.', '_', '-'). */
const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The ACD store in Redis (issue 5). Every state change and every reservation is one Lua script
 * (lua/acd-*.lua, sharing lua/acd-lib.lua), so any number of gateway instances on one Redis never
 * give one agent two calls or one call two agents, and a caller who leaves during an offer frees
 * the agent in the same step. Times are passed in (nowMs), so instances agree on nothing but Redis.
 */
export class RedisAcd implements Acd {
  private readonly scripts: Record<ScriptName, Script>;
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly policy: AcdPolicy,
    /** Reservations per dispatch script run: bounds how long one run holds Redis. */
    private readonly dispatchBatch = 64,
  ) {
    this.scripts = defineScripts(redis);
    this.p = keys.acdPrefix;
  }

  // --- calls ---

  async enqueue(call: WaitingCall): Promise<{ position: number }> {
    const q = this.queue(call.queue, 'queue');
    if (!CALL_PRIORITIES.includes(call.priority)) throw invalidField('priority', `unknown priority ${String(call.priority)}`);
    const position = await this.scripts['acd-enqueue-2'](
      this.keys.acdCall(call.callId),
      this.keys.acdQueue(q.id),
      this.p,
      call.callId,
      q.id,
      q.skill,
      call.priority,
      call.enqueuedAtMs,
      call.owner,
      call.enqueuedAtMs,
    );
    return { position: Number(position) };
  }

  async remove(callId: string): Promise<{ releasedAgent?: string }> {
    const agent = await this.scripts['acd-remove-2'](this.keys.acdCall(callId), this.keys.acdReservations, this.p, callId);
    return typeof agent === 'string' ? { releasedAgent: agent } : {};
  }

  async move(callId: string, toQueue: string, priority?: CallPriority): Promise<{ position: number }> {
    const q = this.queue(toQueue, 'toQueue');
    if (priority && !CALL_PRIORITIES.includes(priority)) throw invalidField('priority', `unknown priority ${String(priority)}`);
    // A call answered or gone meanwhile (an overflow racing an answer) is not an error: position 0.
    const position = Number(await this.scripts['acd-move-1'](this.keys.acdCall(callId), this.p, callId, q.id, q.skill, priority ?? '', Date.now()));
    return { position: Math.max(0, position) };
  }

  async position(callId: string): Promise<{ queue: string; position: number } | undefined> {
    const s = await this.standing(callId);
    return s && s.state === 'waiting' ? { queue: s.queue, position: s.position } : undefined;
  }

  async waiting(queue: string): Promise<WaitingCall[]> {
    const ids = await this.redis.zrange(this.keys.acdQueue(queue), '0', '-1');
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.keys.acdCall(id), 'priority', 'enq', 'owner');
    const rows = (await pipe.exec()) ?? [];
    return ids.map((callId, i) => {
      const [priority, enq, owner] = rows[i]![1] as (string | null)[];
      return { callId, queue, priority: (priority ?? 'normal') as CallPriority, enqueuedAtMs: Number(enq), owner: owner ?? '' };
    });
  }

  async load(queues: string[]): Promise<QueueNow[]> {
    const defs = queues.map((id) => this.queue(id, 'queues'));
    if (defs.length === 0) return [];
    // Live callers only: scores below the callback band (routing.ts queueScore).
    const liveBelow = `(${priorityRank('callback') * PRIORITY_BAND}`;
    const pipe = this.redis.pipeline();
    for (const q of defs) pipe.zcount(this.keys.acdQueue(q.id), '-inf', liveBelow).hget(this.keys.acdFree, q.skill);
    const rows = (await pipe.exec()) ?? [];
    return defs.map((q, i) => {
      const [e1, waiting] = rows[2 * i]!;
      const [e2, free] = rows[2 * i + 1]!;
      if (e1 || e2) throw (e1 ?? e2)!;
      return { queue: q.id, waiting: Number(waiting), freeAgents: Math.max(0, Number(free ?? 0)) };
    });
  }

  async standing(callId: string): Promise<CallStanding | undefined> {
    const n = this.policy.estimate.recentCalls;
    const r = (await this.scripts['acd-standing-1'](this.keys.acdCall(callId), this.p, callId, n)) as (string | number)[] | null;
    if (!r) return undefined;
    const [queue, state, position, enq, qsince, staffed, available, ...handles] = r;
    const talk = handles.map(Number);
    const meanHandleSec =
      talk.length > 0 ? talk.reduce((a, b) => a + b, 0) / talk.length / 1000 + this.policy.wrapUpMs / 1000 : this.policy.estimate.defaultHandleSec;
    const est = estimateWaitSec({ position: Number(position), staffed: Number(staffed), available: Number(available), meanHandleSec });
    return {
      queue: String(queue),
      state: state as CallStanding['state'],
      position: Number(position),
      enqueuedAtMs: Number(enq),
      inQueueSinceMs: Number(qsince),
      staffed: Number(staffed),
      available: Number(available),
      meanHandleSec: Math.round(meanHandleSec),
      ...(est !== undefined ? { estimatedWaitSec: est } : {}),
    };
  }

  // --- agents ---

  async login(agentId: string, skills: AgentSkills, nowMs: number): Promise<AgentStatus> {
    checkAgentId(agentId);
    const entries = Object.entries(skills);
    if (entries.length === 0) throw invalidField('skills', 'an agent needs at least one skill');
    for (const [skill, level] of entries) {
      if (!SKILL.test(skill)) throw invalidField('skills', `skill names are letters, digits, - and _: ${skill}`);
      if (!Number.isInteger(level) || level < 1 || level > MAX_SKILL_LEVEL) throw invalidField(`skills.${skill}`, `level must be 1–${MAX_SKILL_LEVEL}`);
    }
    const encoded = entries.map(([s, l]) => `${s}=${l}`).join(',');
    const flat = (await this.scripts['acd-login-2'](this.keys.acdAgent(agentId), this.keys.acdAgents, this.p, agentId, encoded, nowMs)) as string[];
    return toStatus(agentId, flat);
  }

  async logout(agentId: string, nowMs: number): Promise<AgentStatus> {
    checkAgentId(agentId);
    await this.scripts['acd-logout-2'](this.keys.acdAgent(agentId), this.keys.acdAgents, this.p, agentId, nowMs);
    return this.status(agentId);
  }

  async setState(agentId: string, state: 'available' | 'not-ready' | 'wrap-up', nowMs: number, reason?: NotReadyReason): Promise<AgentStatus> {
    checkAgentId(agentId);
    if (!['available', 'not-ready', 'wrap-up'].includes(state)) throw invalidField('state', `an agent may choose available, not-ready or wrap-up, not ${String(state)}`);
    if (state === 'not-ready' && (!reason || !NOT_READY_REASONS.includes(reason))) throw invalidField('reason', `not-ready needs one of ${NOT_READY_REASONS.join(', ')}`);
    const [, flat] = (await this.scripts['acd-set-state-2'](
      this.keys.acdAgent(agentId),
      this.keys.acdWrapUp,
      this.p,
      agentId,
      state,
      nowMs,
      reason ?? '',
      this.policy.wrapUpMs,
    )) as [number, string[]];
    return toStatus(agentId, flat);
  }

  async status(agentId: string): Promise<AgentStatus> {
    const h = await this.redis.hgetall(this.keys.acdAgent(agentId));
    return toStatus(agentId, Object.entries(h).flat());
  }

  async agents(): Promise<AgentStatus[]> {
    const ids = (await this.redis.smembers(this.keys.acdAgents)).sort();
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.acdAgent(id));
    const rows = (await pipe.exec()) ?? [];
    return ids.map((id, i) => toStatus(id, Object.entries(rows[i]![1] as Record<string, string>).flat()));
  }

  async consultHolds(): Promise<ConsultHold[]> {
    const ids = (await this.redis.smembers(this.keys.acdAgents)).sort();
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hmget(this.keys.acdAgent(id), 'state', 'hold', 'call', 'since');
    const rows = (await pipe.exec()) ?? [];
    const held = ids
      .map((agentId, i) => ({ agentId, row: rows[i]![1] as (string | null)[] }))
      .filter(({ row }) => row[0] === 'reserved' && row[1] === 'consult' && row[2]);
    if (held.length === 0) return [];
    const owners = this.redis.pipeline();
    for (const h of held) owners.hget(this.keys.acdCall(h.row[2]!), 'owner');
    const ownerRows = (await owners.exec()) ?? [];
    return held.map((h, i) => ({ agentId: h.agentId, callId: h.row[2]!, owner: (ownerRows[i]![1] as string | null) ?? '', sinceMs: Number(h.row[3]) }));
  }

  // --- matching ---

  async dispatch(queues: string[], nowMs: number): Promise<Reservation[]> {
    const args: (string | number)[] = [queues.length];
    for (const id of queues) {
      const q = this.queue(id, 'queues');
      args.push(q.id, q.skill, q.tiers.map((t) => `${t.afterSec * 1000}:${t.maxLevel}`).join(','));
    }
    const out: Reservation[] = [];
    // A bounded number of runs: each makes at most dispatchBatch reservations.
    for (let run = 0; run < 1000; run++) {
      const flat = (await this.scripts['acd-dispatch-2'](
        this.keys.acdReservations,
        this.keys.acdWrapUp,
        this.p,
        nowMs,
        this.policy.offerTimeoutMs,
        this.dispatchBatch,
        ...args,
      )) as string[];
      const made = toReservations(flat);
      out.push(...made);
      if (made.length < this.dispatchBatch) break;
    }
    return out;
  }

  async accept(agentId: string, callId: string, nowMs: number): Promise<boolean> {
    return Number(await this.scripts['acd-accept-2'](this.keys.acdAgent(agentId), this.keys.acdReservations, this.p, agentId, callId, nowMs)) === 1;
  }

  async release(agentId: string, callId: string, nowMs: number, then: { state: 'available' } | { state: 'not-ready'; reason: NotReadyReason }): Promise<void> {
    await this.scripts['acd-release-2'](
      this.keys.acdAgent(agentId),
      this.keys.acdReservations,
      this.p,
      agentId,
      callId,
      nowMs,
      then.state,
      then.state === 'not-ready' ? then.reason : '',
    );
  }

  async reserve(agentId: string, nowMs: number, what: ReserveFor): Promise<Reservation | undefined> {
    checkAgentId(agentId);
    let args: (string | number)[];
    if (what.kind === 'offer') {
      const c = what.call;
      const q = this.queue(c.queue, 'call.queue');
      if (!CALL_PRIORITIES.includes(c.priority)) throw invalidField('call.priority', `unknown priority ${String(c.priority)}`);
      if (what.from !== undefined) checkAgentId(what.from);
      args = [c.callId, nowMs, 'offer', c.owner, q.id, q.skill, c.priority, c.enqueuedAtMs, nowMs + this.policy.offerTimeoutMs, what.from ?? ''];
    } else if (what.kind === 'consult') {
      const q = what.queue === undefined ? undefined : this.queue(what.queue, 'queue');
      args = [what.callId, nowMs, 'consult', what.owner, q?.id ?? '', q?.skill ?? '', '', 0, 0, ''];
    } else {
      throw invalidField('kind', `a reservation is an offer or a consult, not ${String((what as { kind: unknown }).kind)}`);
    }
    const callId = String(args[0]);
    const flat = (await this.scripts['acd-reserve-2'](
      this.keys.acdAgent(agentId),
      this.keys.acdCall(callId),
      this.p,
      agentId,
      ...args,
      this.policy.wrapUpMs,
      this.policy.estimate.recentCalls,
    )) as string[] | null;
    return flat ? toReservations(flat)[0] : undefined;
  }

  async join(agentId: string, callId: string, nowMs: number, from?: string): Promise<boolean> {
    checkAgentId(agentId);
    const joined = await this.scripts['acd-join-2'](
      this.keys.acdAgent(agentId),
      this.keys.acdWrapUp,
      this.p,
      agentId,
      callId,
      nowMs,
      from ?? '',
      this.policy.wrapUpMs,
      this.policy.estimate.recentCalls,
    );
    return Number(joined) === 1;
  }

  async lapsed(nowMs: number): Promise<Reservation[]> {
    return toReservations((await this.scripts['acd-lapsed-1'](this.keys.acdReservations, this.p, nowMs, 1000)) as string[]);
  }

  async endCall(agentId: string, nowMs: number): Promise<AgentStatus> {
    const flat = (await this.scripts['acd-end-call-2'](
      this.keys.acdAgent(agentId),
      this.keys.acdWrapUp,
      this.p,
      agentId,
      nowMs,
      this.policy.wrapUpMs,
      this.policy.estimate.recentCalls,
    )) as string[];
    return toStatus(agentId, flat);
  }

  private queue(id: string, field: string): QueueDef {
    const q = this.policy.queues.get(id);
    if (!q) throw invalidField(field, `unknown queue ${id}`);
    return q;
  }
}

function checkAgentId(agentId: string): void {
  if (!AGENT_ID.test(agentId)) throw invalidField('agentId', '坐席工号只能由1–64位字母、数字、点、下划线或连字符组成');
}

function toStatus(agentId: string, flat: string[]): AgentStatus {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  const state = (AGENT_STATES as readonly string[]).includes(h.state ?? '') ? (h.state as AgentStatus['state']) : 'logged-out';
  return {
    agentId,
    state,
    ...(h.reason && state === 'not-ready' ? { reason: h.reason as NotReadyReason } : {}),
    ...(h.call && (state === 'reserved' || state === 'on-call') ? { callId: h.call } : {}),
    sinceMs: Number(h.since ?? 0),
  };
}

function toReservations(flat: string[]): Reservation[] {
  const out: Reservation[] = [];
  for (let i = 0; i + 5 < flat.length; i += 6) {
    out.push({
      callId: flat[i]!,
      agentId: flat[i + 1]!,
      queue: flat[i + 2]!,
      owner: flat[i + 3]!,
      offerExpiresAtMs: Number(flat[i + 4]),
      waitedMs: Number(flat[i + 5]),
    });
  }
  return out;
}
