import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { citizenReplyFor } from '../../../core/channels/citizen-reply.js';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { ReplayGuard } from '../../../core/ports/replay-guard.js';
import type { IntakeAcceptor } from '../../../services/intake-acceptor.js';
import { errorBodySchema } from '../errors.js';
import { incidentField, incidentTimeSchema, locationObjectSchema, phoneField, phoneSchema, type LocationField } from '../intake-fields.js';
import { PARTNER_HEADERS, partnerSignature, safeEqual } from '../partner-signature.js';

export interface PartnerIntakeRouteOptions {
  acceptor: IntakeAcceptor;
  /** partnerId → shared secret. */
  keys: Map<string, string>;
  replayGuard: ReplayGuard;
  maxSkewSeconds: number;
  maxBodyBytes: number;
  maxContentChars: number;
  clock?: () => Date;
}

interface PartnerIntakeBody {
  /** app: the centre's own app; national_platform: an item handed over by 国家政务服务平台 (交办). */
  source: 'app' | 'national_platform';
  externalId: string;
  content: string;
  citizen?: { phone?: string; name?: string; userId?: string; confidential?: boolean; replyWanted?: boolean };
  location?: LocationField;
  incidentTime?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** POST /v1/partner/intakes: the centre's app and items handed over by the national platform. */
export function partnerIntakeRoutes(options: PartnerIntakeRouteOptions): FastifyPluginAsync {
  const now = options.clock ?? (() => new Date());

  async function authenticate(request: FastifyRequest): Promise<string> {
    const header = (name: string) => {
      const v = request.headers[name];
      return typeof v === 'string' ? v.trim() : undefined;
    };
    const partnerId = header(PARTNER_HEADERS.partner);
    const timestamp = header(PARTNER_HEADERS.timestamp);
    const nonce = header(PARTNER_HEADERS.nonce);
    const signature = header(PARTNER_HEADERS.signature);
    if (!partnerId || !timestamp || !nonce || !signature) {
      const missing = [PARTNER_HEADERS.partner, PARTNER_HEADERS.timestamp, PARTNER_HEADERS.nonce, PARTNER_HEADERS.signature].find((h) => !header(h))!;
      throw new HotlineError('UNAUTHENTICATED', `缺少签名请求头 ${missing}`, missing);
    }
    const secret = options.keys.get(partnerId);
    // An unknown partner is checked against a dummy secret so the answer takes the same time.
    const expected = partnerSignature(secret ?? 'unknown-partner', request.method, request.url, timestamp, nonce, request.rawBody ?? Buffer.alloc(0));
    if (!safeEqual(expected, signature.toLowerCase()) || !secret) throw new HotlineError('UNAUTHENTICATED', '签名校验失败', PARTNER_HEADERS.signature);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now().getTime() / 1000 - Number(timestamp)) > options.maxSkewSeconds) {
      throw new HotlineError('UNAUTHENTICATED', '请求时间戳已过期或与服务器时间相差过大', PARTNER_HEADERS.timestamp);
    }
    if (!NONCE.test(nonce)) throw new HotlineError('UNAUTHENTICATED', '请求 nonce 格式不正确', PARTNER_HEADERS.nonce);
    // Timestamps are good for ±skew, so a nonce must be remembered for the whole 2 × skew window.
    if (!(await options.replayGuard.firstUse(partnerId, nonce, options.maxSkewSeconds * 2))) {
      throw new HotlineError('UNAUTHENTICATED', '重复的请求（nonce 已使用）', PARTNER_HEADERS.nonce);
    }
    return partnerId;
  }

  return async (app) => {
    // The signature covers the exact bytes: keep them, then parse JSON here (this scope only).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (request, body, done) => {
      const raw = body as Buffer;
      request.rawBody = raw;
      try {
        done(null, raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')));
      } catch {
        done(invalidField('(body)', '请求内容不是有效的 JSON'), undefined);
      }
    });
    app.addHook('preValidation', async (request) => {
      (request as FastifyRequest & { partnerId?: string }).partnerId = await authenticate(request);
    });

    app.post<{ Body: PartnerIntakeBody }>(
      '/v1/partner/intakes',
      {
        bodyLimit: options.maxBodyBytes,
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['source', 'externalId', 'content'],
            properties: {
              source: { type: 'string', enum: ['app', 'national_platform'] },
              externalId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
              content: { type: 'string', minLength: 1, maxLength: options.maxContentChars },
              citizen: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  phone: phoneSchema,
                  name: { type: 'string', minLength: 1, maxLength: 64 },
                  userId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:@-]+$' },
                  confidential: { type: 'boolean' },
                  replyWanted: { type: 'boolean' },
                },
              },
              location: locationObjectSchema,
              incidentTime: incidentTimeSchema,
            },
          },
          response: {
            202: {
              type: 'object',
              properties: {
                intakeId: { type: 'string' },
                status: { type: 'string' },
                duplicate: { type: 'boolean' },
                emergencyLine: { type: 'string' },
                inScope: { type: 'boolean' },
                message: { type: 'string' },
              },
            },
            '4xx': errorBodySchema,
            '5xx': errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const partnerId = (request as FastifyRequest & { partnerId?: string }).partnerId!;
        const body = request.body;
        if (!body.content.trim()) throw invalidField('content', '字段 content 不能为空');
        const phone = phoneField(body.citizen?.phone, 'citizen.phone');
        const national = body.source === 'national_platform';
        const { intake, duplicate } = await options.acceptor.accept({
          channel: national ? 'CHANNEL_NATIONAL_PLATFORM' : 'CHANNEL_APP',
          // The partner's own item id makes a resubmission the same intake.
          idempotencyKey: national ? `national:${body.externalId}` : `app:${partnerId}:${body.externalId}`,
          citizen: {
            ...(phone ? { phone } : {}),
            ...(body.citizen?.name?.trim() ? { name: body.citizen.name.trim() } : {}),
            ...(body.citizen?.userId ? { partnerUserId: `${partnerId}:${body.citizen.userId}` } : {}),
            confidentialityRequested: body.citizen?.confidential ?? false,
            replyWanted: body.citizen?.replyWanted ?? true,
          },
          content: { text: body.content.trim() },
          incident: incidentField(body.incidentTime, body.location),
          links: { externalId: body.externalId },
        });
        const answer = citizenReplyFor(intake);
        return reply
          .code(202)
          .header('location', `/v1/intake/${intake.intakeId}`)
          .send({
            intakeId: intake.intakeId,
            status: 'queued',
            duplicate,
            emergencyLine: intake.emergencyLine,
            inScope: intake.scope.inScope,
            message: answer.text,
          });
      },
    );
  };
}
