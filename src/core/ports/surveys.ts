// Follow-up surveys (回访, art. 16 of seeds/002): the ports the survey service drives. The
// domain (request, policy) is in src/core/surveys.
import type { AttemptOutcome, AttemptRecord, Rating, ReasonRecording, SurveyRequest, SurveyResult } from '../surveys/survey.js';
import type { Clock, KeyedSchedule } from './schedule.js';

export interface StoredSurvey {
  request: SurveyRequest;
  attempts: AttemptRecord[];
  rating?: { rating: Rating; channel: 'phone' | 'sms' };
  reasonRecording?: ReasonRecording;
  result?: SurveyResult;
}

/** The durable state of each survey, by work-order id (shared by every gateway instance). */
export interface SurveyStore {
  /** Stores a new request; 'duplicate' when the work order already has one (nothing changes). */
  create(request: SurveyRequest): Promise<'created' | 'duplicate'>;
  get(workOrderId: string): Promise<StoredSurvey | undefined>;
  /**
   * Starts attempt `attempt.number` only if exactly number − 1 attempts were started before and no
   * result is stored: two workers never start the same attempt (the dial-once guarantee).
   */
  claimAttempt(workOrderId: string, attempt: AttemptRecord): Promise<boolean>;
  endAttempt(workOrderId: string, attempt: AttemptRecord & { outcome: AttemptOutcome; endedAt: number }): Promise<void>;
  /** Kept as soon as the key is pressed (before the reason and the thanks): a crash after it loses no rating. */
  saveRating(workOrderId: string, rating: { rating: Rating; channel: 'phone' | 'sms' }): Promise<void>;
  saveReasonRecording(workOrderId: string, recording: ReasonRecording): Promise<void>;
  /** Stores the result unless one is stored; returns the stored one (first wins). */
  finish(result: SurveyResult): Promise<SurveyResult>;
  /** SMS survey: a reply from this number before `until` rates this work order. */
  awaitSmsReply(phone: string, workOrderId: string, until: number): Promise<void>;
  /** The work order an SMS from this number would rate, if any (until its deadline; a repeated reply changes nothing). */
  smsReplyFor(phone: string): Promise<string | undefined>;
}

/** When the survey of a work order is next looked at (key: the work-order id). */
export type SurveySchedule = KeyedSchedule;

/** Delivers results to the core, durably and idempotently by work-order id. */
export interface SurveyResultQueue {
  enqueue(result: SurveyResult): Promise<void>;
}

/** The core's results service (hotline.survey.v1.SurveyResults). */
export interface SurveyResultSink {
  report(result: SurveyResult): Promise<{ duplicate: boolean }>;
}

/** What one survey call came to. */
export interface SurveyCallOutcome {
  outcome: AttemptOutcome;
  callId?: string;
  rating?: Rating;
  reasonRecording?: ReasonRecording;
}

/** Places one survey call: the question, the rating key, the reason, the thanks. */
export interface SurveyCaller {
  call(request: SurveyRequest, attempt: number, onRated: (rating: Rating) => Promise<void>): Promise<SurveyCallOutcome>;
}

/** Time as the scheduler sees it (tests inject a clock that starts at a chosen local time). */
export type { Clock };
