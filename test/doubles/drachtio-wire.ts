// The smallest faithful piece of drachtio-server's admin protocol (framing "<bytes>#<msgId>|…"):
// it authenticates a client by secret and acknowledges every other request — enough to prove the
// SIP front connects, notices a drop and reconnects. SIP traffic itself is tested in the
// real-switch suite.
import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

export class DrachtioWireDouble {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  authenticated = 0;
  port = 0;

  constructor(private readonly secret: string) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Drops every client connection (drachtio-server restarting). */
  dropClients(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropClients();
    await new Promise((r) => this.server?.close(r));
  }

  private accept(socket: Socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const hash = buf.indexOf('#');
        if (hash < 0) return;
        const len = Number(buf.subarray(0, hash).toString());
        if (buf.length < hash + 1 + len) return;
        const msg = buf.subarray(hash + 1, hash + 1 + len).toString('utf8');
        buf = buf.subarray(hash + 1 + len);
        this.onMessage(socket, msg);
      }
    });
  }

  private onMessage(socket: Socket, msg: string) {
    const [msgId, verb, arg] = msg.split('|');
    let reply: string;
    if (verb === 'authenticate') {
      if (arg === this.secret) {
        this.authenticated++;
        reply = `response|${msgId}|OK|tcp/127.0.0.1:5080,udp/127.0.0.1:5080|v0.9.10`;
      } else reply = `response|${msgId}|NO|incorrect secret`;
    } else reply = `response|${msgId}|OK`;
    const s = `${randomUUID()}|${reply}`;
    socket.write(`${Buffer.byteLength(s)}#${s}`);
  }
}
