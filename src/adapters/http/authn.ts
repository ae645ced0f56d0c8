import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { HotlineError } from '../../core/errors.js';
import { allows, missingRoleMessage, type Permission } from '../../core/auth/roles.js';
import type { Principal } from '../../core/auth/user.js';
import type { AuditLog } from '../../core/ports/audit-log.js';

// Authentication and role checks of the HTTP API (issue 5): a route names the permission it
// needs, this hook checks the bearer token and the person's roles before the handler runs.

export interface Authenticator {
  authenticate(token: string): Promise<Principal>;
}

/** The permission a route needs, or `self`: any logged-in person acting on their own account. */
export type Access = Permission | 'self';

const principals = new WeakMap<FastifyRequest, Principal>();

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header ?? '');
  return m?.[1];
}

export function principalOf(request: FastifyRequest): Principal {
  const p = principals.get(request);
  if (!p) throw new Error('route has no access guard');
  return p;
}

/**
 * onRequest hook: 401 without a valid token, 403 naming the role that is missing (the refusal is
 * audited), 403 for everything but the person's own account while their password must be changed.
 */
export function guard(auth: Authenticator, audit: AuditLog, access: Access): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      void reply.header('www-authenticate', 'Bearer realm="hotline"');
      throw new HotlineError('UNAUTHENTICATED', '请先登录（缺少 Authorization: Bearer 令牌）');
    }
    let principal: Principal;
    try {
      principal = await auth.authenticate(token);
    } catch (err) {
      void reply.header('www-authenticate', 'Bearer realm="hotline", error="invalid_token"');
      throw err;
    }
    if (access !== 'self') {
      if (principal.mustChangePassword)
        throw new HotlineError('FORBIDDEN', '请先修改初始密码（POST /v1/auth/password）');
      if (!allows(principal.roles, access)) {
        await audit.append({
          actor: `user:${principal.username}`,
          action: 'access.denied',
          target: `${request.method} ${request.routeOptions.url ?? request.url}`,
          details: { permission: access, roles: principal.roles },
        });
        throw new HotlineError('FORBIDDEN', missingRoleMessage(access));
      }
    }
    principals.set(request, principal);
  };
}
