import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { SurveyRequestInput } from '../../core/surveys/survey.js';
import type { Logger } from '../../log/logger.js';
import { toGrpcError } from './errors.js';
import type { RequestSurveyMessage, RequestSurveyResponseMessage } from './messages.js';
import { GATEWAY_CONTROL, serviceDefinition } from './proto.js';

export interface ControlServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Bearer token every call must carry ("authorization: Bearer <token>"). */
  token: string;
  requestSurvey: (input: SurveyRequestInput) => Promise<'accepted' | 'duplicate'>;
  log: Logger;
}

const digest = (v: string) => createHash('sha256').update(v).digest();

/** Compares the presented bearer token with ours in constant time (digests: equal lengths whatever is sent). */
export function bearerMatches(metadata: grpc.Metadata, token: string): boolean {
  const presented = metadata.get('authorization')[0];
  if (typeof presented !== 'string' || !presented.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(presented.slice(7)), digest(token));
}

/** hotline.control.v1.GatewayControl on its own port, for the work-order core. */
export class ControlServer {
  private readonly server = new grpc.Server();
  private port = 0;

  constructor(private readonly o: ControlServerOptions) {
    this.server.addService(serviceDefinition(GATEWAY_CONTROL), {
      RequestSurvey: (
        call: grpc.ServerUnaryCall<RequestSurveyMessage, RequestSurveyResponseMessage>,
        cb: grpc.sendUnaryData<RequestSurveyResponseMessage>,
      ) => {
        if (!bearerMatches(call.metadata, o.token)) {
          o.log.warn({ peer: call.getPeer() }, 'control request without a valid token refused');
          return cb({ code: grpc.status.UNAUTHENTICATED, details: 'missing or invalid bearer token' });
        }
        o.requestSurvey(call.request).then(
          (status) => cb(null, { status: status === 'accepted' ? 'STATUS_ACCEPTED' : 'STATUS_DUPLICATE', workOrderId: String(call.request.workOrderId) }),
          (err: unknown) => {
            const e = toGrpcError(err);
            if (e.code === grpc.status.UNAVAILABLE) o.log.error({ err }, 'survey request not stored');
            cb(e);
          },
        );
      },
    });
  }

  /** Binds; resolves host:port. */
  async start(): Promise<string> {
    this.port = await new Promise<number>((res, rej) =>
      this.server.bindAsync(`${this.o.host}:${this.o.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? rej(err) : res(p))),
    );
    this.o.log.info({ address: `${this.o.host}:${this.port}` }, 'control service (GatewayControl) listening');
    return `${this.o.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((res) => this.server.tryShutdown(() => res()));
  }
}
