// Composition of people, login, role checks, the recordings, user-admin and callback routes and the agent
// desktop's WebSocket (issue 5): part of the composition root, in its own file so gateway.ts
// stays readable.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { agentProfile } from '../core/auth/user.js';
import { HotlineError } from '../core/errors.js';
import type { AgentStatus } from '../core/acd/model.js';
import type { AbuseLimits } from '../core/ports/abuse-limits.js';
import type { CallStore } from '../core/ports/call-records.js';
import type { CallbackAdmin } from '../core/ports/callbacks.js';
import type { DeskService } from '../core/ports/desk.js';
import type { FiguresFeed } from '../core/ports/figures.js';
import type { RedisKeys } from '../adapters/redis/keys.js';
import type { RedisAuditLog } from '../adapters/redis/redis-audit-log.js';
import { RedisLoginThrottle, RedisUserStore } from '../adapters/redis/redis-user-store.js';
import { RedisDeskPresence } from '../adapters/redis/redis-desk-presence.js';
import { adminRoutes } from '../adapters/http/routes/admin.js';
import { authRoutes } from '../adapters/http/routes/auth.js';
import { userRoutes } from '../adapters/http/routes/users.js';
import { recordingRoutes } from '../adapters/http/routes/recordings.js';
import { callbackRoutes } from '../adapters/http/routes/callbacks.js';
import { DeskServer } from '../adapters/ws/desk-server.js';
import { AuthService } from '../services/auth/auth-service.js';
import { TokenSigner } from '../services/auth/tokens.js';
import { UserAdmin } from '../services/auth/user-admin.js';

/** What the agent desktop's ws drives; the ws endpoint is on only when a desk service is given. */
export interface DeskParts {
  desk?: DeskService;
  /** Every agent's state for supervisors (the ACD store's `agents()`). */
  agentStates?: { agents(): Promise<AgentStatus[]> };
  /** The supervisors' callback queue (issue 6) for the HTTP API and the ws; absent → they answer UNAVAILABLE. */
  callbacks?: CallbackAdmin;
}

export interface AccessDeps extends DeskParts {
  /** The live figures pushed to supervisors. */
  figures: FiguresFeed;
  config: Config;
  redis: Redis;
  keys: RedisKeys;
  audit: RedisAuditLog;
  limits: AbuseLimits;
  calls: Pick<CallStore, 'recording'>;
  log: Logger;
  isDraining: () => boolean;
}

export interface Access {
  routes: FastifyPluginAsync[];
  auth: AuthService;
  /** Set on the first start (empty user store): the administrator to log in as. */
  bootstrap?: { username: string; generatedPassword?: string; passwordFile?: string };
  desk?: DeskServer;
}

export async function composeAccess(deps: AccessDeps): Promise<Access> {
  const { config, redis, keys, audit, log } = deps;
  const a = config.auth;
  const users = new RedisUserStore(redis, keys);
  const auth = new AuthService({
    users,
    throttle: new RedisLoginThrottle(redis, keys, {
      maxFailuresPerUser: a.login.maxFailuresPerUser,
      maxFailuresPerAddress: a.login.maxFailuresPerAddress,
      windowMs: a.login.windowMinutes * 60_000,
      lockoutMs: a.login.lockoutMinutes * 60_000,
    }),
    signer: new TokenSigner(a.tokenSecret || tokenSecretFile(config.dataDir, log)),
    audit,
    tokenTtlMs: a.tokenTtlMinutes * 60_000,
  });
  const admin = new UserAdmin(users, audit);

  let bootstrap: Access['bootstrap'];
  const b = await admin.bootstrap(a.bootstrapAdmin.username, a.bootstrapAdmin.password);
  if (b.created) {
    bootstrap = { username: a.bootstrapAdmin.username };
    if (b.generatedPassword) {
      const file = join(config.dataDir, 'auth', 'bootstrap-admin.txt');
      mkdirSync(join(config.dataDir, 'auth'), { recursive: true, mode: 0o700 });
      writeFileSync(
        file,
        `username: ${a.bootstrapAdmin.username}\npassword: ${b.generatedPassword}\n(one-time: it must be changed at the first login; delete this file afterwards)\n`,
        { mode: 0o600 },
      );
      bootstrap = { ...bootstrap, generatedPassword: b.generatedPassword, passwordFile: file };
    }
    log.warn(
      { username: a.bootstrapAdmin.username },
      'first start: bootstrap administrator created; its password must be changed at the first login',
    );
  }

  const routes: FastifyPluginAsync[] = [
    authRoutes({ auth, audit }),
    userRoutes({ auth, admin, audit }),
    recordingRoutes({ auth, audit, calls: deps.calls }),
    adminRoutes({ auth, limits: deps.limits, audit }),
    callbackRoutes({ auth, audit, ...(deps.callbacks ? { callbacks: deps.callbacks } : {}) }),
  ];

  let desk: DeskServer | undefined;
  if (deps.desk) {
    // Until the ACD store is wired, supervisors asking for agent states are told so (UNAVAILABLE).
    const unavailable = async (): Promise<never> => {
      throw new HotlineError('UNAVAILABLE', '坐席状态暂不可用');
    };
    const ds = (desk = new DeskServer({
      auth,
      agentProfile: async (username) => {
        const u = await users.get(username);
        return u && agentProfile(u);
      },
      desk: deps.desk,
      figures: deps.figures,
      agents: deps.agentStates ?? { agents: unavailable },
      presence: new RedisDeskPresence(redis, keys),
      ...(deps.callbacks ? { callbacks: deps.callbacks } : {}),
      audit,
      log: log.child({ component: 'desk-ws' }),
      limits: a.desk,
      isDraining: deps.isDraining,
    }));
    routes.push(async (app) => {
      ds.attach(app.server);
      // Before the HTTP server stops: ws clients are told to reconnect and the desk is settled.
      app.addHook('preClose', () => ds.close());
    });
  }
  return { routes, auth, ...(bootstrap ? { bootstrap } : {}), ...(desk ? { desk } : {}) };
}

/**
 * With no auth.tokenSecret configured, a random secret generated once and kept in
 * <dataDir>/auth/token-secret (0600), so tokens survive a restart of this one instance.
 */
function tokenSecretFile(dataDir: string, log: Logger): string {
  const dir = join(dataDir, 'auth');
  const file = join(dir, 'token-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString('base64url');
    try {
      writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
      log.warn(
        { file },
        'auth.tokenSecret is empty: generated a token secret (instances behind one balancer must share one: set HOTLINE_AUTH_TOKEN_SECRET)',
      );
      return secret;
    } catch {
      // Another process created it first.
      return readFileSync(file, 'utf8').trim();
    }
  }
}
