// Numbers as they arrive in SIP: the user part of a Request-URI, From or P-Asserted-Identity,
// possibly with +86, 0086 or the city's own area code in front (carriers differ). Pure functions.
import { toE164 } from '../intake/phone.js';
import type { Endpoint } from '../ports/switch.js';

/** The user part of a sip:, sips: or tel: URI (without parameters), or undefined. */
export function uriUser(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const s = uri.trim().replace(/^<|>$/g, '');
  const tel = /^tel:([^;>]+)/i.exec(s);
  if (tel) return tel[1];
  const sip = /sips?:([^@;>]+)@/i.exec(s);
  return sip ? sip[1] : undefined;
}

/** Digits only (an optional leading +); anything else — letters, '*', '#', empty — is malformed. */
export function isWellFormedNumber(user: string | undefined): user is string {
  return !!user && /^\+?\d{3,20}$/.test(user);
}

/**
 * The number without country prefix or, for short numbers, without the city's area code:
 * "+8612345", "008612345" and "039612345" (with areaCode "0396") are all "12345". Carriers in
 * China deliver service numbers in any of these forms.
 */
export function nationalNumber(user: string, areaCode = ''): string {
  let n = user;
  if (n.startsWith('+86')) n = n.slice(3);
  else if (n.startsWith('0086')) n = n.slice(4);
  const area = areaCode.replace(/^0/, '');
  // +86 396 12345 lost its trunk 0 with the country code; put it back before comparing.
  if (area && n.startsWith(area) && !n.startsWith('0') && n.length - area.length <= 6) n = `0${n}`;
  if (areaCode && n.startsWith(areaCode) && n.length - areaCode.length <= 6) n = n.slice(areaCode.length);
  return n;
}

/** The number as a Chinese carrier trunk takes it: mobiles bare, landlines with their trunk 0. */
export function dialString(e164: string): string {
  const n = e164.slice(3); // +86
  if (/^1\d{10}$/.test(n) || /^(1\d{4}|95\d{3,6}|400\d{7}|800\d{7})$/.test(n)) return n;
  return `0${n}`;
}

/**
 * A citizen's number dialled out through a switch gateway (trunk) — survey and callback legs: the
 * number as the carrier takes it. Throws on a number that is not Chinese E.164 (+86…).
 */
export function trunkEndpoint(gateway: string, e164: string): Endpoint {
  if (!/^\+86\d{3,17}$/.test(e164)) throw new Error(`not a +86 E.164 number: ${e164}`);
  return { kind: 'gateway', gateway, number: dialString(e164) };
}

/** E.164 of a caller's number as received, or undefined when withheld or implausible. */
export function callerE164(user: string | undefined): string | undefined {
  if (!user || /^anonymous$/i.test(user)) return undefined;
  return toE164(user);
}
