import { HotlineError } from '../../core/errors.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { CallbackAdmin, CallbackFilter, StoredCallback } from '../../core/ports/callbacks.js';

// What supervisors do with the callback queue, as both edges (HTTP API, desk ws) do it: through
// the CallbackAdmin, with an audit entry for every read that shows citizens' numbers and every
// change, refused ones included (art. 25 of seeds/002: access to citizens' data is audited).
// The edges audit, so the CallbackAdmin itself does not append a second entry.

export class AuditedCallbackAdmin {
  constructor(
    private readonly admin: CallbackAdmin,
    private readonly audit: AuditLog,
  ) {}

  async list(actor: string, filter: CallbackFilter): Promise<{ items: StoredCallback[]; next?: string }> {
    const page = await this.admin.list(filter);
    const { cursor: _c, ...shown } = filter;
    await this.audit.append({ actor, action: 'callback.list', target: 'callbacks', details: { filter: shown, count: page.items.length } });
    return page;
  }

  async get(actor: string, id: string): Promise<StoredCallback> {
    const cb = await this.admin.get(id);
    await this.audit.append({ actor, action: 'callback.read', target: `callback:${id}`, details: { found: !!cb } });
    if (!cb) throw new HotlineError('NOT_FOUND', '没有该回拨记录');
    return cb;
  }

  counts(): ReturnType<CallbackAdmin['counts']> {
    return this.admin.counts();
  }

  cancel(actor: string, id: string, reason: string): Promise<StoredCallback> {
    return this.audited(actor, 'callback.cancel', id, { reason }, () => this.admin.cancel(id, actor, reason));
  }

  reschedule(actor: string, id: string, atMs: number): Promise<StoredCallback> {
    return this.audited(actor, 'callback.reschedule', id, { at: new Date(atMs).toISOString() }, () => this.admin.reschedule(id, atMs, actor));
  }

  private async audited(actor: string, action: string, id: string, details: Record<string, unknown>, change: () => Promise<StoredCallback>): Promise<StoredCallback> {
    let outcome = 'ok';
    try {
      return await change();
    } catch (err) {
      outcome = err instanceof HotlineError ? err.code : 'INTERNAL';
      throw err;
    } finally {
      await this.audit.append({ actor, action, target: `callback:${id}`, details: { ...details, outcome } });
    }
  }
}
