import type { Citizen } from './intake.js';

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
