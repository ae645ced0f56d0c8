import { z } from 'zod';
import { CALLBACK_KINDS, CALLBACK_STATUSES } from '../core/callbacks/callback.js';
import { CALLBACK_LIST_LIMIT } from '../core/ports/callbacks.js';

// What supervisors send about callbacks (issue 6), one set of zod schemas for both edges: the HTTP
// API (query strings are turned into these types first) and the desk ws frames.

export const callbackId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/).describe('callback id (ULID)');
const ms = z.number().int().min(0);

/** CallbackFilter of src/core/ports/callbacks.ts. */
export const callbackFilterShape = {
  status: z.array(z.enum(CALLBACK_STATUSES)).min(1).max(CALLBACK_STATUSES.length).optional(),
  kind: z.enum(CALLBACK_KINDS).optional(),
  queue: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  number: z.string().regex(/^\+[1-9][0-9]{5,14}$/).optional(),
  fromMs: ms.optional(),
  toMs: ms.optional(),
  limit: z.number().int().min(1).max(CALLBACK_LIST_LIMIT.max).optional(),
  cursor: z.string().min(1).max(200).optional(),
};

export const cancelShape = { reason: z.string().trim().min(1).max(200) };

/** An RFC 3339 time with its zone (2026-11-23T09:30:00+08:00). */
export const rescheduleShape = {
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/).refine((s) => !Number.isNaN(Date.parse(s))),
};
