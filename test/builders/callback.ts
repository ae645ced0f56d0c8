import { ulid } from 'ulid';
import type { StoredCallback } from '../../src/core/ports/callbacks.js';

let n = 0;
const base = Math.floor(Math.random() * 80_000_000);

/** A pending busy-time callback of a new citizen (each call a new number), requested at `requestedAt`. */
export function storedCallback(overrides: Partial<StoredCallback> = {}): StoredCallback {
  n++;
  const number = overrides.number ?? `+86139${10_000_000 + ((base + n) % 89_999_999)}`;
  const requestedAt = overrides.requestedAt ?? Date.UTC(2026, 10, 23, 2, 0, 0) + n;
  return {
    id: ulid(),
    revision: 0,
    citizenKey: `tel:${number}`,
    number,
    kind: 'busy-time',
    origins: ['abandoned'],
    queues: ['general'],
    callIds: [`call-${n}`],
    requestedAt,
    deadline: requestedAt + 24 * 3600_000,
    attempts: [],
    status: 'pending',
    ...overrides,
  };
}
