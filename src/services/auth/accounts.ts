import type { User } from '../../core/auth/user.js';
import type { StoredUser, UserStore } from '../../core/ports/users.js';
import { hashPassword } from './passwords.js';

/** A user as the API shows them: never the password hash. */
export function publicUser({ passwordHash: _h, ...user }: StoredUser): User {
  return user;
}

/**
 * Stores a new password hash and raises the token version, so every token issued before stops
 * working. `mustChange`: the person must set their own at the next login (an administrator knows it).
 */
export async function replacePassword(
  users: UserStore,
  username: string,
  password: string,
  mustChange: boolean,
  at: Date,
): Promise<StoredUser | undefined> {
  const passwordHash = await hashPassword(password);
  return users.update(username, (u) => ({
    ...u,
    passwordHash,
    mustChangePassword: mustChange,
    tokenVersion: u.tokenVersion + 1,
    updatedAt: at.toISOString(),
  }));
}
