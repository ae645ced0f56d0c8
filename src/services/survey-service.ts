import type { Logger } from '../log/logger.js';
import type { AbuseLimits } from '../core/ports/abuse-limits.js';
import type { SmsAckQueue, SmsProvider } from '../core/ports/sms-provider.js';
import type { Clock, StoredSurvey, SurveyCaller, SurveyResultQueue, SurveySchedule, SurveyStore } from '../core/ports/surveys.js';
import {
  nextStep,
  parseSurveyRequest,
  RATING_TEXT,
  type AttemptRecord,
  type Rating,
  type SurveyPolicy,
  type SurveyRequestInput,
  type SurveyResult,
  type SurveyStep,
} from '../core/surveys/survey.js';

export interface SurveyServiceOptions {
  store: SurveyStore;
  schedule: SurveySchedule;
  caller: SurveyCaller;
  results: SurveyResultQueue;
  limits: AbuseLimits;
  policy: SurveyPolicy;
  /** SMS surveys: the queue and provider, when surveys.sms.provider names one. */
  sms?: { queue: SmsAckQueue; provider: SmsProvider['id'] };
  /** DTMF key / SMS reply digit → rating. */
  keys: Readonly<Record<string, Rating>>;
  clock: Clock;
  log: Logger;
}

/**
 * Follow-up surveys (回访, art. 16 of seeds/002) from request to result. `request` stores a
 * survey and schedules it; `process` runs whenever its scheduled time comes (a BullMQ job per work
 * order, so one worker at a time): it calls, texts, waits or finishes as the policy says, and
 * answers the next time to look at it.
 */
export class SurveyService {
  /** Surveys whose call runs in this process now (an attempt without an outcome elsewhere was interrupted). */
  private readonly active = new Set<string>();

  constructor(private readonly o: SurveyServiceOptions) {}

  /** From the core's control request; throws INVALID_FIELD naming the field. */
  async request(input: SurveyRequestInput): Promise<'accepted' | 'duplicate'> {
    const req = parseSurveyRequest(input, this.o.clock.now());
    const created = await this.o.store.create(req);
    if (created === 'duplicate') {
      const known = await this.o.store.get(req.workOrderId);
      // A crash between storing and scheduling left no job: the core's retry schedules it.
      if (known && !known.result) await this.o.schedule.add(req.workOrderId, this.o.clock.now());
      return 'duplicate';
    }
    await this.o.schedule.add(req.workOrderId, this.o.clock.now());
    this.o.log.info({ workOrderId: req.workOrderId, deadline: new Date(req.deadline).toISOString() }, 'survey requested');
    return 'accepted';
  }

  /** Does what is due; returns when to look again (undefined: finished). */
  async process(workOrderId: string): Promise<{ waitUntil?: number }> {
    const log = this.o.log.child({ workOrderId });
    for (;;) {
      const s = await this.o.store.get(workOrderId);
      if (!s) return {}; // expired long after its deadline
      if (s.result) {
        await this.o.results.enqueue(s.result);
        return {};
      }
      const now = this.o.clock.now();
      await this.closeInterrupted(s, now, log);
      const restricted = (await this.o.limits.get(`tel:${s.request.phone}`)) !== undefined;
      const step = nextStep(this.o.policy, { request: s.request, attempts: s.attempts, restricted, ...(s.rating ? { rating: s.rating } : {}) }, now);
      switch (step.do) {
        case 'wait':
          log.debug({ until: new Date(step.until).toISOString(), why: step.why }, 'survey waits');
          return { waitUntil: step.until };
        case 'finish':
          await this.finish(s, step, now);
          return {};
        case 'dial':
          if (!(await this.dial(s, step.attempt, log))) return { waitUntil: now + 1000 };
          continue;
        case 'sms':
          if (!(await this.sendSms(s, now))) return { waitUntil: now + 1000 };
          continue;
      }
    }
  }

  /** An SMS from a citizen: a rating digit answering their SMS survey is taken as the rating. */
  async smsReply(phone: string, text: string): Promise<boolean> {
    const rating = this.o.keys[text.trim()];
    if (!rating) return false;
    const workOrderId = await this.o.store.smsReplyFor(phone);
    if (!workOrderId) return false;
    // The first rating stands; a repeated push of the same reply (or a second digit) changes nothing.
    await this.o.store.saveRating(workOrderId, { rating, channel: 'sms' });
    await this.o.schedule.wake(workOrderId);
    this.o.log.info({ workOrderId, rating }, 'survey rated by SMS');
    return true;
  }

  private async closeInterrupted(s: StoredSurvey, now: number, log: Logger): Promise<void> {
    if (this.active.has(s.request.workOrderId)) return;
    for (const a of s.attempts) {
      if (a.outcome) continue;
      // Started and never finished: the process that dialled stopped (crash) mid-call. It counts as
      // an attempt and is not redialled at once; the next attempt keeps the backoff.
      const closed = { ...a, outcome: 'interrupted' as const, endedAt: now };
      await this.o.store.endAttempt(s.request.workOrderId, closed);
      Object.assign(a, closed);
      log.warn({ attempt: a.number }, 'survey attempt was interrupted (gateway stopped during the call)');
    }
  }

  private async dial(s: StoredSurvey, number: number, log: Logger): Promise<boolean> {
    const wo = s.request.workOrderId;
    const attempt: AttemptRecord = { number, channel: 'phone', startedAt: this.o.clock.now() };
    if (!(await this.o.store.claimAttempt(wo, attempt))) return false;
    this.active.add(wo);
    try {
      const r = await this.o.caller.call(s.request, number, (rating) => this.o.store.saveRating(wo, { rating, channel: 'phone' }));
      if (r.reasonRecording) await this.o.store.saveReasonRecording(wo, r.reasonRecording);
      await this.o.store.endAttempt(wo, { ...attempt, outcome: r.outcome, endedAt: this.o.clock.now(), ...(r.callId ? { callId: r.callId } : {}) });
      log.info({ attempt: number, outcome: r.outcome }, 'survey call attempt');
    } catch (err) {
      await this.o.store.endAttempt(wo, { ...attempt, outcome: 'failed', endedAt: this.o.clock.now() });
      log.error({ err, attempt: number }, 'survey call attempt failed');
    } finally {
      this.active.delete(wo);
    }
    return true;
  }

  private async sendSms(s: StoredSurvey, now: number): Promise<boolean> {
    const r = s.request;
    const attempt: AttemptRecord = { number: s.attempts.length + 1, channel: 'sms', startedAt: now };
    if (!this.o.sms || !(await this.o.store.claimAttempt(r.workOrderId, attempt))) return false;
    // The reply route first: a citizen who answers at once must find it.
    await this.o.store.awaitSmsReply(r.phone, r.workOrderId, r.deadline);
    const keys = Object.entries(this.o.keys)
      .map(([k, v]) => `${k} ${RATING_TEXT[v]}`)
      .join('，');
    await this.o.sms.queue.enqueue({
      id: `survey-${r.workOrderId}`,
      provider: this.o.sms.provider,
      phone: r.phone,
      ack: {
        kind: 'survey',
        text: `您好，这里是12345热线。您反映的事项（工单号 ${r.workOrderId}）已办理，请回复数字评价办理结果：${keys}。`,
        params: { workOrderId: r.workOrderId },
      },
    });
    await this.o.store.endAttempt(r.workOrderId, { ...attempt, outcome: 'sms-queued', endedAt: now });
    this.o.log.info({ workOrderId: r.workOrderId }, 'survey SMS queued');
    return true;
  }

  private async finish(s: StoredSurvey, step: Extract<SurveyStep, { do: 'finish' }>, now: number): Promise<void> {
    const result: SurveyResult = {
      workOrderId: s.request.workOrderId,
      outcome: step.outcome,
      ...(s.rating ? { rating: s.rating.rating } : {}),
      channel: step.channel,
      ...(s.reasonRecording ? { reasonRecording: s.reasonRecording } : {}),
      attempts: s.attempts.filter((a) => a.channel === 'phone').length,
      attemptLog: s.attempts,
      ...(step.reason ? { reason: step.reason } : {}),
      requestedAt: s.request.requestedAt,
      completedAt: now,
    };
    const stored = await this.o.store.finish(result);
    await this.o.results.enqueue(stored);
    this.o.log.info({ workOrderId: result.workOrderId, outcome: stored.outcome, rating: stored.rating }, 'survey finished');
  }
}
