import type { FastifyPluginAsync } from 'fastify';
import { invalidField } from '../../../core/errors.js';
import { citizenReply } from '../../../core/rules/citizen-reply.js';
import type { IntakeAcceptor } from '../../../services/intake-acceptor.js';
import { errorBodySchema } from '../errors.js';
import { incidentField, incidentTimeSchema, locationObjectSchema, phoneField, phoneSchema, type LocationField } from '../intake-fields.js';

export interface WebIntakeRouteOptions {
  acceptor: IntakeAcceptor;
  maxContentChars: number;
}

interface WebIntakeBody {
  content: string;
  phone?: string;
  name?: string;
  location?: string | LocationField;
  incidentTime?: string;
  confidential?: boolean;
  replyWanted?: boolean;
  clientRequestId?: string;
}

/** The web form's body: what the citizen may send, each field bounded; nothing else accepted. */
export function webIntakeBodySchema(maxContentChars: number) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['content'],
    properties: {
      content: { type: 'string', minLength: 1, maxLength: maxContentChars },
      phone: phoneSchema,
      name: { type: 'string', minLength: 1, maxLength: 64 },
      location: {
        anyOf: [{ type: 'string', minLength: 1, maxLength: 500 }, locationObjectSchema],
      },
      incidentTime: incidentTimeSchema,
      confidential: { type: 'boolean' },
      replyWanted: { type: 'boolean' },
      clientRequestId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
    },
  } as const;
}

/** POST /v1/intake/web: the web form (网站) channel. Answers 202 only once the intake is durable. */
export function webIntakeRoutes(options: WebIntakeRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: WebIntakeBody }>(
      '/v1/intake/web',
      {
        schema: {
          body: webIntakeBodySchema(options.maxContentChars),
          response: {
            202: {
              type: 'object',
              properties: {
                intakeId: { type: 'string' },
                status: { type: 'string' },
                duplicate: { type: 'boolean' },
                message: { type: 'string' },
              },
            },
            '4xx': errorBodySchema,
            '5xx': errorBodySchema,
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (!body.content.trim()) throw invalidField('content', '字段 content 不能为空');
        const phone = phoneField(body.phone, 'phone');
        const { intake, duplicate } = await options.acceptor.accept({
          channel: 'CHANNEL_WEB',
          ...(body.clientRequestId ? { idempotencyKey: `web:${body.clientRequestId}` } : {}),
          citizen: {
            ...(phone ? { phone } : {}),
            ...(body.name?.trim() ? { name: body.name.trim() } : {}),
            confidentialityRequested: body.confidential ?? false,
            replyWanted: body.replyWanted ?? !!phone,
          },
          content: { text: body.content.trim() },
          incident: incidentField(body.incidentTime, body.location),
        });
        return reply
          .code(202)
          .header('location', `/v1/intake/${intake.intakeId}`)
          .send({
            intakeId: intake.intakeId,
            status: 'queued',
            duplicate,
            message: citizenReply(intake),
          });
      },
    );
  };
}
