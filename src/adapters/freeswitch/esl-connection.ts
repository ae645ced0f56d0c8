import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { SwitchError } from '../../core/ports/switch.js';
import { EslFrameSplitter, parseEvent, type EslEvent, type EslFrame } from './esl-parser.js';

export interface EslServer {
  host: string;
  port: number;
  password: string;
}

export interface EslConnectionOptions {
  server: EslServer;
  /** Event names for `event plain …`; CUSTOM subclasses go last, after the word CUSTOM. */
  events: readonly string[];
  customEvents?: readonly string[];
  format?: 'plain' | 'json';
  log: Logger;
  /** A command/reply not back within this long means the socket is stuck: it is dropped. */
  replyTimeoutMs?: number;
  /** How long a bgapi job may run before it fails with TIMEOUT. */
  jobTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

interface Waiter {
  resolve: (frame: EslFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Job {
  resolve: (body: string) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

type Listener<T> = (value: T) => void;

/**
 * One inbound Event Socket connection to one FreeSWITCH server.
 *
 * The protocol answers `command/reply` and `api/response` in the order commands were written and
 * carries no id on them, so every write goes through send() and its reply is the head of one FIFO
 * — the same design as modesl, with the traps of modesl closed: the FIFO is failed at once when the
 * socket ends (modesl never flushes it), a reply that never comes drops the socket rather than
 * leaving every later reply matched to the wrong command, and the connection comes back by itself
 * with backoff and jitter (modesl never reconnects; a storm of reconnects spikes FreeSWITCH CPU).
 * Anything that takes time goes through bgapi and is matched by Job-UUID, never by order.
 */
export class EslConnection {
  private socket: Socket | undefined;
  private readonly splitter = new EslFrameSplitter();
  private replies: Waiter[] = [];
  private readonly jobs = new Map<string, Job>();
  private ready = false;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly eventListeners = new Set<Listener<EslEvent>>();
  private readonly stateListeners = new Set<Listener<{ up: boolean; error?: string }>>();
  private readonly log: Logger;
  readonly id: string;

  constructor(private readonly opts: EslConnectionOptions) {
    this.id = `${opts.server.host}:${opts.server.port}`;
    this.log = opts.log.child({ freeswitch: this.id });
  }

  get connected(): boolean {
    return this.ready;
  }

  onEvent(l: Listener<EslEvent>): () => void {
    this.eventListeners.add(l);
    return () => this.eventListeners.delete(l);
  }

  /** up = authenticated and subscribed; down = socket gone (in-flight commands already failed). */
  onState(l: Listener<{ up: boolean; error?: string }>): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const s = this.socket;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end('exit\n\n');
      setTimeout(() => s.destroy(), 500).unref();
    });
  }

  /** Drops the socket (as a network failure would); it reconnects unless stopped. */
  drop(reason: string): void {
    this.socket?.destroy(new Error(reason));
  }

  private open(): void {
    const { host, port } = this.opts.server;
    const socket = connect({ host, port, noDelay: true });
    this.socket = socket;
    this.splitter.reset();
    let authed = false;
    socket.on('data', (chunk: Buffer) => {
      try {
        this.splitter.push(chunk, (frame) => {
          const type = frame.headers['Content-Type'];
          if (!authed && type === 'auth/request') {
            authed = true;
            void this.handshake(socket);
            return;
          }
          this.onFrame(frame);
        });
      } catch (err) {
        // A frame we cannot read leaves the stream unaligned: start over on a new socket.
        this.log.error({ err }, 'unreadable Event Socket data; reconnecting');
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      this.log.warn({ err: err.message }, 'Event Socket error');
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      const wasReady = this.ready;
      this.ready = false;
      this.failInFlight(new SwitchError('DISCONNECTED', `FreeSWITCH ${this.id} connection lost`));
      if (wasReady) this.emitState({ up: false, error: 'connection lost' });
      this.scheduleReconnect();
    });
  }

  private async handshake(socket: Socket): Promise<void> {
    try {
      const auth = await this.request(`auth ${this.opts.server.password}`);
      if (!auth.headers['Reply-Text']?.startsWith('+OK')) {
        // FreeSWITCH follows -ERR invalid with a disconnect notice and closes; backoff applies.
        this.log.error({ reply: auth.headers['Reply-Text'] }, 'FreeSWITCH refused the Event Socket password');
        this.attempt = Math.max(this.attempt, 6);
        return;
      }
      const format = this.opts.format ?? 'plain';
      const custom = this.opts.customEvents?.length ? ` CUSTOM ${this.opts.customEvents.join(' ')}` : '';
      const sub = await this.request(`event ${format} ${this.opts.events.join(' ')}${custom}`);
      if (!sub.headers['Reply-Text']?.startsWith('+OK'))
        throw new Error(`subscription refused: ${sub.headers['Reply-Text']}`);
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.ready = true;
      this.log.info('Event Socket connected and subscribed');
      this.emitState({ up: true });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'Event Socket handshake failed');
      socket.destroy();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const min = this.opts.reconnectMinMs ?? 200;
    const max = this.opts.reconnectMaxMs ?? 10_000;
    const ceiling = Math.min(max, min * 2 ** Math.min(this.attempt, 16));
    // Full jitter: instances that lost the same switch do not all come back in the same instant.
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.open(), delay);
    this.reconnectTimer.unref?.();
  }

  private failInFlight(err: SwitchError): void {
    const replies = this.replies;
    this.replies = [];
    for (const w of replies) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    for (const [id, job] of this.jobs) {
      clearTimeout(job.timer);
      this.jobs.delete(id);
      job.reject(err);
    }
  }

  private emitState(s: { up: boolean; error?: string }): void {
    for (const l of this.stateListeners) l(s);
  }

  private onFrame(frame: EslFrame): void {
    const type = frame.headers['Content-Type'];
    if (type === 'command/reply' || type === 'api/response') {
      const w = this.replies.shift();
      if (!w) {
        if (!this.stopped) this.log.warn({ type }, 'reply with no command waiting for it'); // else: the reply to exit
        return;
      }
      clearTimeout(w.timer);
      w.resolve(frame);
      return;
    }
    if (type === 'text/event-plain' || type === 'text/event-json') {
      const event = parseEvent(frame);
      if (!event) return;
      if (event.name === 'BACKGROUND_JOB') {
        const id = event.get('Job-UUID');
        const job = id ? this.jobs.get(id) : undefined;
        if (job && id) {
          this.jobs.delete(id);
          clearTimeout(job.timer);
          job.resolve(event.body ?? '');
        }
      }
      for (const l of this.eventListeners) l(event);
      return;
    }
    if ((type === 'text/disconnect-notice' || type === 'text/rude-rejection') && !this.stopped) {
      this.log.warn({ type, body: frame.body?.toString('utf8') }, 'FreeSWITCH is closing the Event Socket');
    }
  }

  /** Writes one command and resolves with its reply frame (command/reply or api/response). */
  send(command: string, headers?: Record<string, string>): Promise<EslFrame> {
    // Before auth and subscription are through, a command's reply would be taken for theirs.
    if (!this.ready)
      return Promise.reject(new SwitchError('DISCONNECTED', `FreeSWITCH ${this.id} is not connected`));
    return this.request(command, headers);
  }

  private request(command: string, headers?: Record<string, string>): Promise<EslFrame> {
    const socket = this.socket;
    if (!socket || socket.destroyed) {
      return Promise.reject(new SwitchError('DISCONNECTED', `FreeSWITCH ${this.id} is not connected`));
    }
    if (/[\r\n]/.test(command))
      return Promise.reject(new SwitchError('COMMAND_FAILED', 'command contains a newline'));
    let text = command + '\n';
    if (headers) {
      for (const [k, v] of Object.entries(headers)) {
        if (/[\r\n]/.test(v))
          return Promise.reject(new SwitchError('COMMAND_FAILED', `header ${k} contains a newline`));
        text += `${k}: ${v}\n`;
      }
    }
    text += '\n';
    return new Promise<EslFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The FIFO can no longer be trusted to line up: drop and start over.
        this.log.error({ command: command.split(' ')[0] }, 'no reply from FreeSWITCH; dropping the socket');
        socket.destroy();
      }, this.opts.replyTimeoutMs ?? 5000);
      timer.unref?.();
      this.replies.push({ resolve, reject, timer });
      socket.write(text);
    });
  }

  /** `bgapi`, correlated by a Job-UUID we choose; resolves with the job's output. */
  async bgapi(command: string, timeoutMs = this.opts.jobTimeoutMs ?? 120_000): Promise<string> {
    const jobId = randomUUID();
    const done = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.jobs.delete(jobId);
        reject(
          new SwitchError('TIMEOUT', `bgapi ${command.split(' ')[0]} did not finish in ${timeoutMs} ms`),
        );
      }, timeoutMs);
      timer.unref?.();
      // Registered before the write: the BACKGROUND_JOB may beat the reply through the socket.
      this.jobs.set(jobId, { resolve, reject, timer });
    });
    done.catch(() => undefined);
    try {
      const reply = await this.send(`bgapi ${command}`, { 'Job-UUID': jobId });
      const text = reply.headers['Reply-Text'] ?? '';
      if (!text.startsWith('+OK'))
        throw new SwitchError('COMMAND_FAILED', `bgapi ${command.split(' ')[0]}: ${text}`);
    } catch (err) {
      const job = this.jobs.get(jobId);
      if (job) {
        clearTimeout(job.timer);
        this.jobs.delete(jobId);
      }
      throw err;
    }
    return done;
  }
}
