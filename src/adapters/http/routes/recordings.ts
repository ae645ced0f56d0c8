import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import { HotlineError } from '../../../core/errors.js';
import type { AuditLog } from '../../../core/ports/audit-log.js';
import type { CallStore } from '../../../core/ports/call-records.js';
import { guard, principalOf, type Authenticator } from '../authn.js';
import { errorBodySchema } from '../errors.js';

// Recordings (art. 17 of seeds/002: complete, checksummed, retrievable) for quality inspectors,
// supervisors and auditors only; every access, metadata or audio, is audited (art. 25).

export interface RecordingRouteOptions {
  auth: Authenticator;
  audit: AuditLog;
  calls: Pick<CallStore, 'recording'>;
}

const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema } as const;
const params = {
  type: 'object',
  required: ['callId'],
  properties: { callId: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
} as const;

export function recordingRoutes(o: RecordingRouteOptions): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', guard(o.auth, o.audit, 'recordings.read'));

    app.get<{ Params: { callId: string } }>(
      '/v1/recordings/:callId',
      { schema: { params, response: errors } },
      async (request) => {
        const meta = await o.calls.recording(request.params.callId);
        await o.audit.append({
          actor: `user:${principalOf(request).username}`,
          action: 'recording.metadata',
          target: `call:${request.params.callId}`,
          details: { found: !!meta },
        });
        if (!meta) throw new HotlineError('NOT_FOUND', '没有该通话的录音');
        const { path: _path, ...shown } = meta;
        return { ...shown, audio: `/v1/recordings/${encodeURIComponent(meta.callId)}/audio` };
      },
    );

    app.get<{ Params: { callId: string } }>(
      '/v1/recordings/:callId/audio',
      { schema: { params, response: errors } },
      async (request, reply) => {
        const meta = await o.calls.recording(request.params.callId);
        const size = meta
          ? await stat(meta.path).then(
              (s) => s.size,
              () => undefined,
            )
          : undefined;
        await o.audit.append({
          actor: `user:${principalOf(request).username}`,
          action: 'recording.audio',
          target: `call:${request.params.callId}`,
          details: { found: size !== undefined, ...(meta?.sha256 ? { sha256: meta.sha256 } : {}) },
        });
        if (!meta || size === undefined)
          throw new HotlineError('NOT_FOUND', meta?.error ? '该通话的录音文件缺失' : '没有该通话的录音');
        return reply
          .type('audio/wav')
          .header('content-length', size)
          .header(
            'content-disposition',
            `attachment; filename="${meta.callId.replace(/[^A-Za-z0-9._-]/g, '_')}.wav"`,
          )
          .header('cache-control', 'no-store')
          .send(createReadStream(meta.path));
      },
    );
  };
}
