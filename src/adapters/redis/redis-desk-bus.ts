import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log/logger.js';
import type { Reservation } from '../../core/acd/model.js';
import type { DeskCommand, DeskNotice, DeskResult } from '../../core/ports/desk.js';
import type { DeskBus, DeskBusHandlers, DeskMessage } from '../../core/ports/desk-bus.js';
import type { RedisKeys } from './keys.js';

interface Pending {
  resolve: (result: DeskResult) => void;
  timer: NodeJS.Timeout;
}

const UNAVAILABLE: DeskResult = { ok: false, code: 'UNAVAILABLE', message: '负责该通话的服务节点暂时无法响应，请稍后重试' };

/**
 * The desk's messages between instances over Redis pub/sub. One subscriber connection per
 * instance listens on its own channel (commands, replies, reservations) and on the notice
 * channels of the agents connected to it. Pub/sub delivers at most once and only to listeners:
 * a command that finds no listener, or gets no reply in time, answers UNAVAILABLE; a lost
 * reservation lapses and is swept; a notice to an agent nobody holds is dropped (the desktop asks
 * for the agent's state when it connects).
 */
export class RedisDeskBus implements DeskBus {
  private readonly sub: Redis;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Map<string, Set<(n: DeskNotice) => void>>();
  private handlers: DeskBusHandlers | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly instanceId: string,
    private readonly log: Logger,
  ) {
    this.sub = redis.duplicate();
    this.sub.on('error', (err: Error) => this.log.warn({ err: err.message }, 'desk bus subscriber error'));
    this.sub.on('message', (channel: string, raw: string) => this.onMessage(channel, raw));
  }

  async start(handlers: DeskBusHandlers): Promise<void> {
    this.handlers = handlers;
    await this.sub.subscribe(this.keys.deskInstanceChannel(this.instanceId));
  }

  async request(instance: string, agentId: string, command: DeskCommand, timeoutMs: number): Promise<DeskResult> {
    const id = randomUUID();
    const result = new Promise<DeskResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.log.warn({ instance, command: command.type, agentId }, 'desk command timed out at the owning instance');
        resolve(UNAVAILABLE);
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
    });
    const heard = await this.send(instance, { type: 'command', id, replyTo: this.instanceId, agentId, command });
    if (!heard) this.settle(id, UNAVAILABLE);
    return result;
  }

  async offer(instance: string, reservation: Reservation): Promise<boolean> {
    return this.send(instance, { type: 'reservation', reservation });
  }

  async listening(instance: string): Promise<boolean> {
    const channel = this.keys.deskInstanceChannel(instance);
    const [, n] = (await this.redis.pubsub('NUMSUB', channel)) as [string, number];
    return Number(n) > 0;
  }

  async publish(agentId: string, notice: DeskNotice): Promise<void> {
    await this.redis.publish(this.keys.deskNoticeChannel(agentId), JSON.stringify(notice));
  }

  subscribe(agentId: string, listener: (notice: DeskNotice) => void): () => void {
    let set = this.listeners.get(agentId);
    if (!set) {
      this.listeners.set(agentId, (set = new Set()));
      this.sub.subscribe(this.keys.deskNoticeChannel(agentId)).catch((err: unknown) => this.log.warn({ err, agentId }, 'could not subscribe to agent notices'));
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(agentId);
      if (!s?.delete(listener) || s.size > 0) return;
      this.listeners.delete(agentId);
      this.sub.unsubscribe(this.keys.deskNoticeChannel(agentId)).catch(() => undefined);
    };
  }

  async stop(): Promise<void> {
    for (const [id] of this.pending) this.settle(id, UNAVAILABLE);
    this.listeners.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
  }

  private async send(instance: string, message: DeskMessage): Promise<boolean> {
    return (await this.redis.publish(this.keys.deskInstanceChannel(instance), JSON.stringify(message))) > 0;
  }

  private settle(id: string, result: DeskResult): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  private onMessage(channel: string, raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.log.warn({ channel }, 'desk bus: message is not JSON; dropped');
      return;
    }
    if (channel !== this.keys.deskInstanceChannel(this.instanceId)) {
      const agentId = channel.slice(this.keys.deskNoticeChannel('').length);
      for (const l of this.listeners.get(agentId) ?? []) {
        try {
          l(parsed as DeskNotice);
        } catch (err) {
          this.log.error({ err, agentId }, 'desk notice listener threw');
        }
      }
      return;
    }
    const m = parsed as DeskMessage;
    switch (m.type) {
      case 'reply':
        this.settle(m.id, m.result);
        return;
      case 'reservation':
        this.handlers?.reservation(m.reservation);
        return;
      case 'command': {
        const h = this.handlers;
        if (!h) return;
        void h
          .command(m.agentId, m.command)
          .catch((err: unknown): DeskResult => {
            this.log.error({ err, command: m.command.type }, 'routed desk command failed');
            return { ok: false, code: 'INTERNAL', message: '操作失败，请重试' };
          })
          .then((result) => this.send(m.replyTo, { type: 'reply', id: m.id, result }))
          .catch((err: unknown) => this.log.warn({ err }, 'desk bus: reply not sent'));
        return;
      }
      default:
        this.log.warn({ channel }, 'desk bus: unknown message type; dropped');
    }
  }
}
