// SipSignaling over drachtio-srf: one inbound TCP connection to drachtio-server's admin port.
// drachtio-srf reconnects by itself after a drop (with backoff); we cap the backoff, keep the
// state for /healthz and stop cleanly.
import Srf from 'drachtio-srf';
import type { Logger } from '../../log/logger.js';
import type { B2buaOptions, ConnectionState, SipDialog, SipRequest, SipResponse, SipSignaling } from './signaling.js';

export interface DrachtioOptions {
  host: string;
  port: number;
  secret: string;
  /** Longest wait between reconnection attempts. */
  retryMaxDelayMs?: number;
}

// The slice of drachtio-srf's runtime API we call; its d.ts does not match it closely enough
// (connect's reconnect options, createB2BUA's rejection value, the internal retry timer).
interface SrfRuntime {
  connect(opts: Record<string, unknown>): unknown;
  disconnect(): void;
  invite(handler: (req: SipRequest, res: SipResponse) => void): void;
  createB2BUA(req: SipRequest, res: SipResponse, uri: string, opts: Record<string, unknown>): Promise<{ uas: SipDialog; uac: SipDialog }>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  app?: { client?: { wp?: { closing?: boolean; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } } } };
}

export class DrachtioSignaling implements SipSignaling {
  private readonly srf: SrfRuntime;
  private current: ConnectionState;
  private readonly listeners: Array<(s: ConnectionState) => void> = [];

  constructor(
    private readonly options: DrachtioOptions,
    private readonly log: Logger,
  ) {
    const target = `${options.host}:${options.port}`;
    this.current = { state: 'connecting', target };
    this.srf = new (Srf as unknown as new () => SrfRuntime)();
    this.srf.on('connect', (err, hostport, serverVersion) => {
      if (err) {
        // A wrong secret: drachtio-server keeps the socket, so no retry would help.
        this.set({ state: 'connecting', target, lastError: (err as Error).message });
        this.log.error({ err, drachtio: target }, 'drachtio-server refused our secret');
        return;
      }
      const sipAddress = String(hostport);
      this.set({ state: 'connected', target, sipAddress, serverVersion: serverVersion ? String(serverVersion) : undefined, since: new Date().toISOString() });
      this.log.info({ drachtio: target, sip: sipAddress, serverVersion }, 'SIP front connected to drachtio-server');
    });
    // Without an 'error' listener an unreachable server would throw; drachtio-srf retries after it.
    this.srf.on('error', (err) => {
      if (this.current.state === 'stopped') return;
      const was = this.current.state;
      this.set({ state: 'connecting', target, lastError: (err as Error).message });
      if (was === 'connected') this.log.warn({ err, drachtio: target }, 'drachtio-server connection lost; reconnecting');
    });
    this.srf.on('close', () => {
      if (this.current.state === 'connected') {
        this.log.warn({ drachtio: target }, 'drachtio-server connection closed; reconnecting');
        this.set({ state: 'connecting', target });
      }
    });
  }

  /** Opens the connection; resolves at once (the state says when it is up). */
  start(): void {
    this.srf.connect({
      host: this.options.host,
      port: this.options.port,
      secret: this.options.secret,
      // Without retryMaxDelay drachtio-srf's backoff (×1.7 per attempt) grows without bound.
      reconnect: { retryMaxDelay: this.options.retryMaxDelayMs ?? 5000 },
    });
  }

  onInvite(handler: (req: SipRequest, res: SipResponse) => void): void {
    this.srf.invite(handler);
  }

  async createB2BUA(req: SipRequest, res: SipResponse, uri: string, opts: B2buaOptions) {
    return this.srf.createB2BUA(req, res, uri, { ...opts });
  }

  onStateChange(listener: (s: ConnectionState) => void): void {
    this.listeners.push(listener);
  }

  state(): ConnectionState {
    return this.current;
  }

  async stop(): Promise<void> {
    const target = this.current.target;
    this.set({ state: 'stopped', target });
    try {
      this.srf.disconnect();
    } catch {
      // Not connected: drachtio-srf throws, having marked itself closing.
    }
    // drachtio-srf's pending retry timer would reconnect even after disconnect(); clear it.
    const wp = this.srf.app?.client?.wp;
    if (wp) {
      wp.closing = true;
      if (wp.reconnectVars?.retryTimer) clearTimeout(wp.reconnectVars.retryTimer);
    }
  }

  private set(s: ConnectionState): void {
    this.current = s;
    for (const l of this.listeners) l(s);
  }
}
