import type { FastifyPluginAsync } from 'fastify';
import { HotlineError } from '../../../core/errors.js';
import type { IntakeOutbox } from '../../../core/ports/intake-outbox.js';
import { errorBodySchema } from '../errors.js';

/** GET /v1/intake/:id: queued, delivered (with the work-order id) or failed. */
export function intakeStatusRoutes(outbox: IntakeOutbox): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { id: string } }>(
      '/v1/intake/:id',
      {
        schema: {
          params: {
            type: 'object',
            properties: { id: { type: 'string', pattern: '^[0-9A-HJKMNP-TV-Z]{26}$' } },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                intakeId: { type: 'string' },
                status: { type: 'string', enum: ['queued', 'delivered', 'failed'] },
                acceptedAt: { type: 'string' },
                deliveredAt: { type: 'string' },
                workOrderId: { type: 'string' },
                attempts: { type: 'integer' },
                error: { type: 'string' },
              },
            },
            '4xx': errorBodySchema,
          },
        },
      },
      async (request) => {
        const status = await outbox.status(request.params.id);
        if (!status) throw new HotlineError('NOT_FOUND', '未找到该受理编号的诉求');
        return status;
      },
    );
  };
}
