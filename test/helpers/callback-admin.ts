import { HotlineError, invalidField } from '../../src/core/errors.js';
import type { CallbackAdmin, CallbackFilter, CallbackStore, StoredCallback } from '../../src/core/ports/callbacks.js';

/**
 * A TEST DOUBLE of the callback service's supervisor side (the CallbackAdmin it implements), over
 * the real RedisCallbackStore: enough of cancel and reschedule for the HTTP and ws edges to be
 * tested against real records. It records each call so tests see what reached the admin. The real
 * service (BullMQ jobs, the idle-time dialler, the calling window) is not this.
 */
export class StoreBackedCallbackAdmin implements CallbackAdmin {
  readonly calls: { method: 'cancel' | 'reschedule'; id: string; actor: string; detail: string | number }[] = [];

  constructor(
    private readonly store: CallbackStore,
    private readonly now: () => number = Date.now,
  ) {}

  list(filter: CallbackFilter) {
    return this.store.list(filter);
  }

  get(id: string) {
    return this.store.get(id);
  }

  counts() {
    return this.store.counts();
  }

  async cancel(id: string, actor: string, reason: string): Promise<StoredCallback> {
    this.calls.push({ method: 'cancel', id, actor, detail: reason });
    return this.change(id, (cb) => ({
      ...cb,
      status: 'cancelled',
      endReason: 'supervisor',
      history: [...(cb.history ?? []), { atMs: this.now(), actor, action: 'cancel', detail: reason }],
    }));
  }

  async reschedule(id: string, atMs: number, actor: string): Promise<StoredCallback> {
    this.calls.push({ method: 'reschedule', id, actor, detail: atMs });
    return this.change(id, (cb) => {
      if (atMs >= cb.deadline) throw invalidField('at', '改期时间不能晚于该回拨的截止时间');
      return { ...cb, notBefore: atMs, history: [...(cb.history ?? []), { atMs: this.now(), actor, action: 'reschedule', detail: new Date(atMs).toISOString() }] };
    });
  }

  private async change(id: string, f: (cb: StoredCallback) => StoredCallback): Promise<StoredCallback> {
    for (;;) {
      const cb = await this.store.get(id);
      if (!cb) throw new HotlineError('NOT_FOUND', '没有该回拨记录');
      if (cb.status !== 'pending') throw new HotlineError('CONFLICT', '该回拨已结束，不能再更改');
      const saved = await this.store.save(f(cb));
      if (saved) return saved;
    }
  }
}
