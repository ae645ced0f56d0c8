import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { HotlineError, type ErrorCode } from '../../core/errors.js';
import { allows, missingRoleMessage } from '../../core/auth/roles.js';
import type { Principal } from '../../core/auth/user.js';
import type { AgentStatus } from '../../core/acd/model.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DeskCommand, DeskService } from '../../core/ports/desk.js';
import type { Logger } from '../../log/logger.js';
import type { AuditedCallbackAdmin } from '../../services/callbacks/audited-callback-admin.js';
import {
  clientFrames,
  parseClientFrame,
  type ClientFrame,
  type OutFrame,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
} from './protocol.js';

// One agent desktop or supervisor console connection: authentication, frame validation, role
// checks per frame, the flood limit, and the mapping of frames onto the DeskService. A single bad
// frame gets an error frame; the connection stays usable.

export const CLOSE = {
  /** Token missing, invalid or expired. */
  unauthenticated: 4401,
  /** Another desktop of the same agent took over the desk on this instance. */
  replaced: 4409,
  flood: 1008,
  restart: 1012,
} as const;

export interface DeskLimits {
  maxFrameBytes: number;
  framesPerSecond: number;
  burst: number;
  authTimeoutSeconds: number;
  heartbeatSeconds: number;
}

/** What a session needs of the server that holds it (src/adapters/ws/desk-server.ts). */
export interface SessionHost {
  readonly limits: DeskLimits;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly desk: DeskService;
  /** The supervisors' callback queue, audited; absent until the callback service is wired. */
  readonly callbacks?: AuditedCallbackAdmin;
  readonly auth: { authenticate(token: string): Promise<Principal> };
  deskLogin(session: DeskSession, username: string): Promise<AgentStatus>;
  deskLogout(session: DeskSession): Promise<AgentStatus>;
  forceLogout(agentId: string, by: string): Promise<AgentStatus>;
  pushFigures(to: DeskSession[]): Promise<void>;
  pushAgents(to: DeskSession[]): Promise<void>;
}

export class DeskSession {
  readonly connectionId = randomUUID();
  principal?: Principal;
  /** The token the session runs on, re-checked on every heartbeat (a disabled account or a reset password ends the session). */
  token?: string;
  /** The agent id when this connection holds the agent's desk (desk.login done). */
  deskAgent?: string;
  watchesFigures = false;
  watchesAgents = false;
  lastAgents?: string;
  alive = true;
  private stopNotices?: () => void;
  private expiryTimer?: NodeJS.Timeout;
  private authTimer?: NodeJS.Timeout;
  private tokens: number;
  private refilledAt = Date.now();
  private dropped = 0;
  private lastLimitErrorAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  log: Logger;

  constructor(
    readonly ws: WebSocket,
    private readonly hub: SessionHost,
    first: { principal: Principal; token: string } | undefined,
  ) {
    this.tokens = hub.limits.burst;
    this.log = hub.log.child({ conn: this.connectionId });
    if (first) this.authenticated(first.principal, first.token);
    else {
      this.authTimer = setTimeout(
        () => this.close(CLOSE.unauthenticated, 'auth-timeout', '未在规定时间内完成认证（auth 帧）'),
        hub.limits.authTimeoutSeconds * 1000,
      );
      this.authTimer.unref();
    }
  }

  send(frame: OutFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...frame }));
  }

  error(code: ErrorCode, message: string, id?: string, field?: string): void {
    this.send({
      type: 'error',
      ...(id !== undefined ? { id } : {}),
      code,
      message,
      ...(field ? { field } : {}),
    });
  }

  /** A frame as it arrived; handled in arrival order (an agent's answer comes before their hold). */
  receive(data: Buffer, isBinary: boolean): void {
    if (!this.admit()) return;
    if (isBinary) return this.error('INVALID_FIELD', '只接受文本帧（JSON）', undefined, '(frame)');
    if (data.length > this.hub.limits.maxFrameBytes)
      return this.error(
        'INVALID_FIELD',
        `消息过大（上限 ${this.hub.limits.maxFrameBytes} 字节）`,
        undefined,
        '(frame)',
      );
    const parsed = parseClientFrame(data.toString('utf8'));
    if (!parsed.ok) {
      const { id, code, field, message } = parsed.problem;
      return this.error(code, message, id, field);
    }
    const frame = parsed.frame;
    this.queue = this.queue.then(() => this.handle(frame)).catch((err: unknown) => this.failed(frame, err));
  }

  /** Token bucket: refused frames get an error frame (at most one a second); persistent flooding closes. */
  private admit(): boolean {
    const now = Date.now();
    const { framesPerSecond, burst } = this.hub.limits;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * framesPerSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.dropped = 0;
      return true;
    }
    this.dropped++;
    if (this.dropped > burst * 5) {
      this.close(CLOSE.flood, 'flood', '发送过于频繁，连接已关闭');
      return false;
    }
    if (now - this.lastLimitErrorAt >= 1000) {
      this.lastLimitErrorAt = now;
      this.error('RATE_LIMITED', `发送过于频繁（每秒最多 ${framesPerSecond} 条），该消息未处理`);
    }
    return false;
  }

  private failed(frame: ClientFrame, err: unknown): void {
    if (err instanceof HotlineError) return this.error(err.code, err.message, frame.id, err.field);
    this.log.error({ err, type: frame.type }, 'desk frame failed');
    this.error('UNAVAILABLE', '坐席服务暂不可用，请稍后重试', frame.id);
  }

  private async handle(frame: ClientFrame): Promise<void> {
    if (this.closed) return;
    const id = frame.id;
    if (frame.type === 'auth') return this.reauthenticate(frame.token, id);
    const p = this.principal;
    if (!p) return this.error('UNAUTHENTICATED', '请先认证（发送 auth 帧）', id);
    if (frame.type === 'ping') return this.send({ type: 'pong', ...(id !== undefined ? { id } : {}) });
    const permission = clientFrames[frame.type].permission;
    if (p.mustChangePassword)
      return this.error('FORBIDDEN', '请先修改初始密码（POST /v1/auth/password）', id);
    if (!allows(p.roles, permission)) {
      await this.hub.audit.append({
        actor: `user:${p.username}`,
        action: 'access.denied',
        target: `ws ${frame.type}`,
        details: { permission, roles: p.roles },
      });
      return this.error('FORBIDDEN', missingRoleMessage(permission), id);
    }
    const reply = (detail?: Record<string, unknown>) =>
      this.send({
        type: 'result',
        ...(id !== undefined ? { id } : {}),
        ok: true,
        ...(detail ? { detail } : {}),
      });
    switch (frame.type) {
      case 'desk.login':
        return reply({ status: await this.hub.deskLogin(this, p.username) });
      case 'desk.logout':
        return reply({ status: await this.hub.deskLogout(this) });
      case 'figures.subscribe':
        if (!this.watchesFigures) await this.audited('desk.figures-watch', 'figures');
        this.watchesFigures = true;
        reply();
        return this.hub.pushFigures([this]);
      case 'figures.unsubscribe':
        this.watchesFigures = false;
        return reply();
      case 'agents.subscribe':
        if (!this.watchesAgents) await this.audited('desk.agents-watch', 'agents');
        this.watchesAgents = true;
        this.lastAgents = undefined;
        reply();
        return this.hub.pushAgents([this]);
      case 'agents.unsubscribe':
        this.watchesAgents = false;
        return reply();
      case 'callbacks.list':
      case 'callback.cancel':
      case 'callback.reschedule':
        return reply(await this.callbackCommand(frame, `user:${p.username}`));
      case 'agent.logout':
        await this.audited('desk.force-logout', `agent:${frame.agentId}`, { reason: frame.reason });
        return reply({ status: await this.hub.forceLogout(frame.agentId, p.username) });
      default: {
        if (!this.deskAgent) return this.error('CONFLICT', '请先签入坐席（desk.login）', id);
        const { v: _v, id: _id, ...command } = frame;
        const r = await this.hub.desk.command(this.deskAgent, command as DeskCommand);
        return this.send(
          r.ok
            ? {
                type: 'result',
                ...(id !== undefined ? { id } : {}),
                ok: true,
                ...(r.detail ? { detail: r.detail } : {}),
              }
            : {
                type: 'result',
                ...(id !== undefined ? { id } : {}),
                ok: false,
                code: r.code,
                message: r.message,
              },
        );
      }
    }
  }

  private async callbackCommand(
    frame: Extract<ClientFrame, { type: 'callbacks.list' | 'callback.cancel' | 'callback.reschedule' }>,
    actor: string,
  ): Promise<Record<string, unknown>> {
    const admin = this.hub.callbacks;
    if (!admin) throw new HotlineError('UNAVAILABLE', '回拨服务暂不可用');
    switch (frame.type) {
      case 'callbacks.list': {
        const { v: _v, id: _id, type: _t, ...filter } = frame;
        return admin.list(actor, filter);
      }
      case 'callback.cancel':
        return { callback: await admin.cancel(actor, frame.callbackId, frame.reason) };
      case 'callback.reschedule':
        return { callback: await admin.reschedule(actor, frame.callbackId, Date.parse(frame.at)) };
    }
  }

  private audited(action: string, target: string, details?: Record<string, unknown>): Promise<unknown> {
    return this.hub.audit.append({
      actor: `user:${this.principal!.username}`,
      action,
      target,
      ...(details ? { details } : {}),
    });
  }

  private async reauthenticate(token: string, id: string | undefined): Promise<void> {
    let p: Principal;
    try {
      p = await this.hub.auth.authenticate(token);
    } catch (err) {
      if (this.principal) throw err;
      // No session without a valid token: the reason, then the connection closes.
      this.error(
        'UNAUTHENTICATED',
        err instanceof HotlineError ? err.message : '登录凭证无效，请重新登录',
        id,
      );
      return this.finish(CLOSE.unauthenticated, 'unauthenticated');
    }
    if (this.principal && this.principal.username !== p.username)
      return this.error('FORBIDDEN', '不能在同一连接中切换用户', id);
    this.authenticated(p, token, id);
  }

  /** A valid token: hello, and the session ends when the token does (unless a refreshed one is sent). */
  authenticated(p: Principal, token: string, id?: string): void {
    clearTimeout(this.authTimer);
    this.principal = p;
    this.token = token;
    this.log = this.hub.log.child({ conn: this.connectionId, user: p.username });
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () => this.expire('登录已过期，请重新登录'),
      Math.max(0, p.expiresAtMs - Date.now()),
    );
    this.expiryTimer.unref();
    this.send({
      type: 'hello',
      ...(id !== undefined ? { id } : {}),
      protocol: SUBPROTOCOL,
      user: { username: p.username, displayName: p.displayName, roles: p.roles },
      expiresAtMs: p.expiresAtMs,
      heartbeatSeconds: this.hub.limits.heartbeatSeconds,
    });
  }

  /** The token expired or was voided (password reset, account disabled): a clear frame, then close. */
  expire(message: string): void {
    if (this.closed) return;
    this.send({ type: 'session.expired', message });
    this.finish(CLOSE.unauthenticated, 'token expired');
  }

  setNoticeSubscription(stop: (() => void) | undefined): void {
    this.stopNotices?.();
    this.stopNotices = stop;
  }

  close(code: number, reason: 'shutdown' | 'replaced' | 'flood' | 'auth-timeout', message: string): void {
    if (this.closed) return;
    this.send({ type: 'session.closing', reason, message });
    this.finish(code, reason);
  }

  private finish(code: number, reason: string): void {
    this.closed = true;
    this.ws.close(code, reason);
    // A client that never completes the closing handshake is cut off.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** The socket is gone: timers and subscriptions end here; the hub decides about the desk. */
  disposed(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.setNoticeSubscription(undefined);
  }
}
