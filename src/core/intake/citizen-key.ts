import type { Citizen } from './intake.js';
import { toE164 } from './phone.js';

/**
 * The key limits, repeats and callbacks use (DESIGN.md): the E.164 phone number when one is
 * known, else the channel identity; an anonymous citizen is keyed by the intake alone.
 */
export function citizenKeyOf(citizen: Omit<Citizen, 'citizenKey'>, fallback: string): string {
  if (citizen.phone) return `tel:${citizen.phone}`;
  if (citizen.wechatOpenid) return `wechat:${citizen.wechatOpenid}`;
  if (citizen.partnerUserId) return `partner:${citizen.partnerUserId}`;
  return `anon:${fallback}`;
}

/** The key of a caller on the phone: their E.164 number (as received when it does not normalise), else the call alone. */
export function callerCitizenKey(caller: string, callId: string): string {
  const e164 = toE164(caller);
  return e164 ? `tel:${e164}` : /^\+?\d{3,}$/.test(caller) ? `tel:${caller}` : `anon:call:${callId}`;
}
