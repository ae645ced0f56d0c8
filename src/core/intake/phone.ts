// Chinese phone numbers as citizens type them, normalised to E.164 (+86…) so one citizen has one
// key across channels (DESIGN.md "Citizen key").

const MOBILE = /^1[3-9]\d{9}$/;
// Landline: trunk 0, then a 2-digit area code (10, 2x) with an 8-digit subscriber number, or a
// 3-digit area code (3xx–9xx) with a 7–8-digit one.
const LANDLINE = /^0(?:(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8})$/;
const LANDLINE_NO_TRUNK = /^(?:(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8})$/;
const SERVICE = /^(1\d{4}|95\d{3,6}|400\d{7}|800\d{7})$/;

/** Returns the E.164 form, or undefined when the input is not a plausible Chinese number. */
export function toE164(input: string): string | undefined {
  let digits = input.trim().replace(/[\s\-()（）]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  else if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.startsWith('86') && digits.length === 13) digits = digits.slice(2);
  if (!/^\d+$/.test(digits)) return undefined;
  if (MOBILE.test(digits)) return `+86${digits}`;
  if (LANDLINE.test(digits)) return `+86${digits.slice(1)}`;
  // Area code without its trunk 0, as callers' numbers often arrive from carriers.
  if (LANDLINE_NO_TRUNK.test(digits)) return `+86${digits}`;
  if (SERVICE.test(digits)) return `+86${digits}`;
  return undefined;
}
