import type { Redis } from 'ioredis';
import type { RecentIntakes } from '../../core/ports/recent-intakes.js';
import type { EarlierIntake } from '../../core/rules/repeats.js';
import type { RedisKeys } from './keys.js';
import type { ScriptCall } from './redis-outbox-queue.js';
import { defineScripts, type ScriptName } from './scripts.js';

const SEP = '\t';
/** Bigram similarity needs no more than this of a long text. */
const MAX_TEXT = 1000;

/** A citizen's recent intakes in a sorted set by time, trimmed on every write. */
export class RedisRecentIntakes implements RecentIntakes {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: { maxPerCitizen: number },
  ) {
    this.scripts = defineScripts(redis);
  }

  async recent(citizenKey: string, since: Date, limit: number): Promise<EarlierIntake[]> {
    const rows = await this.redis.zrevrangebyscore(this.keys.recentIntakes(citizenKey), '+inf', since.getTime(), 'WITHSCORES', 'LIMIT', 0, limit);
    const out: EarlierIntake[] = [];
    for (let i = 0; i + 1 < rows.length; i += 2) {
      const member = rows[i]!;
      const cut = member.indexOf(SEP);
      if (cut < 0) continue;
      out.push({ intakeId: member.slice(0, cut), text: member.slice(cut + 1), receivedTime: new Date(Number(rows[i + 1])).toISOString() });
    }
    return out;
  }

  async remember(citizenKey: string, intake: EarlierIntake, keepUntil: Date): Promise<void> {
    const call = this.rememberCall(citizenKey, intake, keepUntil);
    await this.scripts['remember-recent-1'](...call.keys, ...call.args);
  }

  /** remember-recent-1's KEYS and ARGV, for scripts that include it (store-intake-7). */
  rememberCall(citizenKey: string, intake: EarlierIntake, keepUntil: Date): ScriptCall {
    const at = Date.parse(intake.receivedTime);
    const windowStart = at - (keepUntil.getTime() - at);
    return {
      keys: [this.keys.recentIntakes(citizenKey)],
      args: [`${intake.intakeId}${SEP}${intake.text.slice(0, MAX_TEXT)}`, at, windowStart, this.options.maxPerCitizen, keepUntil.getTime()],
    };
  }
}
