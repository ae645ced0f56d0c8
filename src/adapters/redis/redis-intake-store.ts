import type { Redis } from 'ioredis';
import type { Intake } from '../../core/intake/intake.js';
import type { IntakeStore, StoreResult, StoreSteps } from '../../core/ports/intake-store.js';
import type { RedisKeys } from './keys.js';
import { limitVerdict, type RedisAbuseLimits } from './redis-abuse-limits.js';
import type { RedisIntakeOutbox } from './redis-intake-outbox.js';
import { acceptResult } from './redis-outbox-queue.js';
import type { RedisRecentIntakes } from './redis-recent-intakes.js';
import { defineScripts, type ScriptName } from './scripts.js';

/**
 * Accepts an intake in one round trip: lua/store-intake-7 runs the abuse-limit check, the outbox
 * insert and the repeat memory (the three adapters' own scripts, included) as one atomic step.
 * The keys and arguments come from those adapters, so both ways store the same thing.
 */
export class RedisIntakeStore implements IntakeStore {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly outbox: RedisIntakeOutbox,
    private readonly limits: RedisAbuseLimits,
    private readonly recent: RedisRecentIntakes,
  ) {
    this.scripts = defineScripts(redis);
  }

  async store(intake: Intake, steps: StoreSteps): Promise<StoreResult> {
    const citizenKey = intake.citizen.citizenKey;
    // Unused steps still name their keys (a script declares every key it may touch) and skip by ''.
    const limit = this.limits.checkCall(steps.limit?.citizenKey ?? citizenKey, 'intake', steps.limit?.attemptId ?? '');
    const accept = this.outbox.enqueueCall(intake);
    const r = steps.remember;
    const remember = r ? this.recent.rememberCall(r.citizenKey, r.entry, r.keepUntil) : { keys: [this.keys.recentIntakes(citizenKey)], args: ['', 0, 0, 0, 0] };
    const reply = (await this.scripts['store-intake-7'](
      ...limit.keys,
      ...accept.keys,
      ...remember.keys,
      ...(steps.limit ? limit.args : ['', 0, 0]),
      ...accept.args,
      ...remember.args,
    )) as [string, string | number];
    if (reply[0] === 'restricted' || reply[0] === 'rate') {
      const verdict = limitVerdict(reply);
      if (!verdict.allowed) return { refused: verdict };
    }
    const { id, duplicate } = acceptResult(reply);
    return { intakeId: id, duplicate };
  }
}
