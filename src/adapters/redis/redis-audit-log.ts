import type { Redis } from 'ioredis';
import type { AuditEntry, AuditLog } from '../../core/ports/audit-log.js';
import type { RedisKeys } from './keys.js';

const PAGE = 500;

/**
 * The audit log as a Redis stream: XADD only, never edited or trimmed by the gateway (art. 25 of
 * seeds/002; retention is the operator's decision). Stream ids give a total order across gateway
 * instances.
 */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async append(entry: Omit<AuditEntry, 'at'>): Promise<AuditEntry> {
    const full: AuditEntry = { at: this.clock().toISOString(), ...entry };
    await this.redis.xadd(this.keys.auditLog, '*', 'e', JSON.stringify(full));
    return full;
  }

  async list(options: { limit?: number; target?: string } = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1000));
    const out: AuditEntry[] = [];
    let end = '+';
    for (;;) {
      const page = await this.redis.xrevrange(this.keys.auditLog, end, '-', 'COUNT', PAGE);
      for (const [, fields] of page) {
        const e = parse(fields);
        if (e && (!options.target || e.target === options.target)) out.push(e);
        if (out.length >= limit) return out;
      }
      if (page.length < PAGE) return out;
      end = `(${page[page.length - 1]![0]}`;
    }
  }

  /** Every entry, oldest first, one JSON object per line with its stream id: the export. */
  async *exportJsonLines(): AsyncGenerator<string> {
    let start = '-';
    for (;;) {
      const page = await this.redis.xrange(this.keys.auditLog, start, '+', 'COUNT', PAGE);
      for (const [id, fields] of page) {
        const e = parse(fields);
        if (e) yield JSON.stringify({ id, ...e }) + '\n';
      }
      if (page.length < PAGE) return;
      start = `(${page[page.length - 1]![0]}`;
    }
  }
}

function parse(fields: string[]): AuditEntry | undefined {
  const i = fields.indexOf('e');
  if (i < 0 || i + 1 >= fields.length) return undefined;
  try {
    return JSON.parse(fields[i + 1]!) as AuditEntry;
  } catch {
    return undefined;
  }
}
