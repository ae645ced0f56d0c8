// Personal data never reaches a log line unmasked (art. 25 of seeds/002; seeds/001 art. 11).
// Two layers: keys that name personal data are masked by their meaning (a name has no pattern),
// and every finished log line is scanned for phone numbers, ID-card numbers and WeChat openids
// wherever they stand: in messages, bindings, error messages and stacks.

const STAR = '*';

export function maskPhone(value: string): string {
  const trimmed = value.trim();
  const prefix = /^(\+?86[-\s]?)/.exec(trimmed)?.[1] ?? '';
  const rest = trimmed.slice(prefix.length);
  const digits = rest.replace(/\D/g, '');
  if (digits.length >= 11 && /^1[3-9]/.test(digits)) return `${prefix}${digits.slice(0, 3)}****${digits.slice(-4)}`;
  if (digits.length >= 7) {
    const area = /^(0\d{2,3})-/.exec(rest)?.[1];
    return area ? `${prefix}${area}-****${digits.slice(-4)}` : `${prefix}${digits.slice(0, 3)}****${digits.slice(-4)}`;
  }
  return digits.length > 0 ? STAR.repeat(4) : trimmed;
}

export function maskName(value: string): string {
  const chars = Array.from(value.trim());
  if (chars.length === 0) return value;
  if (chars.length === 1) return STAR;
  return chars[0] + STAR.repeat(chars.length - 1);
}

export function maskIdCard(value: string): string {
  const v = value.trim();
  if (v.length <= 7) return STAR.repeat(v.length);
  return `${v.slice(0, 3)}${STAR.repeat(v.length - 7)}${v.slice(-4)}`;
}

export function maskOpenid(value: string): string {
  const v = value.trim();
  if (v.length <= 8) return STAR.repeat(4);
  return `${v.slice(0, 4)}****${v.slice(-4)}`;
}

type Masker = (value: string) => string;

// Keys are compared lower-cased with '_' and '-' removed.
const KEY_MASKERS: ReadonlyArray<[RegExp, Masker]> = [
  [/^(phone|mobile|msisdn|tel|telephone|callernumber|calleridnumber|callerid|ani|dnis|callbacknumber|contactphone|phonenumber|fromnumber|tonumber|number)$/, maskPhone],
  [/(^|[a-z])(phone|mobile)$/, maskPhone],
  [/^(name|fullname|realname|citizenname|contactname|nickname|callername|calleridname|agentname)$/, maskName],
  [/(idcard|idnumber|identitycard|certno|certificateno)$/, maskIdCard],
  [/(openid|fromusername|tousername|unionid)$/, maskOpenid],
];

function maskerForKey(key: string): Masker | undefined {
  const k = key.toLowerCase().replace(/[_-]/g, '');
  for (const [re, masker] of KEY_MASKERS) if (re.test(k)) return masker;
  return undefined;
}

/** Masks values under personal-data keys, deeply. Returns a copy; never mutates the input. */
export function maskFields(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskFields(v, depth + 1));
  return maskFieldsOf(value as Record<string, unknown>, depth);
}

function maskFieldsOf(obj: object, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const masker = maskerForKey(k);
    if (masker && typeof v === 'string') out[k] = masker(v);
    else if (masker && typeof v === 'number') out[k] = masker(String(v));
    else out[k] = maskFields(v, depth + 1);
  }
  return out;
}

// Patterns applied to the finished JSON line. Boundaries exclude letters and digits so ULIDs,
// uuids and timestamps are left alone.
const ID_CARD = /(?<![0-9A-Za-z])(\d{6})(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])/g;
const MOBILE = /(?<![0-9A-Za-z*])((?:\+|\\u002b)?86[-\s]?)?(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])/g;
const LANDLINE = /(?<![0-9A-Za-z*])(0\d{2,3})-?(\d{3,4})(\d{4})(?![0-9A-Za-z])/g;
const OPENID = /(?<![0-9A-Za-z_-])(o[0-9A-Za-z_-]{3})[0-9A-Za-z_-]{20}([0-9A-Za-z_-]{4})(?![0-9A-Za-z_-])/g;
// A name is only recognisable where the text labels it as one.
const LABELLED_NAME = /((?:姓名|联系人|诉求人|我叫|本人)[:：\s]*)([\u4e00-\u9fa5·]{2,5})/g;

export function maskText(text: string): string {
  return text
    .replace(ID_CARD, (m) => maskIdCard(m))
    .replace(MOBILE, (_m, prefix: string | undefined, a: string, _b: string, d: string) => `${prefix ?? ''}${a}****${d}`)
    .replace(LANDLINE, (_m, area: string, _b: string, d: string) => `${area}-****${d}`)
    .replace(OPENID, (_m, head: string, tail: string) => `${head}****${tail}`)
    .replace(LABELLED_NAME, (_m, label: string, name: string) => `${label}${maskName(name)}`);
}
