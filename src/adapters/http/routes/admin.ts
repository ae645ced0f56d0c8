import { createHash, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { AbuseLimits } from '../../../core/ports/abuse-limits.js';
import type { AuditLog } from '../../../core/ports/audit-log.js';
import { errorBodySchema } from '../errors.js';

// Supervisor endpoints for the abuse limits of art. 34 of seeds/002 and the audit log.
// INTERIM authentication: one bearer token from config (HOTLINE_ADMIN_TOKEN) until the agent and
// console users and roles of issue 5 exist; with no token configured the routes are not
// registered at all (404). The supervisor names themself in X-Hotline-Actor; the audit log
// records that name together with the fact that the shared token was used.

export interface AdminRouteOptions {
  token: string;
  limits: AbuseLimits;
  audit: AuditLog & { exportJsonLines(): AsyncGenerator<string> };
}

const CITIZEN_KEY = '^(tel:\\+[1-9][0-9]{5,14}|wechat:[A-Za-z0-9_-]{1,64}|partner:[A-Za-z0-9._:@-]{1,128})$';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const restrictionSchema = {
  type: 'object',
  required: ['citizenKey', 'reason', 'until', 'setBy', 'setAt'],
  properties: {
    citizenKey: { type: 'string' },
    reason: { type: 'string' },
    until: { type: 'string' },
    setBy: { type: 'string' },
    setAt: { type: 'string' },
  },
} as const;

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;
const params = { type: 'object', required: ['citizenKey'], properties: { citizenKey: { type: 'string', pattern: CITIZEN_KEY } } } as const;
const actorHeaders = {
  type: 'object',
  required: ['x-hotline-actor'],
  properties: { 'x-hotline-actor': { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\s]+( [^\\s]+)*$' } },
} as const;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function adminRoutes(options: AdminRouteOptions): FastifyPluginAsync {
  const expected = digest(options.token);
  const actorOf = (request: FastifyRequest) => `supervisor:${String(request.headers['x-hotline-actor'])} (admin token)`;

  return async (app) => {
    if (!options.token) return;

    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/v1/admin/')) return;
      const header = request.headers.authorization ?? '';
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(header);
      // Hashing first gives equal lengths, so the comparison takes the same time for any token.
      if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
        void reply.header('www-authenticate', 'Bearer realm="hotline-admin"');
        throw new HotlineError('UNAUTHENTICATED', '需要有效的管理令牌');
      }
    });

    app.get('/v1/admin/restrictions', { schema: { response: { 200: { type: 'object', properties: { restrictions: { type: 'array', items: restrictionSchema } } }, ...errors } } }, async () => ({
      restrictions: await options.limits.list(),
    }));

    app.get<{ Params: { citizenKey: string } }>(
      '/v1/admin/restrictions/:citizenKey',
      { schema: { params, response: { 200: restrictionSchema, ...errors } } },
      async (request) => {
        const r = await options.limits.get(request.params.citizenKey);
        if (!r) throw new HotlineError('NOT_FOUND', '该诉求人当前没有限制');
        return r;
      },
    );

    app.put<{ Params: { citizenKey: string }; Body: { reason: string; until?: string; minutes?: number } }>(
      '/v1/admin/restrictions/:citizenKey',
      {
        schema: {
          params,
          headers: actorHeaders,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['reason'],
            properties: {
              reason: { type: 'string', minLength: 1, maxLength: 500 },
              until: { type: 'string', minLength: 1, maxLength: 40 },
              minutes: { type: 'integer', minimum: 1 },
            },
          },
          response: { 200: restrictionSchema, ...errors },
        },
      },
      async (request) => {
        const { reason, until, minutes } = request.body;
        if (!reason.trim()) throw invalidField('reason', '字段 reason 不能为空');
        if ((until === undefined) === (minutes === undefined)) throw invalidField('until', '须提供 until（RFC 3339 时间）或 minutes 之一');
        let end: Date;
        if (until !== undefined) {
          if (!RFC3339.test(until) || Number.isNaN(Date.parse(until))) throw invalidField('until', '字段 until 须为带时区的 RFC 3339 时间');
          end = new Date(until);
        } else {
          end = new Date(Date.now() + minutes! * 60_000);
        }
        return options.limits.restrict(request.params.citizenKey, { reason: reason.trim(), until: end, by: actorOf(request) });
      },
    );

    app.delete<{ Params: { citizenKey: string }; Querystring: { note?: string } }>(
      '/v1/admin/restrictions/:citizenKey',
      {
        schema: {
          params,
          headers: actorHeaders,
          querystring: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 500 } } },
          response: { 204: { type: 'null' }, ...errors },
        },
      },
      async (request, reply) => {
        const key = request.params.citizenKey;
        if (!(await options.limits.get(key))) throw new HotlineError('NOT_FOUND', '该诉求人当前没有限制');
        await options.limits.lift(key, actorOf(request), request.query.note);
        return reply.code(204).send();
      },
    );

    app.get<{ Querystring: { limit?: string; target?: string; format?: 'json' | 'jsonl' } }>(
      '/v1/admin/audit',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
              target: { type: 'string', minLength: 1, maxLength: 200 },
              format: { type: 'string', enum: ['json', 'jsonl'] },
            },
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        if (q.format === 'jsonl') {
          // The export: every entry, oldest first, one JSON object per line, streamed.
          return reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(options.audit.exportJsonLines()));
        }
        const limit = q.limit ? Math.min(Number(q.limit), 1000) : 100;
        return { entries: await options.audit.list({ limit, ...(q.target ? { target: q.target } : {}) }) };
      },
    );
  };
}
