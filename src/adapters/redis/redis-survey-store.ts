import type { Redis } from 'ioredis';
import type { StoredSurvey, SurveyStore } from '../../core/ports/surveys.js';
import type { AttemptRecord, SurveyRequest, SurveyResult } from '../../core/surveys/survey.js';
import type { RedisKeys } from './keys.js';
import { defineScripts, type ScriptName } from './scripts.js';

/** Survey state as one Redis hash per work order (RedisKeys.survey), kept until deadline + retention. */
export class RedisSurveyStore implements SurveyStore {
  private readonly scripts: Record<ScriptName, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly retentionMs: number,
  ) {
    this.scripts = defineScripts(redis);
  }

  async create(request: SurveyRequest): Promise<'created' | 'duplicate'> {
    const key = this.keys.survey(request.workOrderId);
    const res = await this.redis
      .multi()
      .hsetnx(key, 'request', JSON.stringify(request))
      .pexpireat(key, request.deadline + this.retentionMs)
      .exec();
    const [err, created] = res![0]!;
    if (err) throw err;
    if (Number(created) !== 1) {
      // The expiry of the first request stands.
      const stored = await this.get(request.workOrderId);
      if (stored) await this.redis.pexpireat(key, stored.request.deadline + this.retentionMs);
      return 'duplicate';
    }
    return 'created';
  }

  async get(workOrderId: string): Promise<StoredSurvey | undefined> {
    const h = await this.redis.hgetall(this.keys.survey(workOrderId));
    if (!h.request) return undefined;
    const started = Number(h.started ?? 0);
    const attempts: AttemptRecord[] = [];
    for (let n = 1; n <= started; n++) {
      const a = h[`attempt:${n}`];
      if (a) attempts.push(JSON.parse(a) as AttemptRecord);
    }
    return {
      request: JSON.parse(h.request) as SurveyRequest,
      attempts,
      ...(h.rating ? { rating: JSON.parse(h.rating) as StoredSurvey['rating'] } : {}),
      ...(h.reason ? { reasonRecording: JSON.parse(h.reason) as StoredSurvey['reasonRecording'] } : {}),
      ...(h.result ? { result: JSON.parse(h.result) as SurveyResult } : {}),
    };
  }

  async claimAttempt(workOrderId: string, attempt: AttemptRecord): Promise<boolean> {
    return (await this.scripts['survey-claim-1'](this.keys.survey(workOrderId), attempt.number, JSON.stringify(attempt))) === 1;
  }

  async endAttempt(workOrderId: string, attempt: AttemptRecord): Promise<void> {
    await this.redis.hset(this.keys.survey(workOrderId), `attempt:${attempt.number}`, JSON.stringify(attempt));
  }

  async saveRating(workOrderId: string, rating: NonNullable<StoredSurvey['rating']>): Promise<void> {
    await this.redis.hsetnx(this.keys.survey(workOrderId), 'rating', JSON.stringify(rating));
  }

  async saveReasonRecording(workOrderId: string, recording: NonNullable<StoredSurvey['reasonRecording']>): Promise<void> {
    await this.redis.hset(this.keys.survey(workOrderId), 'reason', JSON.stringify(recording));
  }

  async finish(result: SurveyResult): Promise<SurveyResult> {
    const key = this.keys.survey(result.workOrderId);
    const res = await this.redis.multi().hsetnx(key, 'result', JSON.stringify(result)).hget(key, 'result').exec();
    const [err, stored] = res![1]!;
    if (err) throw err;
    return JSON.parse(String(stored)) as SurveyResult;
  }

  async awaitSmsReply(phone: string, workOrderId: string, until: number): Promise<void> {
    await this.redis.set(this.keys.surveySmsReply(phone), workOrderId, 'PXAT', until);
  }

  async smsReplyFor(phone: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.surveySmsReply(phone))) ?? undefined;
  }
}
