import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, HotlineError, type ErrorCode } from '../../core/errors.js';

/** The body of every error answer. `message` is shown to people (Chinese); `detail` is for developers. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  field?: string;
  detail?: string;
}

const STATUS: Record<ErrorCode, number> = {
  INVALID_FIELD: 400,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const errorBodySchema = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', enum: Object.values(ERROR_CODES) },
    message: { type: 'string' },
    field: { type: 'string' },
    detail: { type: 'string' },
  },
} as const;

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function fieldOf(e: AjvError): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = (e.params.missingProperty ?? e.params.additionalProperty) as string | undefined;
  return [base, extra].filter(Boolean).join('.') || '(body)';
}

function chineseMessage(e: AjvError, field: string): string {
  switch (e.keyword) {
    case 'required':
      return `缺少必填字段 ${field}`;
    case 'additionalProperties':
      return `不支持的字段 ${field}`;
    case 'type':
      return `字段 ${field} 的类型不正确`;
    case 'minLength':
      return `字段 ${field} 不能为空`;
    case 'maxLength':
      return `字段 ${field} 超过最大长度 ${String(e.params.limit)}`;
    case 'pattern':
    case 'format':
      return `字段 ${field} 的格式不正确`;
    case 'enum':
      return `字段 ${field} 的取值不在允许范围内`;
    case 'minimum':
    case 'maximum':
      return `字段 ${field} 的数值超出范围`;
    default:
      return `字段 ${field} 不符合要求`;
  }
}

function send(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

/** One error handler for the whole API: stable codes, the failing field named, no 5xx internals leaked. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HotlineError) {
    const statusCode = STATUS[error.code];
    if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
    if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
    return send(reply, {
      statusCode,
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
    });
  }
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0] as unknown as AjvError;
    const field = fieldOf(first);
    return send(reply, {
      statusCode: 400,
      code: 'INVALID_FIELD',
      field,
      message: chineseMessage(first, field),
      detail: `${error.validationContext ?? 'body'}${first.instancePath} ${first.message ?? ''}`.trim(),
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(reply, { statusCode: 413, code: 'INVALID_FIELD', field: '(body)', message: '提交的内容过大', detail: error.message });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(reply, {
        statusCode: 415,
        code: 'INVALID_FIELD',
        field: 'content-type',
        message: '不支持的内容类型，请以 application/json 提交',
        detail: error.message,
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return send(reply, { statusCode: 400, code: 'INVALID_FIELD', field: '(body)', message: '请求内容为空', detail: error.message });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return send(reply, { statusCode: 400, code: 'INVALID_FIELD', field: 'content-length', message: '请求长度不正确', detail: error.message });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Malformed JSON and other client errors fastify detects before the handler.
    const invalidJson = error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY';
    return send(reply, {
      statusCode: error.statusCode,
      code: 'INVALID_FIELD',
      field: '(body)',
      message: invalidJson ? '请求内容不是有效的 JSON' : '请求无效',
      detail: error.message,
    });
  }
  request.log.error({ err: error }, 'request failed');
  return send(reply, { statusCode: 500, code: 'INTERNAL', message: '系统繁忙，请稍后再试' });
}

export function notFoundHandler(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, { statusCode: 404, code: 'NOT_FOUND', message: '请求的地址不存在' });
}
