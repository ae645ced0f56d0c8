// What a waiting caller is told (issue 5): their position and an estimated wait, every
// announceEverySec, and past callbackOfferAfterSec the offer of a callback (忙时回拨, seeds/002
// art. 13). Prompts are ids resolved to media; the texts below are what `npm run prompts`
// synthesises for development (a centre may record its own files under the same ids).

import type { QueueDef } from './model.js';

/**
 * Estimated wait, deliberately simple and explainable to a supervisor:
 * - an agent of the queue's skill is free → 0 (the call is about to be offered);
 * - nobody of that skill is logged in → unknown (the caller is not promised a time);
 * - otherwise (position − ½) × mean handle time ÷ agents logged in with the skill: the caller
 *   waits for `position` calls to end among `staffed` agents, and the first of them is on
 *   average half-way through.
 * The mean handle time is talk time of the queue's recent calls plus the configured wrap-up.
 */
export function estimateWaitSec(input: { position: number; staffed: number; available: number; meanHandleSec: number }): number | undefined {
  if (input.available > 0) return 0;
  if (input.staffed <= 0) return undefined;
  return Math.max(0, Math.round(((input.position - 0.5) * input.meanHandleSec) / input.staffed));
}

/** Positions are announced exactly up to this many callers ahead, then as "many". */
export const MAX_ANNOUNCED_AHEAD = 20;
/** Waits are announced in whole minutes up to this, then as "more than". */
export const MAX_ANNOUNCED_WAIT_MIN = 10;

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 0–99 in Chinese numerals, as read on the phone (两 for a lone 2 before a measure word). */
export function chineseNumber(n: number, measure = false): string {
  if (!Number.isInteger(n) || n < 0 || n > 99) throw new RangeError(`chineseNumber: ${n} is outside 0–99`);
  if (n === 2 && measure) return '两';
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}

/** The prompt ids of one announcement, in the order they are played. */
export function announcementPrompts(position: number, waitSec: number | undefined, offerCallback: boolean): string[] {
  const ahead = Math.max(0, position - 1);
  const ids = [ahead > MAX_ANNOUNCED_AHEAD ? 'queueAheadMany' : `queueAhead${ahead}`];
  if (waitSec !== undefined && ahead > 0) {
    const minutes = Math.max(1, Math.ceil(waitSec / 60));
    ids.push(minutes > MAX_ANNOUNCED_WAIT_MIN ? 'queueWaitLong' : `queueWait${minutes}`);
  }
  if (offerCallback) ids.push('queueCallbackOffer');
  return ids;
}

/** Every announcement prompt id with its Chinese text (the prompt generator and config use these). */
export function announcementPromptTexts(callbackKey: string): Record<string, string> {
  const out: Record<string, string> = { queueAhead0: '您是下一位，请稍候，马上为您接通。' };
  for (let n = 1; n <= MAX_ANNOUNCED_AHEAD; n++) out[`queueAhead${n}`] = `您前面还有${chineseNumber(n, true)}位来电在等候。`;
  out.queueAheadMany = `您前面等候的来电较多，超过${chineseNumber(MAX_ANNOUNCED_AHEAD)}位。`;
  for (let m = 1; m <= MAX_ANNOUNCED_WAIT_MIN; m++) out[`queueWait${m}`] = `预计等待约${chineseNumber(m, true)}分钟。`;
  out.queueWaitLong = `预计等待超过${chineseNumber(MAX_ANNOUNCED_WAIT_MIN)}分钟。`;
  out.queueCallbackOffer = `如不便等待，请按${keyName(callbackKey)}预约回电，话务员将尽快回拨您的号码。`;
  return out;
}

/** The whole announcement as text (for logs, the dev surface and tests). */
export function announcementText(position: number, waitSec: number | undefined, offerCallback: boolean, callbackKey: string): string {
  const texts = announcementPromptTexts(callbackKey);
  return announcementPrompts(position, waitSec, offerCallback)
    .map((id) => texts[id]!)
    .join('');
}

function keyName(key: string): string {
  if (key === '*') return '星号键';
  if (key === '#') return '井号键';
  return /^\d$/.test(key) ? chineseNumber(Number(key)).replace('一', '幺') : key;
}

/** When the next announcement is due, counted from when the caller started waiting. */
export function nextAnnouncementAtMs(queue: Pick<QueueDef, 'announceEverySec'>, waitingSinceMs: number, nowMs: number): number {
  const every = queue.announceEverySec * 1000;
  const n = Math.floor((nowMs - waitingSinceMs) / every) + 1;
  return waitingSinceMs + n * every;
}

/** Whether a caller who has waited `waitedMs` (since first entering any queue) is offered a callback. */
export function callbackOfferDue(queue: Pick<QueueDef, 'callbackOfferAfterSec'>, waitedMs: number): boolean {
  return waitedMs >= queue.callbackOfferAfterSec * 1000;
}
