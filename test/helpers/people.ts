import type { Role } from '../../src/core/auth/roles.js';
import type { AgentDesk } from '../../src/core/auth/user.js';
import type { UserStore } from '../../src/core/ports/users.js';
import { hashPassword } from '../../src/services/auth/passwords.js';

export const PASSWORD = 'Test-passw0rd!';

/** A user put straight into the store (a fixture: no first-login password change pending). */
export async function seedUser(
  store: UserStore,
  username: string,
  roles: Role[],
  agent?: AgentDesk,
): Promise<void> {
  const at = new Date().toISOString();
  const ok = await store.create({
    username,
    displayName: `测试${username}`,
    roles,
    disabled: false,
    mustChangePassword: false,
    tokenVersion: 1,
    ...(agent ? { agent } : {}),
    createdAt: at,
    updatedAt: at,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!ok) throw new Error(`user ${username} exists`);
}

/** POST /v1/auth/login over real HTTP; the token. */
export async function login(base: string, username: string, password = PASSWORD): Promise<string> {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
