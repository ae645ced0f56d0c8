import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

/**
 * A local HTTP server standing in for an SMS provider's send API: it fails the first
 * `failFirst` requests with HTTP 500, then answers with `success`.
 */
export async function startProviderStandIn(success: unknown, failFirst = 0): Promise<{
  url: string;
  requests: ReceivedRequest[];
  succeeded: () => ReceivedRequest[];
  setFailFirst(n: number): void;
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  let failures = failFirst;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fail = failures > 0;
      if (fail) failures--;
      const status = fail ? 500 : 200;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(fail ? '{"message":"stand-in failure"}' : JSON.stringify(success));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    succeeded: () => requests.filter((r) => r.status === 200),
    setFailFirst(n) {
      failures = n;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
