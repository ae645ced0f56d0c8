import type { FastifyPluginAsync } from 'fastify';
import { HotlineError, invalidField } from '../../../core/errors.js';
import type { SimulatedSwitch } from '../../simulated/simulated-switch.js';
import { errorBodySchema } from '../errors.js';

interface PlaceBody {
  caller: string;
  dialled?: string;
  fromLine?: '110' | '119' | '120' | '122';
  /** Keys to press, timed from the answer. */
  keys?: { atMs: number; press: string }[];
  hangupAfterMs?: number;
}

const callView = {
  type: 'object',
  properties: {
    callId: { type: 'string' },
    state: { type: 'string' },
    heard: { type: 'array', items: { type: 'string' } },
    hearing: { type: 'string' },
    transferredTo: { type: 'string' },
  },
} as const;

/**
 * Development only, mounted only when telephony is simulated: place a virtual call and watch it.
 * There is no real phone line behind these routes; they exist so a newcomer sees the IVR work.
 */
export function devSimRoutes(sim: SimulatedSwitch): FastifyPluginAsync {
  const view = (callId: string) => {
    const c = sim.caller(callId);
    const t = c.transferredTo;
    return {
      callId,
      state: c.state,
      heard: [...c.heard],
      ...(c.hearing ? { hearing: c.hearing.media } : {}),
      ...(t ? { transferredTo: t.kind === 'gateway' ? `${t.gateway}/${t.number}` : t.kind === 'user' ? t.user : t.uri } : {}),
    };
  };
  return async (app) => {
    app.post<{ Body: PlaceBody }>(
      '/v1/dev/sim/calls',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['caller'],
            properties: {
              caller: { type: 'string', pattern: '^\\+?[0-9]{3,20}$' },
              dialled: { type: 'string', pattern: '^[0-9]{3,20}$' },
              fromLine: { type: 'string', enum: ['110', '119', '120', '122'] },
              keys: {
                type: 'array',
                maxItems: 50,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['atMs', 'press'],
                  properties: { atMs: { type: 'integer', minimum: 0, maximum: 600000 }, press: { type: 'string', pattern: '^[0-9*#]{1,32}$' } },
                },
              },
              hangupAfterMs: { type: 'integer', minimum: 0, maximum: 3600000 },
            },
          },
          response: { 201: callView, '4xx': errorBodySchema },
        },
      },
      async (request, reply) => {
        const b = request.body;
        if (b.keys?.some((k) => b.hangupAfterMs !== undefined && k.atMs > b.hangupAfterMs)) {
          throw invalidField('keys', '按键时间不能晚于挂机时间 hangupAfterMs');
        }
        const caller = sim.placeCall({
          caller: b.caller,
          ...(b.dialled ? { dialled: b.dialled } : {}),
          entry: b.fromLine ? { kind: 'emergency-transfer', fromLine: b.fromLine } : { kind: 'citizen' },
          script: [...(b.keys ?? []), ...(b.hangupAfterMs !== undefined ? [{ atMs: b.hangupAfterMs, hangup: true as const }] : [])],
        });
        return reply.code(201).header('location', `/v1/dev/sim/calls/${caller.callId}`).send(view(caller.callId));
      },
    );
    app.get<{ Params: { callId: string } }>(
      '/v1/dev/sim/calls/:callId',
      { schema: { params: { type: 'object', properties: { callId: { type: 'string', maxLength: 64 } } }, response: { 200: callView, '4xx': errorBodySchema } } },
      async (request) => {
        try {
          return view(request.params.callId);
        } catch {
          throw new HotlineError('NOT_FOUND', '没有这个模拟通话');
        }
      },
    );
    app.post<{ Params: { callId: string }; Body: { press?: string; hangup?: boolean } }>(
      '/v1/dev/sim/calls/:callId/actions',
      {
        schema: {
          params: { type: 'object', properties: { callId: { type: 'string', maxLength: 64 } } },
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { press: { type: 'string', pattern: '^[0-9*#]{1,32}$' }, hangup: { type: 'boolean' } },
          },
          response: { 200: callView, '4xx': errorBodySchema },
        },
      },
      async (request) => {
        let c;
        try {
          c = sim.caller(request.params.callId);
        } catch {
          throw new HotlineError('NOT_FOUND', '没有这个模拟通话');
        }
        if (request.body.press) await c.press(request.body.press);
        if (request.body.hangup) await c.hangup();
        return view(request.params.callId);
      },
    );
  };
}
