import type { Redis } from 'ioredis';
import type { LoginThrottle, StoredUser, UserStore } from '../../core/ports/users.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

type Stored = StoredUser & { rev: number };

function parse(json: string | null): Stored | undefined {
  return json ? (JSON.parse(json) as Stored) : undefined;
}
function strip({ rev: _rev, ...user }: Stored): StoredUser {
  return user;
}

/** Users as JSON strings in Redis, one key each, replaced by compare-and-set (user-update-1.lua). */
export class RedisUserStore implements UserStore {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.scripts = defineScripts(redis);
  }

  async create(user: StoredUser): Promise<boolean> {
    const ok = await this.redis.set(this.keys.user(user.username), JSON.stringify({ ...user, rev: 1 }), 'NX');
    if (ok !== 'OK') return false;
    await this.redis.sadd(this.keys.users, user.username);
    return true;
  }

  async get(username: string): Promise<StoredUser | undefined> {
    const u = parse(await this.redis.get(this.keys.user(username)));
    return u && strip(u);
  }

  async list(): Promise<StoredUser[]> {
    const names = (await this.redis.smembers(this.keys.users)).sort();
    if (names.length === 0) return [];
    const values = await this.redis.mget(names.map((n) => this.keys.user(n)));
    return values.flatMap((v) => (v ? [strip(parse(v)!)] : []));
  }

  async update(
    username: string,
    change: (current: StoredUser) => StoredUser,
  ): Promise<StoredUser | undefined> {
    for (let attempt = 0; attempt < 100; attempt++) {
      // Changed in between by someone else: read again after a short random pause (no lock-step retries).
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * attempt)));
      const cur = parse(await this.redis.get(this.keys.user(username)));
      if (!cur) return undefined;
      const next = { ...change(strip(cur)), username, rev: cur.rev + 1 };
      const r = Number(
        await this.scripts['user-update-1'](this.keys.user(username), String(cur.rev), JSON.stringify(next)),
      );
      if (r === 1) return strip(next);
      if (r === -1) return undefined;
    }
    throw new Error(`user ${username} kept changing under concurrent updates`);
  }
}

export interface LoginThrottleOptions {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
}

/** Failed-login counters in Redis (login-failure-2.lua), shared by every instance. */
export class RedisLoginThrottle implements LoginThrottle {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: LoginThrottleOptions,
  ) {
    this.scripts = defineScripts(redis);
  }

  async lockedFor(username: string, address: string): Promise<number> {
    const u = this.keys.loginFailures('user', username);
    const a = this.keys.loginFailures('address', address);
    const r = await this.redis.multi().get(u).pttl(u).get(a).pttl(a).exec();
    const v = (r ?? []).map(([, x]) => x as string | number | null);
    let locked = 0;
    if (Number(v[0] ?? 0) >= this.options.maxFailuresPerUser) locked = Math.max(locked, Number(v[1]));
    if (Number(v[2] ?? 0) >= this.options.maxFailuresPerAddress) locked = Math.max(locked, Number(v[3]));
    return Math.max(0, locked);
  }

  async failed(username: string, address: string): Promise<number> {
    const o = this.options;
    return Number(
      await this.scripts['login-failure-2'](
        this.keys.loginFailures('user', username),
        this.keys.loginFailures('address', address),
        o.maxFailuresPerUser,
        o.maxFailuresPerAddress,
        o.windowMs,
        o.lockoutMs,
      ),
    );
  }

  async succeeded(username: string): Promise<void> {
    await this.redis.del(this.keys.loginFailures('user', username));
  }
}
