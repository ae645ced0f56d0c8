import type { Redis } from 'ioredis';
import { byArrival, CALLBACK_KINDS, CALLBACK_STATUSES, type CallbackStatus } from '../../core/callbacks/callback.js';
import { HotlineError, invalidField } from '../../core/errors.js';
import {
  CALLBACK_LIST_LIMIT,
  type CallbackFilter,
  type CallbackStore,
  type StoredCallback,
} from '../../core/ports/callbacks.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

type Script = (...args: (string | number)[]) => Promise<unknown>;

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** Queue ids as the ACD takes them (src/adapters/redis/redis-acd.ts SKILL): no ',' or '|', which the indexes use. */
const QUEUE = /^[A-Za-z0-9_-]{1,64}$/;
const E164 = /^\+[1-9][0-9]{5,14}$/;
const CITIZEN_KEY = /^[^\s|,]{1,200}$/;
/** "<requestedAt, 15 digits>:<id>": a member of the list indexes, and what a cursor carries. */
const LIST_MEMBER = /^(\d{15}):([0-9A-HJKMNP-TV-Z]{26})$/;

export interface RedisCallbackStoreOptions {
  /** How long an ended callback (reached, failed, cancelled, overdue) is kept: callbacks.retentionDays. */
  retentionMs: number;
  /** Callbacks whose due time came promoted into the ready sets per `ready` call (bounds its cost). */
  promotePerCall?: number;
  /** Expired records' list entries removed per write (bounds its cost). */
  sweepPerCall?: number;
}

/**
 * Callbacks in Redis (issue 6), shared by every gateway instance. Each record is a hash; every
 * change that touches an index is one Lua script (lua/callback-*.lua, sharing callback-lib.lua):
 * create (one pending per citizen), save (compare-and-set on the revision, all indexes in step),
 * grant (two instances never dial one callback), ready (due callbacks promoted, heads read).
 * The indexes: per queue a sorted set of the busy-time callbacks that may be dialled now, by
 * request time (arrival order); one of those waiting for their due time (backoff, reschedule);
 * pending by citizen; in flight; and the supervisors' lists by request time. An ended record
 * leaves every index but the lists, and it and its list entries go `retentionMs` after it ended.
 */
export class RedisCallbackStore implements CallbackStore {
  private readonly scripts: Record<ScriptName, Script>;
  private readonly p: string;
  private readonly retentionMs: number;
  private readonly promotePerCall: number;
  private readonly sweepPerCall: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    options: RedisCallbackStoreOptions,
  ) {
    if (!(options.retentionMs > 0)) throw invalidField('retentionMs', '回拨记录保留时长须为正数');
    this.scripts = defineScripts(redis);
    this.p = keys.callbackPrefix;
    this.retentionMs = options.retentionMs;
    this.promotePerCall = options.promotePerCall ?? 200;
    this.sweepPerCall = options.sweepPerCall ?? 50;
  }

  async create(cb: StoredCallback): Promise<boolean> {
    const args = this.recordArgs(cb);
    const r = Number(
      await this.scripts['callback-create-2'](this.keys.callbackRecord(cb.id), this.keys.callbackPendingByCitizen, this.p, cb.id, ...args, cb.revision, ...this.indexArgs(cb), Date.now(), this.retentionMs, this.sweepPerCall),
    );
    if (r === -1) throw new HotlineError('CONFLICT', `回拨记录 ${cb.id} 已存在`);
    return r === 1;
  }

  async get(id: string): Promise<StoredCallback | undefined> {
    checkId(id, 'id');
    const [json, rev, granted] = await this.redis.hmget(this.keys.callbackRecord(id), 'json', 'rev', 'granted');
    return json ? toRecord(json, rev ?? null, granted ?? null) : undefined;
  }

  async pendingFor(citizenKey: string): Promise<StoredCallback | undefined> {
    if (!CITIZEN_KEY.test(citizenKey)) throw invalidField('citizenKey', '诉求人标识格式不正确');
    const id = await this.redis.hget(this.keys.callbackPendingByCitizen, citizenKey);
    if (!id) return undefined;
    const cb = await this.get(id);
    return cb?.status === 'pending' ? cb : undefined;
  }

  async save(cb: StoredCallback): Promise<StoredCallback | undefined> {
    const args = this.recordArgs(cb);
    const r = Number(
      await this.scripts['callback-save-2'](this.keys.callbackRecord(cb.id), this.keys.callbackPendingByCitizen, this.p, cb.id, ...args, cb.revision, ...this.indexArgs(cb), Date.now(), this.retentionMs, this.sweepPerCall),
    );
    if (r === -1) throw new HotlineError('NOT_FOUND', `没有回拨记录 ${cb.id}`);
    if (r === -2) throw new HotlineError('CONFLICT', '该号码已有另一条待回拨记录');
    return r > 0 ? { ...cb, revision: r } : undefined;
  }

  async ready(queues: string[], nowMs: number, perQueue: number): Promise<StoredCallback[]> {
    checkQueues(queues, 'queues');
    checkTime(nowMs, 'nowMs');
    if (!Number.isInteger(perQueue) || perQueue < 1 || perQueue > 1000) throw invalidField('perQueue', 'perQueue 须为 1–1000 的整数');
    if (queues.length === 0) return [];
    const flat = (await this.scripts['callback-ready-1'](this.keys.callbackLater, this.p, Math.floor(nowMs), perQueue, this.promotePerCall, ...queues)) as string[];
    const out: StoredCallback[] = [];
    for (let i = 0; i < flat.length; i += 3) out.push(toRecord(flat[i + 1]!, flat[i + 2]!, null));
    return out.sort((a, b) => byArrival(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async grant(id: string, queue: string, nowMs: number, maxInFlight?: number): Promise<StoredCallback | undefined> {
    checkId(id, 'id');
    if (!QUEUE.test(queue)) throw invalidField('queue', '队列标识格式不正确');
    checkTime(nowMs, 'nowMs');
    if (maxInFlight !== undefined && !(Number.isInteger(maxInFlight) && maxInFlight >= 0)) throw invalidField('maxInFlight', '在途上限须为非负整数');
    const r = (await this.scripts['callback-grant-1'](this.keys.callbackRecord(id), this.p, id, queue, Math.floor(nowMs), maxInFlight ?? '')) as [string, number, string] | number | null;
    if (r === -1) throw invalidField('queue', `回拨 ${id} 不属于队列 ${queue}`);
    if (!Array.isArray(r)) return undefined;
    return toRecord(r[0], String(r[1]), r[2]);
  }

  async inFlight(): Promise<number> {
    return this.redis.zcard(this.keys.callbackInFlight);
  }

  async list(filter: CallbackFilter): Promise<{ items: StoredCallback[]; next?: string }> {
    const f = checkFilter(filter);
    await this.sweep();
    // The narrowest index that answers one of the filters; the others are checked per record.
    const dimension =
      f.number !== undefined ? `number:${f.number}`
      : f.queue !== undefined ? `queue:${f.queue}`
      : f.status?.length === 1 ? `status:${f.status[0]}`
      : f.kind !== undefined ? `kind:${f.kind}`
      : 'all';
    const key = this.keys.callbackList(dimension);
    const filters = [f.number, f.queue, f.kind, f.status].filter((v) => v !== undefined).length;
    const fullyIndexed = filters === 0 || (filters === 1 && dimension !== 'all');
    const batch = fullyIndexed ? f.limit : Math.min(1000, f.limit * 4);
    const maxScanned = Math.max(1000, f.limit * 10);
    const min = f.fromMs !== undefined ? `[${pad(f.fromMs)}` : '-';
    let max = f.toMs !== undefined ? `(${pad(f.toMs)}` : '+';
    if (f.cursor !== undefined && (max === '+' || f.cursor < max.slice(1))) max = `(${f.cursor}`;

    const items: StoredCallback[] = [];
    let scanned = 0;
    for (;;) {
      const members = await this.redis.zrevrangebylex(key, max, min, 'LIMIT', 0, batch);
      if (members.length === 0) return { items };
      const pipe = this.redis.pipeline();
      for (const m of members) pipe.hmget(this.keys.callbackRecord(m.slice(16)), 'json', 'rev', 'granted');
      const rows = (await pipe.exec()) ?? [];
      for (let i = 0; i < members.length; i++) {
        scanned++;
        const [err, row] = rows[i]!;
        if (err) throw err;
        const [json, rev, granted] = row as (string | null)[];
        // A record past its retention may be gone before the sweep took its list entries.
        if (json) {
          const cb = toRecord(json, rev ?? null, granted ?? null);
          if (matches(cb, f)) items.push(cb);
        }
        const last = members[i]!;
        const more = i < members.length - 1 || members.length === batch;
        if (items.length === f.limit || scanned >= maxScanned) return more ? { items, next: Buffer.from(last).toString('base64url') } : { items };
      }
      if (members.length < batch) return { items };
      max = `(${members.at(-1)!}`;
    }
  }

  async counts(): Promise<Record<CallbackStatus, number>> {
    await this.sweep();
    const pipe = this.redis.pipeline();
    for (const s of CALLBACK_STATUSES) pipe.zcard(this.keys.callbackList(`status:${s}`));
    const rows = (await pipe.exec()) ?? [];
    return Object.fromEntries(
      CALLBACK_STATUSES.map((s, i) => {
        const [err, n] = rows[i]!;
        if (err) throw err;
        return [s, Number(n)];
      }),
    ) as Record<CallbackStatus, number>;
  }

  /** Ended records past their retention leave the lists (bounded per call). */
  private async sweep(): Promise<void> {
    await this.scripts['callback-sweep-1'](this.keys.callbackExpiry, this.p, Date.now(), this.sweepPerCall);
  }

  /** ARGV[3] of create and save: the stored JSON (revision and granted are fields of their own). */
  private recordArgs(cb: StoredCallback): [string] {
    checkRecord(cb);
    const { revision: _r, granted: _g, ...rest } = cb;
    return [JSON.stringify(rest)];
  }

  /** st, kind, cit, num, req, due, act, granted, qs: the order of FIELDS in lua/callback-lib.lua. */
  private indexArgs(cb: StoredCallback): string[] {
    const due = Math.max(cb.dueAtMs ?? -Infinity, cb.notBefore ?? -Infinity);
    return [
      cb.status,
      cb.kind,
      cb.citizenKey,
      cb.number,
      String(Math.floor(cb.requestedAt)),
      Number.isFinite(due) ? String(Math.floor(due)) : '',
      cb.active ? '1' : '',
      cb.granted ? JSON.stringify({ queue: cb.granted.queue, atMs: cb.granted.atMs }) : '',
      cb.queues.join(','),
    ];
  }
}

function toRecord(json: string, rev: string | null, granted: string | null): StoredCallback {
  const body = JSON.parse(json) as Omit<StoredCallback, 'revision' | 'granted'>;
  return { ...body, revision: Number(rev ?? 0), ...(granted ? { granted: JSON.parse(granted) as StoredCallback['granted'] } : {}) };
}

function pad(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, '0');
}

function matches(cb: StoredCallback, f: CallbackFilter): boolean {
  return (
    (!f.status || f.status.includes(cb.status)) &&
    (f.kind === undefined || cb.kind === f.kind) &&
    (f.queue === undefined || cb.queues.includes(f.queue)) &&
    (f.number === undefined || cb.number === f.number)
  );
}

function checkId(id: string, field: string): void {
  if (typeof id !== 'string' || !ULID.test(id)) throw invalidField(field, `字段 ${field} 须为回拨编号（26 位 ULID）`);
}

function checkTime(ms: number, field: string): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw invalidField(field, `字段 ${field} 须为非负的毫秒时间`);
}

function checkQueues(queues: string[], field: string): void {
  if (!Array.isArray(queues)) throw invalidField(field, `字段 ${field} 须为队列标识的数组`);
  queues.forEach((q, i) => {
    if (typeof q !== 'string' || !QUEUE.test(q)) throw invalidField(`${field}.${i}`, `字段 ${field}.${i} 不是有效的队列标识`);
  });
}

function checkRecord(cb: StoredCallback): void {
  checkId(cb.id, 'id');
  if (!Number.isInteger(cb.revision) || cb.revision < 0) throw invalidField('revision', '字段 revision 须为非负整数');
  if (typeof cb.citizenKey !== 'string' || !CITIZEN_KEY.test(cb.citizenKey)) throw invalidField('citizenKey', '诉求人标识格式不正确');
  if (typeof cb.number !== 'string' || !E164.test(cb.number)) throw invalidField('number', '回拨号码须为 E.164 格式（如 +8613812345678）');
  if (!(CALLBACK_KINDS as readonly string[]).includes(cb.kind)) throw invalidField('kind', '字段 kind 的取值不在允许范围内');
  if (!(CALLBACK_STATUSES as readonly string[]).includes(cb.status)) throw invalidField('status', '字段 status 的取值不在允许范围内');
  checkQueues(cb.queues, 'queues');
  if (cb.queues.length === 0) throw invalidField('queues', '回拨至少属于一个队列');
  checkTime(cb.requestedAt, 'requestedAt');
  checkTime(cb.deadline, 'deadline');
  if (cb.dueAtMs !== undefined) checkTime(cb.dueAtMs, 'dueAtMs');
  if (cb.notBefore !== undefined) checkTime(cb.notBefore, 'notBefore');
  if (cb.granted) {
    if (!QUEUE.test(cb.granted.queue)) throw invalidField('granted.queue', '队列标识格式不正确');
    checkTime(cb.granted.atMs, 'granted.atMs');
  }
}

/** The filter with its limit settled; an INVALID_FIELD error naming the first bad field. */
function checkFilter(filter: CallbackFilter): CallbackFilter & { limit: number; cursor?: string } {
  const f = filter ?? {};
  if (f.status !== undefined) {
    if (!Array.isArray(f.status) || f.status.length === 0) throw invalidField('status', '字段 status 须为非空的状态列表');
    f.status.forEach((s, i) => {
      if (!(CALLBACK_STATUSES as readonly string[]).includes(s)) throw invalidField(`status.${i}`, `字段 status 的取值 ${String(s).slice(0, 20)} 不在允许范围内`);
    });
  }
  if (f.kind !== undefined && !(CALLBACK_KINDS as readonly string[]).includes(f.kind)) throw invalidField('kind', '字段 kind 的取值不在允许范围内');
  if (f.queue !== undefined && (typeof f.queue !== 'string' || !QUEUE.test(f.queue))) throw invalidField('queue', '字段 queue 不是有效的队列标识');
  if (f.number !== undefined && (typeof f.number !== 'string' || !E164.test(f.number))) throw invalidField('number', '字段 number 须为 E.164 号码（如 +8613812345678）');
  if (f.fromMs !== undefined) checkTime(f.fromMs, 'fromMs');
  if (f.toMs !== undefined) checkTime(f.toMs, 'toMs');
  if (f.fromMs !== undefined && f.toMs !== undefined && f.toMs <= f.fromMs) throw invalidField('toMs', '字段 toMs 须晚于 fromMs');
  const limit = f.limit ?? CALLBACK_LIST_LIMIT.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > CALLBACK_LIST_LIMIT.max)
    throw invalidField('limit', `字段 limit 须为 1–${CALLBACK_LIST_LIMIT.max} 的整数`);
  let cursor: string | undefined;
  if (f.cursor !== undefined) {
    const decoded = typeof f.cursor === 'string' ? Buffer.from(f.cursor, 'base64url').toString('utf8') : '';
    if (!LIST_MEMBER.test(decoded)) throw invalidField('cursor', '分页游标无效（请使用上一页返回的 next）');
    cursor = decoded;
  }
  const { cursor: _c, ...rest } = f;
  return { ...rest, limit, ...(cursor !== undefined ? { cursor } : {}) };
}
