import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HotlineError } from '../../core/errors.js';
import type { AgentStatus } from '../../core/acd/model.js';
import type { Principal } from '../../core/auth/user.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { AgentProfile, DeskService } from '../../core/ports/desk.js';
import type { FiguresFeed, FiguresUpdate } from '../../core/ports/figures.js';
import type { CallbackAdmin } from '../../core/ports/callbacks.js';
import type { Logger } from '../../log/logger.js';
import { AuditedCallbackAdmin } from '../../services/callbacks/audited-callback-admin.js';
import { SUBPROTOCOL } from './protocol.js';
import { CLOSE, DeskSession, type DeskLimits, type SessionHost } from './desk-session.js';

// The agent desktop's WebSocket endpoint (/v1/desk) on the gateway's HTTP server (issue 5):
// authentication at the upgrade or by a first `auth` frame (never a token in the URL, which ends
// up in access logs), heartbeats that find dead desktops, the grace period after which a vanished
// agent is logged out of the desk, and the pushes to supervisors (figures, alarms, agent states).

export const DESK_PATH = '/v1/desk';

/** Which connection holds an agent's desk, across instances (RedisDeskPresence). */
export interface DeskPresence {
  claim(agentId: string, connectionId: string, leaseMs: number): Promise<void>;
  renew(agentId: string, connectionId: string, leaseMs: number): Promise<boolean>;
  release(agentId: string, connectionId: string): Promise<boolean>;
}

export interface DeskServerOptions {
  auth: { authenticate(token: string): Promise<Principal> };
  /** The desk profile of an agent user (skills, phone), from the user store. */
  agentProfile(username: string): Promise<AgentProfile | undefined>;
  desk: DeskService;
  /** The live figures feed: each update (figures, alarms raised and cleared) goes to supervisors watching. */
  figures: FiguresFeed;
  /** Every agent's state, for supervisors. */
  agents: { agents(): Promise<AgentStatus[]> };
  presence: DeskPresence;
  /** The supervisors' callback queue (issue 6); without it the callback frames answer UNAVAILABLE. */
  callbacks?: CallbackAdmin;
  audit: AuditLog;
  log: Logger;
  limits: DeskLimits & { logoutGraceSeconds: number; agentsEverySeconds: number };
  isDraining?: () => boolean;
}

export class DeskServer implements SessionHost {
  readonly sessions = new Set<DeskSession>();
  readonly limits: DeskServerOptions['limits'];
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly desk: DeskService;
  readonly callbacks?: AuditedCallbackAdmin;
  readonly auth: DeskServerOptions['auth'];
  private readonly wss: WebSocketServer;
  private readonly graces = new Map<string, { timer: NodeJS.Timeout; connectionId: string }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopFigures?: () => void;
  private closing = false;

  constructor(private readonly o: DeskServerOptions) {
    this.limits = o.limits;
    this.log = o.log;
    this.audit = o.audit;
    this.desk = o.desk;
    if (o.callbacks) this.callbacks = new AuditedCallbackAdmin(o.callbacks, o.audit);
    this.auth = o.auth;
    this.wss = new WebSocketServer({
      noServer: true,
      // Past four times the frame limit the socket is closed (1009); between the two, an error frame.
      maxPayload: o.limits.maxFrameBytes * 4,
      perMessageDeflate: false,
      handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  /** Listens for upgrades on the HTTP server and starts the heartbeat and push timers. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(req, socket, head).catch((err: unknown) => {
        this.log.error({ err }, 'desk upgrade failed');
        reject(socket, 500, 'INTERNAL', '系统繁忙，请稍后再试');
      });
    });
    const every = (ms: number, f: () => Promise<void>) => {
      const t = setInterval(
        () => void f().catch((err: unknown) => this.log.warn({ err }, 'desk timer failed')),
        ms,
      );
      t.unref();
      this.timers.push(t);
    };
    every(this.limits.heartbeatSeconds * 1000, () => this.heartbeat());
    every(this.limits.agentsEverySeconds * 1000, () =>
      this.pushAgents([...this.sessions].filter((s) => s.watchesAgents)),
    );
    this.stopFigures = this.o.figures.subscribe((update) =>
      this.sendFigures(
        [...this.sessions].filter((s) => s.watchesFigures),
        update,
      ),
    );
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== DESK_PATH) return reject(socket, 404, 'NOT_FOUND', '请求的地址不存在');
    if (this.closing || this.o.isDraining?.())
      return reject(socket, 503, 'UNAVAILABLE', '服务正在重启，请稍后重试');
    if ([...url.searchParams.keys()].some((k) => /token|auth/i.test(k)))
      return reject(
        socket,
        400,
        'INVALID_FIELD',
        '令牌不得放在 URL 中：请用 Sec-WebSocket-Protocol 或 auth 帧',
        'query',
      );
    const offered = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const bearer = offered.find((p) => p.startsWith('bearer.'));
    let first: { principal: Principal; token: string } | undefined;
    if (bearer) {
      if (!offered.includes(SUBPROTOCOL))
        return reject(
          socket,
          400,
          'INVALID_FIELD',
          `请同时提供子协议 ${SUBPROTOCOL}`,
          'sec-websocket-protocol',
        );
      const token = bearer.slice('bearer.'.length);
      try {
        first = { principal: await this.auth.authenticate(token), token };
      } catch (err) {
        if (err instanceof HotlineError) return reject(socket, 401, 'UNAUTHENTICATED', err.message);
        throw err;
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, first));
  }

  private connected(ws: WebSocket, first: { principal: Principal; token: string } | undefined): void {
    const session = new DeskSession(ws, this, first);
    this.sessions.add(session);
    session.log.info({ user: first?.principal.username }, 'desk connection opened');
    ws.on('message', (data, isBinary) => session.receive(data as Buffer, isBinary));
    ws.on('pong', () => (session.alive = true));
    ws.on('error', (err) => session.log.warn({ err }, 'desk connection error'));
    ws.on('close', (code) => {
      session.log.info({ code }, 'desk connection closed');
      this.gone(session);
    });
  }

  private gone(session: DeskSession): void {
    this.sessions.delete(session);
    session.disposed();
    const agentId = session.deskAgent;
    if (!agentId || this.closing) return;
    session.deskAgent = undefined;
    this.startGrace(agentId, session.connectionId);
  }

  /**
   * The desktop vanished: give it the grace period to come back (on any instance) before the
   * agent is logged out of the desk, so nobody stays "available" with no one at the desk.
   */
  private startGrace(agentId: string, connectionId: string): void {
    const timer = setTimeout(() => {
      this.graces.delete(agentId);
      void this.logoutIfAbandoned(agentId, connectionId);
    }, this.limits.logoutGraceSeconds * 1000);
    timer.unref();
    this.cancelGrace(agentId);
    this.graces.set(agentId, { timer, connectionId });
  }

  private async logoutIfAbandoned(agentId: string, connectionId: string): Promise<void> {
    try {
      if (!(await this.o.presence.release(agentId, connectionId))) return;
      const status = await this.desk.logout(agentId);
      this.log.warn(
        { agentId, state: status.state },
        'agent logged out of the desk: desktop gone past the grace period',
      );
    } catch (err) {
      this.log.error({ err, agentId }, 'could not log out an abandoned desk');
    }
  }

  private cancelGrace(agentId: string): void {
    clearTimeout(this.graces.get(agentId)?.timer);
    this.graces.delete(agentId);
  }

  private get leaseMs(): number {
    return (this.limits.heartbeatSeconds * 3 + this.limits.logoutGraceSeconds) * 1000;
  }

  async deskLogin(session: DeskSession, username: string): Promise<AgentStatus> {
    const profile = await this.o.agentProfile(username);
    if (!profile) throw new HotlineError('CONFLICT', '该用户没有坐席资料（技能和话机），请联系管理员');
    for (const other of this.sessions) {
      if (other !== session && other.deskAgent === username) {
        other.deskAgent = undefined;
        other.setNoticeSubscription(undefined);
        other.close(CLOSE.replaced, 'replaced', '该坐席已在另一个客户端签入');
      }
    }
    this.cancelGrace(username);
    // Subscribed before the login, so the login's own notices reach this desktop.
    session.setNoticeSubscription(
      this.desk.subscribe(username, (notice) => session.send({ type: 'notice', notice })),
    );
    try {
      const status = await this.desk.login(profile);
      await this.o.presence.claim(username, session.connectionId, this.leaseMs);
      session.deskAgent = username;
      // The socket closed while the login was under way: the desk starts out abandoned.
      if (!this.sessions.has(session)) {
        session.deskAgent = undefined;
        session.setNoticeSubscription(undefined);
        if (this.closing) await this.logoutIfAbandoned(username, session.connectionId);
        else this.startGrace(username, session.connectionId);
      }
      return status;
    } catch (err) {
      session.setNoticeSubscription(undefined);
      throw err;
    }
  }

  async deskLogout(session: DeskSession): Promise<AgentStatus> {
    const agentId = session.deskAgent;
    if (!agentId) throw new HotlineError('CONFLICT', '本连接未签入坐席');
    session.deskAgent = undefined;
    const status = await this.desk.logout(agentId);
    session.setNoticeSubscription(undefined);
    await this.o.presence.release(agentId, session.connectionId);
    return status;
  }

  async forceLogout(agentId: string, by: string): Promise<AgentStatus> {
    this.cancelGrace(agentId);
    const status = await this.desk.logout(agentId);
    for (const s of this.sessions) {
      if (s.deskAgent !== agentId) continue;
      s.deskAgent = undefined;
      s.send({ type: 'notice', notice: { type: 'agent.state', status } });
      s.setNoticeSubscription(undefined);
      await this.o.presence.release(agentId, s.connectionId);
      s.log.info({ by }, 'agent logged out of the desk by a supervisor');
    }
    return status;
  }

  /** A supervisor who starts watching gets the last update at once (with every alarm in force), then each new one. */
  async pushFigures(to: DeskSession[]): Promise<void> {
    const latest = this.o.figures.latest();
    if (latest) this.sendFigures(to, { ...latest, alarms: latest.active });
  }

  private sendFigures(to: DeskSession[], u: FiguresUpdate): void {
    for (const s of to)
      s.send({
        type: 'figures',
        atMs: u.atMs,
        figures: u.figures,
        alarms: u.alarms,
        cleared: u.cleared,
        active: u.active,
      });
  }

  async pushAgents(to: DeskSession[]): Promise<void> {
    if (to.length === 0) return;
    const agents = await this.o.agents.agents();
    const json = JSON.stringify(agents);
    for (const s of to) {
      if (s.lastAgents === json) continue;
      s.lastAgents = json;
      s.send({ type: 'agents', agents });
    }
  }

  /** Pings every connection; drops those that did not answer the last ping; re-checks tokens and desk leases. */
  private async heartbeat(): Promise<void> {
    await Promise.all(
      [...this.sessions].map(async (s) => {
        if (!s.alive) {
          s.log.warn('desk connection did not answer the heartbeat: dropped');
          s.ws.terminate();
          return;
        }
        s.alive = false;
        s.ws.ping();
        if (s.token) {
          try {
            s.principal = await this.auth.authenticate(s.token);
          } catch (err) {
            if (err instanceof HotlineError) return s.expire(err.message);
            throw err;
          }
        }
        if (s.deskAgent && !(await this.o.presence.renew(s.deskAgent, s.connectionId, this.leaseMs))) {
          // Another desktop of this agent (on another instance) holds the desk now.
          s.deskAgent = undefined;
          s.setNoticeSubscription(undefined);
          s.close(CLOSE.replaced, 'replaced', '该坐席已在另一个客户端签入');
        }
      }),
    );
  }

  /**
   * Shutdown: every client is told to reconnect (1012); agents whose desk this instance held are
   * logged out of the desk at once — a stopping process cannot keep their grace period, and their
   * desktops log in again on the instance they reconnect to.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    this.stopFigures?.();
    const logouts: Promise<void>[] = [];
    for (const [agentId, g] of this.graces) {
      clearTimeout(g.timer);
      logouts.push(this.logoutIfAbandoned(agentId, g.connectionId));
    }
    this.graces.clear();
    for (const s of [...this.sessions]) {
      if (s.deskAgent) logouts.push(this.logoutIfAbandoned(s.deskAgent, s.connectionId));
      s.close(CLOSE.restart, 'shutdown', '服务重启，请重新连接');
    }
    await Promise.allSettled(logouts);
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

function reject(socket: Duplex, status: number, code: string, message: string, field?: string): void {
  const body = JSON.stringify({ statusCode: status, code, message, ...(field ? { field } : {}) });
  const text =
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      404: 'Not Found',
      500: 'Internal Server Error',
      503: 'Service Unavailable',
    }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n` +
      (status === 401 ? 'WWW-Authenticate: Bearer realm="hotline"\r\n' : '') +
      `\r\n${body}`,
  );
}
