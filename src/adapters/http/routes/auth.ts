import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from '../../../core/ports/audit-log.js';
import type { AuthService, IssuedToken } from '../../../services/auth/auth-service.js';
import { guard, principalOf } from '../authn.js';
import { errorBodySchema } from '../errors.js';
import { userSchema } from './users.js';

// Login and the person's own session (issue 5): POST /v1/auth/login gives a short-lived signed
// token; /refresh renews it while it is valid; /password changes one's own password.

export interface AuthRouteOptions {
  auth: AuthService;
  audit: AuditLog;
}

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;
const tokenSchema = {
  type: 'object',
  required: ['token', 'tokenType', 'expiresAt', 'user'],
  properties: {
    token: { type: 'string' },
    tokenType: { type: 'string' },
    expiresAt: { type: 'string' },
    user: userSchema,
  },
} as const;

const answer = (t: IssuedToken) => ({
  token: t.token,
  tokenType: 'Bearer',
  expiresAt: new Date(t.expiresAtMs).toISOString(),
  user: t.user,
});

export function authRoutes(o: AuthRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { username: string; password: string } }>(
      '/v1/auth/login',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: {
              username: { type: 'string', minLength: 1, maxLength: 64 },
              password: { type: 'string', minLength: 1, maxLength: 256 },
            },
          },
          response: { 200: tokenSchema, ...errors },
        },
      },
      async (request) => answer(await o.auth.login(request.body.username, request.body.password, request.ip)),
    );

    app.post(
      '/v1/auth/refresh',
      { onRequest: guard(o.auth, o.audit, 'self'), schema: { response: { 200: tokenSchema, ...errors } } },
      async (request) => answer(await o.auth.refresh(principalOf(request))),
    );

    app.post<{ Body: { currentPassword: string; newPassword: string } }>(
      '/v1/auth/password',
      {
        onRequest: guard(o.auth, o.audit, 'self'),
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['currentPassword', 'newPassword'],
            properties: {
              currentPassword: { type: 'string', minLength: 1, maxLength: 256 },
              newPassword: { type: 'string', minLength: 1, maxLength: 256 },
            },
          },
          response: { 200: tokenSchema, ...errors },
        },
      },
      async (request) =>
        answer(
          await o.auth.changePassword(
            principalOf(request),
            request.body.currentPassword,
            request.body.newPassword,
          ),
        ),
    );

    app.get(
      '/v1/auth/me',
      { onRequest: guard(o.auth, o.audit, 'self'), schema: { response: { 200: userSchema, ...errors } } },
      async (request) => o.auth.user(principalOf(request).username),
    );
  };
}
