import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRole, type Role } from '../../core/auth/roles.js';

// Access tokens: compact JWTs (RFC 7519) signed with HMAC-SHA256 by node:crypto. Why not a
// library such as jose: the gateway both issues and checks its tokens with one shared secret, so
// one algorithm is all it needs; fixing it here (the header must be exactly HS256) rules out the
// algorithm-confusion and "alg: none" mistakes by construction, in ~60 lines with no dependency.

export interface TokenClaims {
  sub: string;
  roles: Role[];
  /** The user's tokenVersion when issued: a password reset, disabling or role change voids older tokens. */
  ver: number;
  iat: number;
  exp: number;
  jti: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export type TokenProblem = 'malformed' | 'signature' | 'expired';

export class TokenSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('token secret must have at least 32 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  sign(claims: Omit<TokenClaims, 'jti'>): string {
    const payload = Buffer.from(
      JSON.stringify({ ...claims, jti: randomBytes(9).toString('base64url') }),
    ).toString('base64url');
    return `${HEADER}.${payload}.${this.mac(`${HEADER}.${payload}`).toString('base64url')}`;
  }

  /** The claims of a token this gateway signed and that has not expired, or why not. */
  verify(
    token: string,
    nowMs: number,
  ): { ok: true; claims: TokenClaims } | { ok: false; problem: TokenProblem } {
    const parts = token.split('.');
    if (
      parts.length !== 3 ||
      parts[0] !== HEADER ||
      !/^[A-Za-z0-9_-]+$/.test(parts[1]!) ||
      !/^[A-Za-z0-9_-]{43}$/.test(parts[2]!)
    )
      return { ok: false, problem: 'malformed' };
    const given = Buffer.from(parts[2]!, 'base64url');
    if (!timingSafeEqual(given, this.mac(`${parts[0]}.${parts[1]}`)))
      return { ok: false, problem: 'signature' };
    let c: unknown;
    try {
      c = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, problem: 'malformed' };
    }
    if (!isClaims(c)) return { ok: false, problem: 'malformed' };
    if (c.exp * 1000 <= nowMs) return { ok: false, problem: 'expired' };
    return { ok: true, claims: c };
  }

  private mac(data: string): Buffer {
    return createHmac('sha256', this.key).update(data).digest();
  }
}

function isClaims(c: unknown): c is TokenClaims {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Record<string, unknown>;
  return (
    typeof o.sub === 'string' &&
    Array.isArray(o.roles) &&
    o.roles.every((r) => typeof r === 'string' && isRole(r)) &&
    Number.isInteger(o.ver) &&
    Number.isInteger(o.iat) &&
    Number.isInteger(o.exp) &&
    typeof o.jti === 'string'
  );
}
