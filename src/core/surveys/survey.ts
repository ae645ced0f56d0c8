// Follow-up surveys (回访): art. 16 of seeds/002 — within 3 working days of the result, by phone
// or SMS, the citizen rates the handling; Ningxia (seeds/004) rates very satisfied / satisfied /
// dissatisfied. The core asks, the gateway calls (or texts) and reports one result per work order.
// This module is the request, its validation and the scheduling policy; no I/O.
import { invalidField } from '../errors.js';
import { toE164 } from '../intake/phone.js';
import { nextOpening, type CallingWindow } from '../schedule/calling-window.js';
import { retryDelayMs, type RetryPolicy } from '../schedule/retry-policy.js';

export const RATINGS = ['very-satisfied', 'satisfied', 'dissatisfied'] as const;
export type Rating = (typeof RATINGS)[number];
/** What the citizen hears/reads for each grade (seeds/004). */
export const RATING_TEXT: Readonly<Record<Rating, string>> = { 'very-satisfied': '非常满意', satisfied: '满意', dissatisfied: '不满意' };

export type SurveyOutcome = 'rated' | 'no-response' | 'refused' | 'invalid-number' | 'skipped';
export type SurveyChannel = 'phone' | 'sms' | 'none';
/** phone: call, SMS when the calls are used up; sms: SMS only; phone-only: never an SMS. */
export type ChannelPreference = 'phone' | 'sms' | 'phone-only';

export interface SurveyRequest {
  workOrderId: string;
  /** E.164. */
  phone: string;
  /** ms since the epoch; no attempt starts at or after it. */
  deadline: number;
  channelPreference: ChannelPreference;
  /** 诉求人要求信息保密. */
  confidential: boolean;
  requestedAt: number;
}

export type AttemptOutcome =
  | 'answered-rated'
  | 'answered-no-key'
  | 'no-answer'
  | 'busy'
  | 'invalid-number'
  | 'refused'
  | 'failed'
  /** The gateway stopped during the attempt (crash): counted, never redialled at once. */
  | 'interrupted'
  | 'sms-queued';

export interface AttemptRecord {
  number: number;
  channel: 'phone' | 'sms';
  startedAt: number;
  endedAt?: number;
  outcome?: AttemptOutcome;
  callId?: string;
}

export interface ReasonRecording {
  recordingId: string;
  path: string;
  durationSec: number;
  bytes: number;
  sha256: string;
}

export interface SurveyResult {
  workOrderId: string;
  outcome: SurveyOutcome;
  rating?: Rating;
  channel: SurveyChannel;
  reasonRecording?: ReasonRecording;
  /** Call attempts (SMS not counted). */
  attempts: number;
  attemptLog: AttemptRecord[];
  reason?: string;
  requestedAt: number;
  completedAt: number;
}

/** How the gateway treats a citizen who asked for confidentiality, or who is restricted (art. 34). */
export type ConfidentialHandling = 'as-usual' | 'phone-only' | 'sms-only' | 'skip';
export type RestrictedHandling = 'as-usual' | 'sms-only' | 'skip';

export interface SurveyPolicy {
  window: CallingWindow;
  retry: RetryPolicy;
  confidential: ConfidentialHandling;
  restricted: RestrictedHandling;
  /** An SMS provider is configured for surveys. */
  smsEnabled: boolean;
}

export interface SurveyState {
  request: SurveyRequest;
  attempts: AttemptRecord[];
  rating?: { rating: Rating; channel: 'phone' | 'sms' };
  /** The citizen is restricted now (abuse limits). */
  restricted: boolean;
}

export type SurveyStep =
  | { do: 'wait'; until: number; why: 'window' | 'backoff' | 'sms-reply' }
  | { do: 'dial'; attempt: number }
  | { do: 'sms' }
  | { do: 'finish'; outcome: SurveyOutcome; channel: SurveyChannel; reason?: string };

const WORK_ORDER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const CHANNEL_PREFERENCES: Record<string, ChannelPreference> = {
  CHANNEL_PREFERENCE_UNSPECIFIED: 'phone',
  CHANNEL_PREFERENCE_PHONE: 'phone',
  CHANNEL_PREFERENCE_SMS: 'sms',
  CHANNEL_PREFERENCE_PHONE_ONLY: 'phone-only',
};

/** The request as it arrives (proto3 JSON mapping: absent fields are undefined). */
export interface SurveyRequestInput {
  workOrderId?: unknown;
  citizenPhone?: unknown;
  deadline?: unknown;
  channelPreference?: unknown;
  confidential?: unknown;
}

/** Validates a request; a bad field throws INVALID_FIELD naming it (snake_case, as in the proto). */
export function parseSurveyRequest(input: SurveyRequestInput, now: number): SurveyRequest {
  const wo = input.workOrderId;
  if (typeof wo !== 'string' || !WORK_ORDER_ID.test(wo)) {
    throw invalidField('work_order_id', 'work_order_id: required, 1–64 of A-Z a-z 0-9 . _ -');
  }
  const phone = typeof input.citizenPhone === 'string' ? toE164(input.citizenPhone) : undefined;
  // A citizen's line has 10–11 digits after +86; service numbers (12345, 95xxx, 400/800) do not take surveys.
  if (!phone || phone.length < 13 || /^\+86(400|800)/.test(phone)) throw invalidField('citizen_phone', 'citizen_phone: must be a mainland mobile or landline number');
  const deadline = typeof input.deadline === 'string' ? Date.parse(input.deadline) : NaN;
  if (Number.isNaN(deadline)) throw invalidField('deadline', 'deadline: required (a timestamp)');
  if (deadline <= now) throw invalidField('deadline', 'deadline: must lie in the future');
  const pref = input.channelPreference === undefined ? 'phone' : CHANNEL_PREFERENCES[String(input.channelPreference)];
  if (!pref) throw invalidField('channel_preference', `channel_preference: unknown value ${String(input.channelPreference)}`);
  if (input.confidential !== undefined && typeof input.confidential !== 'boolean') throw invalidField('confidential', 'confidential: must be a boolean');
  return { workOrderId: wo, phone, deadline, channelPreference: pref, confidential: input.confidential === true, requestedAt: now };
}

/** Mainland mobile numbers take SMS; landlines do not. */
export function takesSms(phone: string): boolean {
  return /^\+861[3-9]\d{9}$/.test(phone);
}

/** Which channels this survey may use, or why it is skipped. */
export function channels(policy: SurveyPolicy, state: SurveyState): { phone: boolean; sms: boolean } | { skip: string } {
  const r = state.request;
  let phone = r.channelPreference !== 'sms';
  let sms = r.channelPreference !== 'phone-only';
  if (r.confidential) {
    if (policy.confidential === 'skip') return { skip: 'confidential' };
    if (policy.confidential === 'phone-only') sms = false;
    if (policy.confidential === 'sms-only') phone = false;
  }
  if (state.restricted) {
    if (policy.restricted === 'skip') return { skip: 'restricted' };
    if (policy.restricted === 'sms-only') phone = false;
  }
  if (!policy.smsEnabled || !takesSms(r.phone)) sms = false;
  if (!phone && !sms) return { skip: 'no-channel' };
  return { phone, sms };
}

/**
 * What to do next with a survey at `now`. Calls and SMS go out only inside the calling window and
 * before the deadline; failed calls are retried with backoff up to the maximum; then an SMS if
 * allowed; a survey not rated by the deadline is no-response (the core decides how to count it —
 * Zhumadian counts it basically satisfied, art. 16 (一)).
 */
export function nextStep(policy: SurveyPolicy, state: SurveyState, now: number): SurveyStep {
  const r = state.request;
  const calls = state.attempts.filter((a) => a.channel === 'phone');
  const smsSent = state.attempts.some((a) => a.channel === 'sms');
  if (state.rating) return { do: 'finish', outcome: 'rated', channel: state.rating.channel };
  const last = calls.at(-1);
  if (last?.outcome === 'invalid-number') return { do: 'finish', outcome: 'invalid-number', channel: 'phone' };
  if (last?.outcome === 'refused') return { do: 'finish', outcome: 'refused', channel: 'phone' };
  const lastChannel: SurveyChannel = smsSent ? 'sms' : calls.length ? 'phone' : 'none';
  if (now >= r.deadline) return { do: 'finish', outcome: 'no-response', channel: lastChannel, reason: 'deadline' };
  const allowed = channels(policy, state);
  if ('skip' in allowed) return { do: 'finish', outcome: 'skipped', channel: 'none', reason: allowed.skip };

  if (allowed.phone && calls.length < policy.retry.maxAttempts && !smsSent) {
    const earliest = last ? (last.endedAt ?? last.startedAt) + retryDelayMs(policy.retry, calls.length) : now;
    const at = nextOpening(policy.window, Math.max(now, earliest));
    if (at < r.deadline) {
      if (at > now) return { do: 'wait', until: at, why: at === Math.max(now, earliest) ? 'backoff' : 'window' };
      return { do: 'dial', attempt: calls.length + 1 };
    }
  }
  if (allowed.sms && !smsSent) {
    const at = nextOpening(policy.window, now);
    if (at < r.deadline) return at > now ? { do: 'wait', until: at, why: 'window' } : { do: 'sms' };
  }
  if (smsSent) return { do: 'wait', until: r.deadline, why: 'sms-reply' };
  // Nothing more can reach the citizen before the deadline: say so now rather than at the deadline.
  return { do: 'finish', outcome: 'no-response', channel: lastChannel, reason: calls.length >= policy.retry.maxAttempts ? 'attempts-used' : 'deadline' };
}
