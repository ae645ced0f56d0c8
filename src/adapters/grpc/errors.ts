import * as grpc from '@grpc/grpc-js';
import { ERROR_CODES, HotlineError, type ErrorCode } from '../../core/errors.js';

// The closed set of error codes, mapped once for the gRPC edge (STYLE.md habit 4).
const STATUS_OF: Record<ErrorCode, grpc.status> = {
  [ERROR_CODES.INVALID_FIELD]: grpc.status.INVALID_ARGUMENT,
  [ERROR_CODES.NOT_FOUND]: grpc.status.NOT_FOUND,
  [ERROR_CODES.UNAUTHENTICATED]: grpc.status.UNAUTHENTICATED,
  [ERROR_CODES.FORBIDDEN]: grpc.status.PERMISSION_DENIED,
  [ERROR_CODES.CONFLICT]: grpc.status.ALREADY_EXISTS,
  [ERROR_CODES.RATE_LIMITED]: grpc.status.RESOURCE_EXHAUSTED,
  [ERROR_CODES.UNAVAILABLE]: grpc.status.UNAVAILABLE,
  [ERROR_CODES.INTERNAL]: grpc.status.INTERNAL,
};

/**
 * A gRPC error for any thrown value: ours keep their code (and name the field in the details
 * and in the "hotline-field" trailer); anything else is UNAVAILABLE without internals (a Redis
 * fault: the caller retries).
 */
export function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof HotlineError) {
    const metadata = new grpc.Metadata();
    if (err.field) metadata.set('hotline-field', err.field);
    const named = !err.field || err.message.startsWith(`${err.field} `) || err.message.startsWith(`${err.field}:`);
    return { code: STATUS_OF[err.code], details: named ? err.message : `${err.field}: ${err.message}`, metadata };
  }
  return { code: grpc.status.UNAVAILABLE, details: 'temporarily unavailable; retry' };
}
