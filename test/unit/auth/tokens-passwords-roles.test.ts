import { describe, expect, it } from 'vitest';
import { TokenSigner } from '../../../src/services/auth/tokens.js';
import { generatePassword, hashPassword, verifyPassword } from '../../../src/services/auth/passwords.js';
import { PERMISSIONS, ROLES, allows, missingRoleMessage } from '../../../src/core/auth/roles.js';
import { passwordProblem, userProblem } from '../../../src/core/auth/user.js';

const SECRET = 'unit-test-secret-0123456789-abcdefgh';
const claims = (expSec: number) => ({
  sub: 'a1001',
  roles: ['agent' as const],
  ver: 3,
  iat: 1_700_000_000,
  exp: expSec,
});

describe('tokens (HS256 by node:crypto)', () => {
  const signer = new TokenSigner(SECRET);
  const now = 1_700_000_100_000;

  it('verifies its own token and returns the claims', () => {
    const t = signer.sign(claims(1_700_000_200));
    expect(signer.verify(t, now)).toMatchObject({
      ok: true,
      claims: { sub: 'a1001', roles: ['agent'], ver: 3 },
    });
    // Interoperable shape: header.payload.signature, base64url, header exactly HS256/JWT.
    expect(JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
  });

  it('refuses an expired token, one signed with another secret, a changed payload, alg none and garbage', () => {
    expect(signer.verify(signer.sign(claims(1_700_000_100)), now)).toEqual({ ok: false, problem: 'expired' });
    expect(signer.verify(new TokenSigner(SECRET + 'x').sign(claims(1_700_000_200)), now)).toEqual({
      ok: false,
      problem: 'signature',
    });
    const [h, , s] = signer.sign(claims(1_700_000_200)).split('.');
    const admin = Buffer.from(
      JSON.stringify({ ...claims(1_700_000_200), roles: ['admin'], jti: 'x' }),
    ).toString('base64url');
    expect(signer.verify(`${h}.${admin}.${s}`, now)).toEqual({ ok: false, problem: 'signature' });
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(signer.verify(`${none}.${admin}.`, now)).toEqual({ ok: false, problem: 'malformed' });
    const hs512 = Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url');
    expect(signer.verify(`${hs512}.${admin}.${s}`, now)).toEqual({ ok: false, problem: 'malformed' });
    for (const junk of ['', 'a.b', 'a.b.c.d', '...', `${h}.@@@.${s}`])
      expect(signer.verify(junk, now).ok).toBe(false);
    // Well signed, but claims of the wrong shape (an unknown role) are refused too.
    const forged = new TokenSigner(SECRET);
    const weird = forged.sign({ ...claims(1_700_000_200), roles: ['root' as never] });
    expect(signer.verify(weird, now)).toEqual({ ok: false, problem: 'malformed' });
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => new TokenSigner('short')).toThrow(/32/);
  });
});

describe('passwords (scrypt)', () => {
  it('hashes with a salt of its own each time and verifies only the right password', async () => {
    const a = await hashPassword('Correct-horse-9');
    const b = await hashPassword('Correct-horse-9');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('Correct-horse-9', a)).toBe(true);
    expect(await verifyPassword('correct-horse-9', a)).toBe(false);
    expect(await verifyPassword('Correct-horse-9', 'plain:Correct-horse-9')).toBe(false);
  });

  it('generated one-time passwords pass the password rules and differ', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const p = generatePassword();
      expect(passwordProblem(p, 'admin')).toBeUndefined();
      seen.add(p);
    }
    expect(seen.size).toBe(50);
  });

  it.each([
    ['short1!', /至少/],
    ['abcdefghijkl', /两类/],
    ['xx-a1001-yy-2', /用户名/],
  ])('password %s is refused', (p, message) => {
    expect(passwordProblem(p, 'a1001')?.message).toMatch(message);
  });
});

describe('roles', () => {
  it('every permission names only known roles, and each role holds what the README says', () => {
    for (const holders of Object.values(PERMISSIONS)) for (const r of holders) expect(ROLES).toContain(r);
    expect(allows(['agent'], 'desk.use')).toBe(true);
    expect(allows(['agent'], 'recordings.read')).toBe(false);
    expect(allows(['admin'], 'audit.read')).toBe(false); // separation of duties
    expect(allows(['admin'], 'recordings.read')).toBe(false);
    expect(allows(['quality', 'agent'], 'recordings.read')).toBe(true);
    expect(missingRoleMessage('recordings.read')).toBe(
      '无权执行此操作：需要以下角色之一：质检员（quality）、班长（supervisor）、审计员（auditor）',
    );
  });

  it('an agent user needs a desk profile with valid skill levels', () => {
    const base = { username: 'a1', displayName: '坐席', roles: ['agent' as const] };
    expect(userProblem(base)).toMatchObject({ field: 'agent' });
    expect(
      userProblem({ ...base, agent: { skills: {}, endpoint: { kind: 'user', user: '1' } } }),
    ).toMatchObject({ field: 'agent.skills' });
    expect(
      userProblem({ ...base, agent: { skills: { general: 0 }, endpoint: { kind: 'user', user: '1' } } }),
    ).toMatchObject({ field: 'agent.skills.general' });
    expect(
      userProblem({ ...base, agent: { skills: { general: 1 }, endpoint: { kind: 'user', user: '1' } } }),
    ).toBeUndefined();
    expect(userProblem({ ...base, username: 'A1' })).toMatchObject({ field: 'username' });
  });
});
