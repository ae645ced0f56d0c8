import type { FastifyPluginAsync } from 'fastify';
import { invalidField } from '../../../core/errors.js';
import { DATUMS, type Incident } from '../../../core/intake/intake.js';
import { toE164 } from '../../../core/intake/phone.js';
import { citizenReply } from '../../../core/rules/citizen-reply.js';
import type { IntakeAcceptor } from '../../../services/intake-acceptor.js';
import { errorBodySchema } from '../errors.js';

export interface WebIntakeRouteOptions {
  acceptor: IntakeAcceptor;
  maxContentChars: number;
}

interface WebIntakeBody {
  content: string;
  phone?: string;
  name?: string;
  location?: string | { text?: string; latitude?: number; longitude?: number; datum?: 'WGS84' | 'GCJ02' | 'BD09'; areaCode?: string };
  incidentTime?: string;
  confidential?: boolean;
  replyWanted?: boolean;
  clientRequestId?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** POST /v1/intake/web: the web form (网站) channel. Answers 202 only once the intake is durable. */
export function webIntakeRoutes(options: WebIntakeRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: WebIntakeBody }>(
      '/v1/intake/web',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['content'],
            properties: {
              content: { type: 'string', minLength: 1, maxLength: options.maxContentChars },
              phone: { type: 'string', minLength: 1, maxLength: 32 },
              name: { type: 'string', minLength: 1, maxLength: 64 },
              location: {
                anyOf: [
                  { type: 'string', minLength: 1, maxLength: 500 },
                  {
                    type: 'object',
                    additionalProperties: false,
                    properties: {
                      text: { type: 'string', maxLength: 500 },
                      latitude: { type: 'number', minimum: -90, maximum: 90 },
                      longitude: { type: 'number', minimum: -180, maximum: 180 },
                      datum: { type: 'string', enum: ['WGS84', 'GCJ02', 'BD09'] },
                      areaCode: { type: 'string', pattern: '^\\d{6,12}$' },
                    },
                  },
                ],
              },
              incidentTime: { type: 'string', minLength: 1, maxLength: 100 },
              confidential: { type: 'boolean' },
              replyWanted: { type: 'boolean' },
              clientRequestId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
            },
          },
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
        let phone: string | undefined;
        if (body.phone !== undefined) {
          phone = toE164(body.phone);
          if (!phone) throw invalidField('phone', '字段 phone 不是有效的电话号码');
        }
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
          incident: incidentOf(body),
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

function incidentOf(body: WebIntakeBody): Incident | undefined {
  const incident: Incident = {};
  if (body.incidentTime) {
    const t = body.incidentTime.trim();
    if (RFC3339.test(t) && !Number.isNaN(Date.parse(t))) incident.time = new Date(t).toISOString();
    else incident.timeText = t;
  }
  const loc = body.location;
  if (typeof loc === 'string') {
    if (loc.trim()) incident.location = { text: loc.trim() };
  } else if (loc) {
    const hasLat = loc.latitude !== undefined;
    if (hasLat !== (loc.longitude !== undefined)) {
      throw invalidField(hasLat ? 'location.longitude' : 'location.latitude', '经纬度需要同时提供');
    }
    if (hasLat && !loc.datum) throw invalidField('location.datum', '提供经纬度时须注明坐标系 datum（WGS84、GCJ02 或 BD09）');
    incident.location = {
      ...(loc.text?.trim() ? { text: loc.text.trim() } : {}),
      ...(hasLat
        ? { coordinates: { latitude: loc.latitude!, longitude: loc.longitude!, datum: DATUMS.find((d) => d === `DATUM_${loc.datum}`)! } }
        : {}),
      ...(loc.areaCode ? { areaCode: loc.areaCode } : {}),
    };
  }
  return Object.keys(incident).length > 0 ? incident : undefined;
}
