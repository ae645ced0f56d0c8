import type { Redis } from 'ioredis';
import type { AgentState } from '../../core/acd/model.js';
import type { AgentProfile } from '../../core/ports/desk.js';
import type { DeskCall, DeskStore } from '../../core/ports/desk-store.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

const NUMBERS = new Set(['enqueuedAtMs', 'answeredAtMs', 'endedAtMs']);
const FIELDS = ['callId', 'owner', 'caller', 'entry', 'state', 'queue', 'priority', 'enqueuedAtMs', 'agentId', 'agentLegId', 'answeredAtMs', 'endedAtMs'] as const;

/** The desk's records in Redis: one hash per call (kept `retentionSeconds`), one per agent. */
export class RedisDeskStore implements DeskStore {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionSeconds: number,
  ) {
    this.scripts = defineScripts(redis);
  }

  async saveCall(callId: string, fields: Partial<DeskCall>): Promise<void> {
    const flat: string[] = ['callId', callId];
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      flat.push(k, k === 'entry' ? JSON.stringify(v) : String(v));
    }
    const key = this.keys.deskCall(callId);
    await this.redis.multi().hset(key, ...flat).expire(key, this.retentionSeconds).exec();
  }

  async call(callId: string): Promise<DeskCall | undefined> {
    const values = await this.redis.hmget(this.keys.deskCall(callId), ...FIELDS);
    if (!values[1]) return undefined;
    const out: Record<string, unknown> = {};
    FIELDS.forEach((f, i) => {
      const v = values[i];
      if (v === null || v === undefined) return;
      out[f] = f === 'entry' ? JSON.parse(v) : NUMBERS.has(f) ? Number(v) : v;
    });
    return out as unknown as DeskCall;
  }

  async markOnce(callId: string, mark: string, value = String(Date.now())): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.deskCall(callId), `mark:${mark}`, value)) === 1;
  }

  async mark(callId: string, mark: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.deskCall(callId), `mark:${mark}`)) ?? undefined;
  }

  async saveProfile(profile: AgentProfile): Promise<void> {
    await this.redis.hset(this.keys.deskAgent(profile.agentId), 'profile', JSON.stringify(profile));
  }

  async profile(agentId: string): Promise<AgentProfile | undefined> {
    const raw = await this.redis.hget(this.keys.deskAgent(agentId), 'profile');
    return raw ? (JSON.parse(raw) as AgentProfile) : undefined;
  }

  async setLastCall(agentId: string, callId: string): Promise<void> {
    await this.redis.hset(this.keys.deskAgent(agentId), 'lastCall', callId);
  }

  async lastCall(agentId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.deskAgent(agentId), 'lastCall')) ?? undefined;
  }

  async account(agentId: string, state: AgentState, atMs: number): Promise<{ state: AgentState; atMs: number } | undefined> {
    const prev = (await this.scripts['desk-account-1'](this.keys.deskAgent(agentId), state, atMs)) as string[];
    return prev.length === 2 ? { state: prev[0] as AgentState, atMs: Number(prev[1]) } : undefined;
  }
}
