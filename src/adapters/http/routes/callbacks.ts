import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { AuditLog } from '../../../core/ports/audit-log.js';
import type { CallbackAdmin, CallbackFilter } from '../../../core/ports/callbacks.js';
import { AuditedCallbackAdmin } from '../../../services/callbacks/audited-callback-admin.js';
import { callbackFilterShape, cancelShape, rescheduleShape } from '../../callback-fields.js';
import { describeIssue } from '../../zod-issue.js';
import { guard, principalOf, type Authenticator } from '../authn.js';
import { errorBodySchema } from '../errors.js';

// The supervisors' callback queue (issue 6; art. 13 of seeds/002: calls missed at busy times are
// called back at idle times): list with filters, one record, counts, cancel, reschedule. 班长
// manage; 质检员 and 审计员 read (src/core/auth/roles.ts). Numbers are shown in full to these roles,
// as the recordings API shows the caller; every read of records and every change is audited.

export interface CallbackRouteOptions {
  auth: Authenticator;
  audit: AuditLog;
  /** The callback service; absent (not wired yet) → every route answers 503 UNAVAILABLE after the role check. */
  callbacks?: CallbackAdmin;
}

const unavailable = async (): Promise<never> => {
  throw new HotlineError('UNAVAILABLE', '回拨服务暂不可用');
};
const NO_CALLBACKS: CallbackAdmin = { list: unavailable, get: unavailable, counts: unavailable, cancel: unavailable, reschedule: unavailable };

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;
const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' } } } as const;

/** Query strings are text: "1700000000000" → a number, "pending,failed" (or repeated) → a list. */
const fromText = (v: unknown) => (typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v);
const listOf = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v);
const filterQuery = z.strictObject({
  ...callbackFilterShape,
  status: z.preprocess(listOf, callbackFilterShape.status),
  fromMs: z.preprocess(fromText, callbackFilterShape.fromMs),
  toMs: z.preprocess(fromText, callbackFilterShape.toMs),
  limit: z.preprocess(fromText, callbackFilterShape.limit),
});

function parse<T>(schema: z.ZodType<T>, input: unknown, whole: string): T {
  const r = schema.safeParse(input ?? (whole === '(query)' ? {} : undefined));
  if (r.success) return r.data;
  const { field, message } = describeIssue(r.error.issues[0]!, whole);
  throw invalidField(field, message);
}

export function callbackRoutes(o: CallbackRouteOptions): FastifyPluginAsync {
  const admin = new AuditedCallbackAdmin(o.callbacks ?? NO_CALLBACKS, o.audit);
  const read = guard(o.auth, o.audit, 'callbacks.read');
  const manage = guard(o.auth, o.audit, 'callbacks.manage');
  const actor = (request: FastifyRequest) => `user:${principalOf(request).username}`;

  return async (app) => {
    app.get('/v1/callbacks', { onRequest: read, schema: { response: errors } }, async (request) => {
      const filter = parse(filterQuery, request.query, '(query)') as CallbackFilter;
      return admin.list(actor(request), filter);
    });

    app.get('/v1/callbacks/summary', { onRequest: read, schema: { response: errors } }, async () => ({ counts: await admin.counts() }));

    app.get<{ Params: { id: string } }>('/v1/callbacks/:id', { onRequest: read, schema: { params, response: errors } }, async (request) =>
      admin.get(actor(request), request.params.id),
    );

    app.post<{ Params: { id: string } }>('/v1/callbacks/:id/cancel', { onRequest: manage, schema: { params, response: errors } }, async (request) => {
      const { reason } = parse(z.strictObject(cancelShape), request.body, '(body)');
      return admin.cancel(actor(request), request.params.id, reason);
    });

    app.post<{ Params: { id: string } }>('/v1/callbacks/:id/reschedule', { onRequest: manage, schema: { params, response: errors } }, async (request) => {
      const { at } = parse(z.strictObject(rescheduleShape), request.body, '(body)');
      return admin.reschedule(actor(request), request.params.id, Date.parse(at));
    });
  };
}
