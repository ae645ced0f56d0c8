import type { FastifyPluginAsync } from 'fastify';
import { ROLES } from '../../../core/auth/roles.js';
import type { AuditLog } from '../../../core/ports/audit-log.js';
import type { UserAdmin, NewUser, UserChange } from '../../../services/auth/user-admin.js';
import { guard, principalOf, type Authenticator } from '../authn.js';
import { errorBodySchema } from '../errors.js';

// Account management for administrators (users.manage); every change is audited by UserAdmin.

export interface UserRouteOptions {
  auth: Authenticator;
  admin: UserAdmin;
  audit: AuditLog;
}

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;

const endpointSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'user'],
      properties: { kind: { const: 'user' }, user: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'uri'],
      properties: { kind: { const: 'uri' }, uri: { type: 'string', pattern: '^sips?:[^\\s]{3,200}$' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'gateway', 'number'],
      properties: {
        kind: { const: 'gateway' },
        gateway: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
        number: { type: 'string', pattern: '^\\+?[0-9]{3,20}$' },
      },
    },
  ],
} as const;

const agentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['skills', 'endpoint'],
  properties: {
    skills: {
      type: 'object',
      maxProperties: 64,
      additionalProperties: { type: 'integer', minimum: 1, maximum: 9 },
    },
    endpoint: endpointSchema,
  },
} as const;

export const userSchema = {
  type: 'object',
  required: ['username', 'displayName', 'roles', 'disabled', 'mustChangePassword', 'createdAt', 'updatedAt'],
  properties: {
    username: { type: 'string' },
    displayName: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    disabled: { type: 'boolean' },
    mustChangePassword: { type: 'boolean' },
    agent: {
      type: 'object',
      properties: {
        skills: { type: 'object', additionalProperties: { type: 'integer' } },
        endpoint: { type: 'object', additionalProperties: true },
      },
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const roles = {
  type: 'array',
  minItems: 1,
  maxItems: ROLES.length,
  uniqueItems: true,
  items: { type: 'string', enum: [...ROLES] },
} as const;
const displayName = { type: 'string', minLength: 1, maxLength: 64 } as const;
const password = { type: 'string', minLength: 1, maxLength: 256 } as const;
const params = {
  type: 'object',
  required: ['username'],
  properties: { username: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{1,31}$' } },
} as const;

export function userRoutes(o: UserRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', guard(o.auth, o.audit, 'users.manage'));

    app.get(
      '/v1/users',
      {
        schema: {
          response: {
            200: { type: 'object', properties: { users: { type: 'array', items: userSchema } } },
            ...errors,
          },
        },
      },
      async () => ({
        users: await o.admin.list(),
      }),
    );

    app.post<{ Body: NewUser }>(
      '/v1/users',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'displayName', 'roles', 'password'],
            properties: {
              username: { type: 'string', minLength: 1, maxLength: 32 },
              displayName,
              roles,
              password,
              agent: agentSchema,
            },
          },
          response: { 201: userSchema, ...errors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await o.admin.create(principalOf(request), request.body)),
    );

    app.get<{ Params: { username: string } }>(
      '/v1/users/:username',
      { schema: { params, response: { 200: userSchema, ...errors } } },
      async (request) => o.admin.get(request.params.username),
    );

    app.patch<{ Params: { username: string }; Body: UserChange }>(
      '/v1/users/:username',
      {
        schema: {
          params,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              displayName,
              roles,
              agent: { oneOf: [agentSchema, { type: 'null' }] },
              disabled: { type: 'boolean' },
            },
          },
          response: { 200: userSchema, ...errors },
        },
      },
      async (request) => o.admin.update(principalOf(request), request.params.username, request.body),
    );

    app.post<{ Params: { username: string }; Body: { password: string } }>(
      '/v1/users/:username/password',
      {
        schema: {
          params,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['password'],
            properties: { password },
          },
          response: { 204: { type: 'null' }, ...errors },
        },
      },
      async (request, reply) => {
        await o.admin.resetPassword(principalOf(request), request.params.username, request.body.password);
        return reply.code(204).send();
      },
    );
  };
}
