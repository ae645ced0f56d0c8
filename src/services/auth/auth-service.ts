import { HotlineError, invalidField } from '../../core/errors.js';
import type { Principal, User } from '../../core/auth/user.js';
import { passwordProblem } from '../../core/auth/user.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { LoginThrottle, StoredUser, UserStore } from '../../core/ports/users.js';
import { UNUSABLE_HASH, verifyPassword } from './passwords.js';
import { publicUser, replacePassword } from './accounts.js';
import type { TokenSigner } from './tokens.js';

export interface IssuedToken {
  token: string;
  expiresAtMs: number;
  user: User;
}

export interface AuthServiceOptions {
  users: UserStore;
  throttle: LoginThrottle;
  signer: TokenSigner;
  audit: AuditLog;
  tokenTtlMs: number;
  clock?: () => number;
}

/** Login, token checks, refresh and a person's own password change (issue 5). */
export class AuthService {
  private readonly now: () => number;

  constructor(private readonly o: AuthServiceOptions) {
    this.now = o.clock ?? Date.now;
  }

  async login(usernameGiven: string, password: string, address: string): Promise<IssuedToken> {
    const username = usernameGiven.trim().toLowerCase();
    const lockedMs = await this.o.throttle.lockedFor(username, address);
    if (lockedMs > 0) throw lockedOut(lockedMs);
    const user = await this.o.users.get(username);
    // Unknown usernames are checked against a hash too: the answer takes as long either way.
    const ok = await verifyPassword(password, user?.passwordHash ?? UNUSABLE_HASH);
    if (!ok || !user) {
      const lock = await this.o.throttle.failed(username, address);
      await this.o.audit.append({
        actor: `user:${username}`,
        action: 'auth.login-failed',
        target: `user:${username}`,
        details: { address, lockedOut: lock > 0 },
      });
      if (lock > 0) throw lockedOut(lock);
      throw new HotlineError('UNAUTHENTICATED', '用户名或密码错误');
    }
    if (user.disabled) throw new HotlineError('UNAUTHENTICATED', '该账号已停用，请联系管理员');
    await this.o.throttle.succeeded(username);
    await this.o.audit.append({
      actor: `user:${username}`,
      action: 'auth.login',
      target: `user:${username}`,
      details: { address },
    });
    return this.issue(user);
  }

  /** The person behind a token, checked against the user store (disabled users and voided tokens refused). */
  async authenticate(token: string): Promise<Principal> {
    const r = this.o.signer.verify(token, this.now());
    if (!r.ok)
      throw new HotlineError(
        'UNAUTHENTICATED',
        r.problem === 'expired' ? '登录已过期，请重新登录' : '登录凭证无效，请重新登录',
      );
    const user = await this.o.users.get(r.claims.sub);
    if (!user || user.disabled || user.tokenVersion !== r.claims.ver)
      throw new HotlineError('UNAUTHENTICATED', '登录凭证已失效，请重新登录');
    return {
      username: user.username,
      displayName: user.displayName,
      roles: user.roles,
      mustChangePassword: user.mustChangePassword,
      tokenVersion: user.tokenVersion,
      expiresAtMs: r.claims.exp * 1000,
    };
  }

  /** A fresh token for a person whose token is still valid (the desktop refreshes before expiry). */
  async refresh(principal: Principal): Promise<IssuedToken> {
    const user = await this.o.users.get(principal.username);
    if (!user || user.disabled || user.tokenVersion !== principal.tokenVersion)
      throw new HotlineError('UNAUTHENTICATED', '登录凭证已失效，请重新登录');
    return this.issue(user);
  }

  async user(username: string): Promise<User | undefined> {
    const u = await this.o.users.get(username);
    return u && publicUser(u);
  }

  /** A person changes their own password; older tokens stop working, a new one is returned. */
  async changePassword(principal: Principal, current: string, next: string): Promise<IssuedToken> {
    const user = await this.o.users.get(principal.username);
    if (!user || !(await verifyPassword(current, user.passwordHash)))
      throw invalidField('currentPassword', '当前密码不正确');
    const problem = passwordProblem(next, user.username, 'newPassword');
    if (problem) throw invalidField(problem.field, problem.message);
    if (await verifyPassword(next, user.passwordHash))
      throw invalidField('newPassword', '新密码不能与当前密码相同');
    const updated = await replacePassword(this.o.users, user.username, next, false, new Date(this.now()));
    if (!updated) throw new HotlineError('UNAUTHENTICATED', '登录凭证已失效，请重新登录');
    await this.o.audit.append({
      actor: `user:${user.username}`,
      action: 'user.password-change',
      target: `user:${user.username}`,
    });
    return this.issue(updated);
  }

  private issue(user: StoredUser): IssuedToken {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + Math.max(1, Math.round(this.o.tokenTtlMs / 1000));
    const token = this.o.signer.sign({
      sub: user.username,
      roles: user.roles,
      ver: user.tokenVersion,
      iat,
      exp,
    });
    return { token, expiresAtMs: exp * 1000, user: publicUser(user) };
  }
}

function lockedOut(ms: number): HotlineError {
  return new HotlineError(
    'RATE_LIMITED',
    `登录失败次数过多，已暂时锁定，请 ${Math.max(1, Math.ceil(ms / 60_000))} 分钟后再试`,
  );
}
