// Event Socket framing, written here rather than taken from modesl's Parser (see README material):
// every message is `Name: value\n` lines and a blank line; `Content-Length` counts BYTES of body
// (Chinese text is UTF-8), so the buffer is kept as bytes and never decoded before it is cut.

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** One Event Socket message: its outer headers (never URL-encoded) and its body bytes. */
export interface EslFrame {
  headers: Record<string, string>;
  body: Buffer | undefined;
}

function indexOfBlankLine(buf: Buffer, from: number): number {
  // The header block ends at the first "\n\n"; a frame may also begin with stray newlines.
  let i = buf.indexOf(LF, from);
  while (i !== -1 && i + 1 < buf.length) {
    if (buf[i + 1] === LF) return i;
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
}

function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon !== -1 && colon < end) {
      const name = text.slice(start, colon).trim();
      let v = colon + 1;
      if (text.charCodeAt(v) === 32) v++;
      if (name) headers[name] = text.slice(v, end);
    }
    start = end + 1;
  }
  return headers;
}

/**
 * Incremental splitter: push TCP chunks as they come (a byte at a time or many frames at once),
 * receive whole frames. A body still short of its Content-Length is held as a list of chunks and
 * only joined once complete, so a large event trickling in is not copied once per packet.
 */
export class EslFrameSplitter {
  private buf: Buffer = EMPTY;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headers: Record<string, string> | undefined;
  private need = 0;
  private scanFrom = 0;

  push(chunk: Buffer, onFrame: (frame: EslFrame) => void): void {
    if (this.headers && this.buf.length + this.pendingBytes + chunk.length < this.need) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return;
    }
    if (this.pending.length > 0) {
      this.buf = Buffer.concat([this.buf, ...this.pending, chunk]);
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    }
    let pos = 0;
    const buf = this.buf;
    for (;;) {
      if (!this.headers) {
        while (pos < buf.length && buf[pos] === LF) pos++;
        const end = indexOfBlankLine(buf, Math.max(pos, this.scanFrom));
        if (end === -1) {
          this.scanFrom = Math.max(pos, buf.length - 1);
          break;
        }
        this.scanFrom = 0;
        const headers = parseHeaderBlock(buf.toString('latin1', pos, end));
        pos = end + 2;
        const len = headers['Content-Length'] === undefined ? 0 : Number.parseInt(headers['Content-Length'], 10);
        if (!(len > 0)) {
          onFrame({ headers, body: undefined });
          continue;
        }
        this.headers = headers;
        this.need = len;
      }
      if (buf.length - pos < this.need) break;
      const headers = this.headers;
      const body = buf.subarray(pos, pos + this.need);
      pos += this.need;
      this.headers = undefined;
      this.need = 0;
      onFrame({ headers, body });
    }
    this.scanFrom = Math.max(0, this.scanFrom - pos);
    this.buf = pos >= buf.length ? EMPTY : buf.subarray(pos);
  }

  /** Forget everything buffered (the socket that fed it closed). */
  reset(): void {
    this.buf = EMPTY;
    this.pending = [];
    this.pendingBytes = 0;
    this.headers = undefined;
    this.need = 0;
    this.scanFrom = 0;
  }
}

const HEX = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

/**
 * FreeSWITCH URL-encodes plain event values (everything but `/ , ( ) ! * ' ~` and alphanumerics).
 * decodeURIComponent throws on a malformed `%` escape (a modesl trap) and on bytes that are not
 * UTF-8; this keeps a bad escape as the literal text and decodes the rest.
 */
export function decodeEslValue(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 37 && i + 2 < raw.length) {
        const h = HEX(raw.charCodeAt(i + 1));
        const l = HEX(raw.charCodeAt(i + 2));
        if (h >= 0 && l >= 0) {
          bytes.push(h * 16 + l);
          i += 2;
          continue;
        }
      }
      if (c < 0x80) bytes.push(c);
      else for (const b of Buffer.from(raw[i]!, 'utf8')) bytes.push(b);
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

/** A FreeSWITCH event, plain or JSON, read lazily: only the headers asked for are decoded. */
export interface EslEvent {
  readonly name: string;
  get(header: string): string | undefined;
  /** The event's own body (BACKGROUND_JOB output …), UTF-8. */
  readonly body: string | undefined;
  /** Every header, decoded (for logs and tests; costs a full parse). */
  all(): Record<string, string>;
}

class PlainEvent implements EslEvent {
  readonly name: string;
  readonly body: string | undefined;
  // Header text is URL-encoded and therefore ASCII: latin1 decoding is exact and cheap.
  private readonly text: string;

  constructor(raw: Buffer) {
    let headerEnd = raw.indexOf('\n\n');
    if (headerEnd === -1) headerEnd = raw.length;
    this.text = '\n' + raw.toString('latin1', 0, headerEnd) + '\n';
    const len = this.raw('Content-Length');
    if (len !== undefined) {
      const n = Number.parseInt(len, 10);
      const start = headerEnd + 2;
      this.body = n > 0 ? raw.toString('utf8', start, Math.min(raw.length, start + n)) : '';
    }
    this.name = this.get('Event-Name') ?? '';
  }

  private raw(header: string): string | undefined {
    const at = this.text.indexOf(`\n${header}: `);
    if (at === -1) return undefined;
    const from = at + header.length + 3;
    return this.text.slice(from, this.text.indexOf('\n', from));
  }

  get(header: string): string | undefined {
    const v = this.raw(header);
    return v === undefined ? undefined : decodeEslValue(v);
  }

  all(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parseHeaderBlock(this.text))) out[k] = decodeEslValue(v);
    return out;
  }
}

class JsonEvent implements EslEvent {
  readonly name: string;
  readonly body: string | undefined;
  constructor(private readonly obj: Record<string, unknown>) {
    this.name = typeof obj['Event-Name'] === 'string' ? obj['Event-Name'] : '';
    this.body = typeof obj._body === 'string' ? obj._body : undefined;
  }
  get(header: string): string | undefined {
    const v = this.obj[header];
    return typeof v === 'string' ? v : v === undefined ? undefined : String(v);
  }
  all(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.obj)) if (k !== '_body') out[k] = String(v);
    return out;
  }
}

/** Parses a text/event-plain or text/event-json frame; undefined when the body is not an event. */
export function parseEvent(frame: EslFrame): EslEvent | undefined {
  const type = frame.headers['Content-Type'];
  if (!frame.body) return undefined;
  if (type === 'text/event-plain') return new PlainEvent(frame.body);
  if (type === 'text/event-json') {
    let obj: unknown;
    try {
      obj = JSON.parse(frame.body.toString('utf8'));
    } catch {
      return undefined;
    }
    return obj && typeof obj === 'object' && !Array.isArray(obj) ? new JsonEvent(obj as Record<string, unknown>) : undefined;
  }
  return undefined;
}

/** Values in a plain event are URL-encoded like FreeSWITCH does it (for the test double). */
export function encodeEslValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/%2C/g, ',');
}
