import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Partner request signatures (POST /v1/partner/intakes). The partner sends
 *   X-Hotline-Partner:   its id
 *   X-Hotline-Timestamp: Unix seconds
 *   X-Hotline-Nonce:     16–64 characters [A-Za-z0-9_-], never reused
 *   X-Hotline-Signature: lowercase hex HMAC-SHA256(secret, stringToSign)
 * with stringToSign = METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" BODY, PATH being the request
 * target as sent (path and query) and BODY the exact bytes of the body.
 */
export const PARTNER_HEADERS = {
  partner: 'x-hotline-partner',
  timestamp: 'x-hotline-timestamp',
  nonce: 'x-hotline-nonce',
  signature: 'x-hotline-signature',
} as const;

export function partnerStringToSign(method: string, path: string, timestamp: string, nonce: string, body: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${method.toUpperCase()}\n${path}\n${timestamp}\n${nonce}\n`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}

export function partnerSignature(secret: string, method: string, path: string, timestamp: string, nonce: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(partnerStringToSign(method, path, timestamp, nonce, body)).digest('hex');
}

/** Constant-time equality of two secrets or signatures of any length. */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first gives equal lengths, so the length of the secret does not leak either.
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** "partnerId:secret,partnerId2:secret2" → map; secrets may contain ':'. */
export function parsePartnerKeys(spec: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const i = p.indexOf(':');
    if (i <= 0) continue;
    out.set(p.slice(0, i), p.slice(i + 1));
  }
  return out;
}
