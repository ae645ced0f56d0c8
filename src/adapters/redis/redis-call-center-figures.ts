import type { Redis } from 'ioredis';
import type { CallCenterFigures, FigureEvent, QueueFigures } from '../../core/ports/figures.js';
import { MINUTE_MS, ROLLING_MINUTES, minuteOf, rollingMinutes, shanghaiDay, shanghaiDayEndMs } from '../../core/figures/buckets.js';
import { TALLY_FIELDS, addTally, byQueue, emptyTally, figuresOf, incrementsOf, type FigureRules, type Tally, type TallyField } from '../../core/figures/tally.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

export interface RedisFiguresOptions extends FigureRules {
  /** How many days a day's counters are kept after the day ends (for inspection; only today is shown). */
  dayRetentionDays: number;
  /** The store's clock, for how long buckets live (tests inject one). Bucket choice follows the event's own time. */
  now?: () => number;
}

// A retry of an event comes within seconds; a quarter of an hour is plenty.
const SEEN_TTL_MS = 15 * MINUTE_MS;
// A minute bucket is read for 15 minutes after it ends; one more minute of slack for clock skew between instances.
const MINUTE_KEEP_MS = (ROLLING_MINUTES + 1) * MINUTE_MS;
const DAY_MS = 86_400_000;
const FIELDS = new Set<string>(TALLY_FIELDS);

const eventId = (e: FigureEvent): string =>
  e.type === 'agent-time' ? `agent-time|${e.agentId}|${e.atMs}` : e.type === 'handled' ? `handled|${e.queue}|${e.callId}|${e.agentId}|${e.atMs}` : `${e.type}|${e.queue}|${e.callId}|${e.atMs}`;

/**
 * The live figures in Redis, so every gateway instance adds to the same counters: each event is
 * one script (lua/figures-record-3) adding to the hash of its minute and of its day; a snapshot
 * sums the last 15 minute hashes and reads today's.
 */
export class RedisCallCenterFigures implements CallCenterFigures {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: RedisFiguresOptions,
  ) {
    this.scripts = defineScripts(redis);
    this.now = options.now ?? Date.now;
  }

  async record(event: FigureEvent): Promise<void> {
    const increments = incrementsOf(event, this.options);
    if (!increments.length) return;
    const now = this.now();
    const minute = minuteOf(event.atMs);
    const minuteTtl = Math.max(0, (minute + 1) * MINUTE_MS + MINUTE_KEEP_MS - now);
    const dayTtl = Math.max(0, shanghaiDayEndMs(event.atMs) + this.options.dayRetentionDays * DAY_MS - now);
    const args: (string | number)[] = [];
    for (const i of increments) args.push(`${i.scope}|${i.field}`, i.by);
    await this.scripts['figures-record-3'](
      this.keys.figuresSeen(eventId(event)),
      this.keys.figuresMinute(minute),
      this.keys.figuresDay(shanghaiDay(event.atMs)),
      SEEN_TTL_MS,
      minuteTtl,
      dayTtl,
      ...args,
    );
  }

  async snapshot(nowMs: number): Promise<QueueFigures[]> {
    const pipeline = this.redis.pipeline();
    for (const m of rollingMinutes(nowMs)) pipeline.hgetall(this.keys.figuresMinute(m));
    pipeline.hgetall(this.keys.figuresDay(shanghaiDay(nowMs)));
    const replies = (await pipeline.exec()) ?? [];
    const hashes = replies.map(([err, value]) => {
      if (err) throw err;
      return value as Record<string, string>;
    });
    const today = sumByQueue(hashes.slice(-1));
    const rolling = sumByQueue(hashes.slice(0, -1));
    const out: QueueFigures[] = [];
    for (const queue of new Set([...rolling.keys(), ...today.keys()]))
      out.push(figuresOf(queue, 'rolling-15m', rolling.get(queue) ?? emptyTally()), figuresOf(queue, 'today', today.get(queue) ?? emptyTally()));
    return out.sort(byQueue);
  }
}

/** Sums bucket hashes ("<queue>|<counter>" → count) per queue. */
function sumByQueue(hashes: Record<string, string>[]): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const h of hashes)
    for (const [field, value] of Object.entries(h)) {
      const bar = field.lastIndexOf('|');
      const queue = field.slice(0, bar);
      const counter = field.slice(bar + 1);
      if (bar < 0 || !FIELDS.has(counter)) continue;
      let t = out.get(queue);
      if (!t) out.set(queue, (t = emptyTally()));
      addTally(t, { [counter as TallyField]: Number(value) });
    }
  return out;
}
