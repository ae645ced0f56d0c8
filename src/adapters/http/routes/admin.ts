import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { AbuseLimits } from '../../../core/ports/abuse-limits.js';
import type { AuditLog } from '../../../core/ports/audit-log.js';
import { errorBodySchema } from '../errors.js';
import { guard, principalOf, type Authenticator } from '../authn.js';

// Supervisor endpoints for the abuse limits of art. 34 of seeds/002 (班长 sets and lifts
// restrictions; 班长 and 审计员 may see them) and the audit log (审计员 only). Each route checks the
// person's token and roles; the audit log records who did what, reading restrictions and the audit
// log included (art. 25: access to citizens' data is audited).

export interface AdminRouteOptions {
  auth: Authenticator;
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

export function adminRoutes(options: AdminRouteOptions): FastifyPluginAsync {
  const { auth, audit } = options;
  const actorOf = (request: FastifyRequest) => `user:${principalOf(request).username}`;
  const read = guard(auth, audit, 'restrictions.read');
  const manage = guard(auth, audit, 'restrictions.manage');
  const audited = (request: FastifyRequest, action: string, target: string, details?: Record<string, unknown>) =>
    audit.append({ actor: actorOf(request), action, target, ...(details ? { details } : {}) });

  return async (app) => {

    app.get(
      '/v1/admin/restrictions',
      { onRequest: read, schema: { response: { 200: { type: 'object', properties: { restrictions: { type: 'array', items: restrictionSchema } } }, ...errors } } },
      async (request) => {
        const restrictions = await options.limits.list();
        await audited(request, 'restriction.list', 'restrictions', { count: restrictions.length });
        return { restrictions };
      },
    );

    app.get<{ Params: { citizenKey: string } }>(
      '/v1/admin/restrictions/:citizenKey',
      { onRequest: read, schema: { params, response: { 200: restrictionSchema, ...errors } } },
      async (request) => {
        const r = await options.limits.get(request.params.citizenKey);
        await audited(request, 'restriction.read', request.params.citizenKey, { found: !!r });
        if (!r) throw new HotlineError('NOT_FOUND', '该诉求人当前没有限制');
        return r;
      },
    );

    app.put<{ Params: { citizenKey: string }; Body: { reason: string; until?: string; minutes?: number } }>(
      '/v1/admin/restrictions/:citizenKey',
      {
        onRequest: manage,
        schema: {
          params,
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
        onRequest: manage,
        schema: {
          params,
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
        onRequest: guard(auth, audit, 'audit.read'),
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
        // Reading the audit log is itself audited, before the entries are read (so an export includes it).
        await audited(request, q.format === 'jsonl' ? 'audit.export' : 'audit.read', 'audit', { ...(q.target ? { filter: q.target } : {}) });
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
