// A stand-in for drachtio-srf behind our SipSignaling interface: requests and responses shaped
// like drachtio-srf's (Request#get/has, source_address/port, Response#send/finalResponseSent),
// B2BUA attempts recorded with their exact URI and options, answered by the test.
import { EventEmitter } from 'node:events';
import type { B2buaFailure, B2buaOptions, ConnectionState, SipDialog, SipRequest, SipResponse, SipSignaling } from '../../src/adapters/sip/signaling.js';

export class FakeRequest implements SipRequest {
  readonly method = 'INVITE';
  readonly body = 'v=0\r\n';
  private readonly headers: Map<string, string>;
  constructor(
    readonly uri: string,
    readonly source_address: string,
    readonly source_port: number,
    headers: Record<string, string>,
  ) {
    this.headers = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  }
  get(name: string) {
    return this.headers.get(name.toLowerCase());
  }
  has(name: string) {
    return this.headers.has(name.toLowerCase());
  }
}

export class FakeResponse implements SipResponse {
  readonly sent: Array<{ status: number; reason?: string }> = [];
  get finalResponseSent() {
    return this.sent.some((s) => s.status >= 200);
  }
  send(status: number, reason?: string) {
    this.sent.push({ status, reason });
  }
}

export class FakeDialog extends EventEmitter implements SipDialog {
  destroyed = false;
  constructor(readonly sip: { callId: string }) {
    super();
  }
  /** The far end hung up (drachtio-srf emits 'destroy' on a BYE received). */
  hangUp() {
    this.destroyed = true;
    this.emit('destroy');
  }
  async destroy() {
    this.destroyed = true;
  }
}

export interface B2buaAttempt {
  req: SipRequest;
  res: FakeResponse;
  uri: string;
  opts: B2buaOptions;
  answer(): { uas: FakeDialog; uac: FakeDialog };
  fail(status: number, reason?: string): void;
}

export class FakeSignaling implements SipSignaling {
  readonly attempts: B2buaAttempt[] = [];
  private handler?: (req: SipRequest, res: SipResponse) => void;
  private waiters: Array<() => void> = [];

  onInvite(handler: (req: SipRequest, res: SipResponse) => void) {
    this.handler = handler;
  }
  /** drachtio-server delivers an INVITE. */
  invite(uri: string, source: string, headers: Record<string, string>): { req: FakeRequest; res: FakeResponse } {
    const [address, port] = source.split(':');
    const req = new FakeRequest(uri, address!, Number(port ?? 5060), { 'Call-ID': `ci-${Math.random().toString(36).slice(2)}`, ...headers });
    const res = new FakeResponse();
    this.handler!(req, res);
    return { req, res };
  }
  createB2BUA(req: SipRequest, res: SipResponse, uri: string, opts: B2buaOptions) {
    return new Promise<{ uas: SipDialog; uac: SipDialog }>((resolve, reject) => {
      const fres = res as FakeResponse;
      this.attempts.push({
        req,
        res: fres,
        uri,
        opts,
        answer: () => {
          const legs = { uas: new FakeDialog({ callId: req.get('Call-ID')! }), uac: new FakeDialog({ callId: `b-${req.get('Call-ID')}` }) };
          fres.send(200);
          resolve(legs);
          return legs;
        },
        fail: (status, reason) => {
          // drachtio-srf passes the B leg's failure back to the A leg, then rejects.
          fres.send(status, reason);
          const f: B2buaFailure = { status, reason };
          reject(Object.assign(new Error(`${status}`), f));
        },
      });
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** Resolves when n B2BUA attempts have been made. */
  async attemptsMade(n: number): Promise<B2buaAttempt[]> {
    while (this.attempts.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.attempts;
  }
  onStateChange() {}
  state(): ConnectionState {
    return { state: 'connected', target: 'fake', sipAddress: 'udp/127.0.0.1:5080', since: new Date().toISOString() };
  }
  async stop() {}
}
