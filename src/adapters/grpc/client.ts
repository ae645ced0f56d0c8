// The gateway's gRPC clients of the core (and the dev core's client of the gateway): one way to
// build a client from a service name and to make a unary call with the bearer token and a deadline.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinition } from './proto.js';

export interface GrpcCoreClientOptions {
  address: string;
  token?: string;
  tlsCaFile?: string;
  deadlineMs: number;
}

type Unary<Q, R> = (req: Q, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: R) => void) => void;

export function client(fullName: string, options: GrpcCoreClientOptions): grpc.Client & Record<string, unknown> {
  const Client = grpc.makeGenericClientConstructor(serviceDefinition(fullName), fullName);
  const creds = options.tlsCaFile ? grpc.credentials.createSsl(readFileSync(options.tlsCaFile)) : grpc.credentials.createInsecure();
  return new Client(options.address, creds, {
    'grpc.keepalive_time_ms': 30_000,
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 5_000,
  }) as grpc.Client & Record<string, unknown>;
}

export function unary<Q, R>(c: grpc.Client & Record<string, unknown>, method: string, options: GrpcCoreClientOptions, req: Q, deadlineMs = options.deadlineMs): Promise<R> {
  const md = new grpc.Metadata();
  if (options.token) md.set('authorization', `Bearer ${options.token}`);
  return new Promise((resolve, reject) =>
    (c[method] as Unary<Q, R>).call(c, req, md, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res!))),
  );
}

