import { HotlineError, invalidField } from '../../core/errors.js';
import type { Role } from '../../core/auth/roles.js';
import {
  passwordProblem,
  userProblem,
  type AgentDesk,
  type Principal,
  type User,
} from '../../core/auth/user.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { StoredUser, UserStore } from '../../core/ports/users.js';
import { publicUser, replacePassword } from './accounts.js';
import { generatePassword, hashPassword } from './passwords.js';

export interface NewUser {
  username: string;
  displayName: string;
  roles: Role[];
  password: string;
  agent?: AgentDesk;
}

export interface UserChange {
  displayName?: string;
  roles?: Role[];
  /** null removes the agent profile. */
  agent?: AgentDesk | null;
  disabled?: boolean;
}

/**
 * What administrators do with accounts (users.manage): create, change, disable, reset passwords.
 * Every action is appended to the audit log with the administrator as actor (art. 25 of seeds/002).
 */
export class UserAdmin {
  constructor(
    private readonly users: UserStore,
    private readonly audit: AuditLog,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(): Promise<User[]> {
    return (await this.users.list()).map(publicUser);
  }

  async get(username: string): Promise<User> {
    const u = await this.users.get(username);
    if (!u) throw new HotlineError('NOT_FOUND', '用户不存在');
    return publicUser(u);
  }

  async create(actor: Principal, input: NewUser): Promise<User> {
    const username = input.username.trim().toLowerCase();
    const problem = userProblem({ ...input, username }) ?? passwordProblem(input.password, username);
    if (problem) throw invalidField(problem.field, problem.message);
    const at = this.clock().toISOString();
    const user: StoredUser = {
      username,
      displayName: input.displayName.trim(),
      roles: input.roles,
      disabled: false,
      // The administrator knows this password: the person sets their own at first login.
      mustChangePassword: true,
      tokenVersion: 1,
      ...(input.agent ? { agent: input.agent } : {}),
      createdAt: at,
      updatedAt: at,
      passwordHash: await hashPassword(input.password),
    };
    if (!(await this.users.create(user))) throw new HotlineError('CONFLICT', '用户名已存在', 'username');
    await this.audit.append({
      actor: actorOf(actor),
      action: 'user.create',
      target: `user:${username}`,
      details: { roles: user.roles, agent: !!user.agent },
    });
    return publicUser(user);
  }

  async update(actor: Principal, username: string, change: UserChange): Promise<User> {
    if (Object.keys(change).length === 0) throw invalidField('(body)', '没有要修改的内容');
    const losesAdmin =
      change.disabled === true || (change.roles !== undefined && !change.roles.includes('admin'));
    if (losesAdmin) await this.keepOneAdmin(username);
    let changed: string[] = [];
    const updated = await this.users.update(username, (cur) => {
      changed = [];
      const next: StoredUser = { ...cur, updatedAt: this.clock().toISOString() };
      const set = <K extends keyof StoredUser>(key: K, value: StoredUser[K] | undefined) => {
        if (value === undefined) delete next[key];
        else next[key] = value;
        changed.push(key);
      };
      if (change.displayName !== undefined && change.displayName.trim() !== cur.displayName)
        set('displayName', change.displayName.trim());
      if (change.roles !== undefined && [...change.roles].sort().join() !== [...cur.roles].sort().join())
        set('roles', change.roles);
      if (change.agent === null && cur.agent) set('agent', undefined);
      if (change.agent) set('agent', change.agent);
      if (change.disabled !== undefined && change.disabled !== cur.disabled) set('disabled', change.disabled);
      const problem = userProblem(next);
      if (problem) throw invalidField(problem.field, problem.message);
      // Fewer roles or a disabled account take effect at once: tokens issued before stop working.
      if (changed.includes('roles') || next.disabled) next.tokenVersion = cur.tokenVersion + 1;
      return next;
    });
    if (!updated) throw new HotlineError('NOT_FOUND', '用户不存在');
    const action =
      change.disabled === true && changed.includes('disabled')
        ? 'user.disable'
        : change.disabled === false && changed.includes('disabled')
          ? 'user.enable'
          : 'user.update';
    await this.audit.append({
      actor: actorOf(actor),
      action,
      target: `user:${username}`,
      details: { changed, roles: updated.roles },
    });
    return publicUser(updated);
  }

  /** Sets a new password the person must change at next login; their tokens stop working. */
  async resetPassword(actor: Principal, username: string, password: string): Promise<void> {
    const problem = passwordProblem(password, username);
    if (problem) throw invalidField(problem.field, problem.message);
    const updated = await replacePassword(this.users, username, password, true, this.clock());
    if (!updated) throw new HotlineError('NOT_FOUND', '用户不存在');
    await this.audit.append({
      actor: actorOf(actor),
      action: 'user.password-reset',
      target: `user:${username}`,
    });
  }

  /**
   * First start: with no users at all, creates the bootstrap administrator with the configured
   * password, or a generated one-time password that is returned (to be shown once and written to
   * a 0600 file). Either way it must be changed at first login. Several instances starting at once
   * create it once (the store's create is set-if-absent).
   */
  async bootstrap(
    username: string,
    configuredPassword: string,
  ): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.users.list()).length > 0) return { created: false };
    const password = configuredPassword || generatePassword();
    const problem = passwordProblem(password, username, 'auth.bootstrapAdmin.password');
    if (problem) throw invalidField(problem.field, `auth.bootstrapAdmin.password: ${problem.message}`);
    const at = this.clock().toISOString();
    const created = await this.users.create({
      username,
      displayName: '系统管理员',
      roles: ['admin'],
      disabled: false,
      mustChangePassword: true,
      tokenVersion: 1,
      createdAt: at,
      updatedAt: at,
      passwordHash: await hashPassword(password),
    });
    if (!created) return { created: false };
    await this.audit.append({
      actor: 'system:bootstrap',
      action: 'user.create',
      target: `user:${username}`,
      details: { roles: ['admin'], bootstrap: true },
    });
    return { created: true, ...(configuredPassword ? {} : { generatedPassword: password }) };
  }

  private async keepOneAdmin(username: string): Promise<void> {
    const admins = (await this.users.list()).filter((u) => u.roles.includes('admin') && !u.disabled);
    if (admins.length === 1 && admins[0]!.username === username)
      throw new HotlineError('CONFLICT', '不能停用或撤销最后一位管理员');
  }
}

export function actorOf(p: Principal): string {
  return `user:${p.username}`;
}
