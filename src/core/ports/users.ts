// The centre's people (issue 5): the user store and the login attempt limit, shared by every
// gateway instance (Redis). Passwords are kept only as scrypt hashes (src/services/auth/passwords.ts).

import type { User } from '../auth/user.js';

export interface StoredUser extends User {
  /** "scrypt$N$r$p$salt$hash" (base64url); never leaves the gateway. */
  passwordHash: string;
}

export interface UserStore {
  /** False when the username is taken. */
  create(user: StoredUser): Promise<boolean>;
  get(username: string): Promise<StoredUser | undefined>;
  /** Every user, by username. */
  list(): Promise<StoredUser[]>;
  /**
   * Applies `change` to the stored user atomically (retried when another instance changed it in
   * between); undefined when there is no such user. `change` may throw to refuse.
   */
  update(username: string, change: (current: StoredUser) => StoredUser): Promise<StoredUser | undefined>;
}

/**
 * Failed logins counted per username and per source address, in a window; past a limit the key is
 * locked out for a while. Unknown usernames are counted like known ones, so the answer does not
 * tell which usernames exist.
 */
export interface LoginThrottle {
  /** Milliseconds until a login may be tried again; 0 when neither key is locked. */
  lockedFor(username: string, address: string): Promise<number>;
  /** Counts a failure; returns the lockout it caused (ms), 0 when still under the limit. */
  failed(username: string, address: string): Promise<number>;
  /** A successful login clears the username's failures (not the address's). */
  succeeded(username: string): Promise<void>;
}
