// One closed set of error codes, mapped once per edge (HTTP status, gRPC code, ws error frame).
// Never match on message strings.

export const ERROR_CODES = {
  INVALID_FIELD: 'INVALID_FIELD',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class HotlineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The request field at fault, for INVALID_FIELD. */
    readonly field?: string,
    /** For RATE_LIMITED: when the caller may try again (HTTP Retry-After, RFC 9110 §10.2.3). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HotlineError';
  }
}

export function invalidField(field: string, message: string): HotlineError {
  return new HotlineError(ERROR_CODES.INVALID_FIELD, message, field);
}
