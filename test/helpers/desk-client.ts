import { WebSocket } from 'ws';
import { serverFrames, SUBPROTOCOL, type ServerFrameType } from '../../src/adapters/ws/protocol.js';

export type Frame = { v: number; type: ServerFrameType; id?: string } & Record<string, unknown>;

/**
 * A real ws client of the desk protocol. Every frame the server sends is checked against the
 * protocol's own schema, so a test fails if the server sends anything the README does not document.
 */
export class DeskClient {
  readonly frames: Frame[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly taken = new Set<number>();
  private wake?: () => void;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame;
      const spec = serverFrames[f.type];
      if (!spec || !spec.schema.safeParse(f).success) this.invalid.push(String(data));
      this.frames.push(f);
      this.wake?.();
    });
    this.closed = new Promise((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('close', () => this.wake?.());
  }

  /** Opens /v1/desk; `token` rides in Sec-WebSocket-Protocol as bearer.<token>. */
  static async connect(
    base: string,
    options: { token?: string; protocols?: string[]; autoPong?: boolean } = {},
  ): Promise<DeskClient> {
    const protocols =
      options.protocols ?? (options.token ? [SUBPROTOCOL, `bearer.${options.token}`] : [SUBPROTOCOL]);
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/desk`, protocols, {
      autoPong: options.autoPong ?? true,
    });
    const client = new DeskClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), {
              status: res.statusCode,
              body,
            }),
          ),
        );
      });
      ws.once('error', reject);
    });
    return client;
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ v: 1, ...frame }));
  }

  /** The earliest frame not taken yet matching `match`, waiting up to `timeoutMs`. */
  async next(match: (f: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.frames.length; i++) {
        if (!this.taken.has(i) && match(this.frames[i]!)) {
          this.taken.add(i);
          return this.frames[i]!;
        }
      }
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`closed while waiting; frames: ${JSON.stringify(this.frames.slice(-5))}`);
      const left = until - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching frame within ${timeoutMs} ms; last frames: ${JSON.stringify(this.frames.slice(-5))}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.wake = () => (clearTimeout(t), r());
      });
    }
  }

  /** Sends a frame with an id and waits for the reply carrying that id. */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const id = `r${Math.random().toString(36).slice(2, 10)}`;
    this.send({ ...frame, id });
    return this.next((f) => f.id === id, timeoutMs);
  }

  close(): void {
    this.ws.close();
  }
}
