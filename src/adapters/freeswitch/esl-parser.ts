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

const BLANK_LINE = Buffer.from('\n\n');

/** The header block ends at the first blank line. */
function indexOfBlankLine(buf: Buffer, from: number): number {
  return buf.indexOf(BLANK_LINE, from);
}

function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    const colon = text.indexOf(': ', start);
    if (colon !== -1 && colon < end) headers[text.slice(start, colon)] = text.slice(colon + 2, end);
    else {
      const bare = text.indexOf(':', start);
      if (bare !== -1 && bare < end)
        headers[text.slice(start, bare).trim()] = text.slice(bare + 1, end).trim();
    }
    start = end + 1;
  }
  return headers;
}

const CL_PREFIX = Buffer.from('Content-Length: ');
const EVENT_TYPES = [
  {
    tail: Buffer.from('\nContent-Type: text/event-plain'),
    headers: Object.freeze({ 'Content-Type': 'text/event-plain' }),
  },
  {
    tail: Buffer.from('\nContent-Type: text/event-json'),
    headers: Object.freeze({ 'Content-Type': 'text/event-json' }),
  },
] as const;

/** buf[at…] equals needle[from…] (a byte loop: Buffer.compare with offsets costs more for short needles). */
function startsWithAt(buf: Buffer, at: number, needle: Buffer, from: number): boolean {
  if (at + needle.length - from > buf.length) return false;
  for (let i = from; i < needle.length; i++) if (buf[at + i - from] !== needle[i]) return false;
  return true;
}

/** FreeSWITCH frames events as exactly `Content-Length: N\nContent-Type: text/event-…`. */
function eventHeaderBlock(
  buf: Buffer,
  start: number,
  end: number,
): { headers: Record<string, string>; length: number } | undefined {
  if (end - start < 40 || !startsWithAt(buf, start, CL_PREFIX, 0)) return undefined;
  let i = start + CL_PREFIX.length;
  let length = 0;
  for (let c = buf[i]!; c >= 48 && c <= 57; c = buf[++i]!) length = length * 10 + (c - 48);
  for (const t of EVENT_TYPES) {
    if (i + t.tail.length === end && startsWithAt(buf, i, t.tail, 0)) return { headers: t.headers, length };
  }
  return undefined;
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
        let headers: Record<string, string>;
        let len: number;
        const fast = eventHeaderBlock(buf, pos, end);
        if (fast) {
          // The common case, an event: read its length from the bytes, share the headers object.
          headers = fast.headers;
          len = fast.length;
        } else {
          headers = parseHeaderBlock(buf.toString('latin1', pos, end));
          const cl = headers['Content-Length'];
          len = cl === undefined ? 0 : Number.parseInt(cl, 10);
        }
        pos = end + 2;
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
  /** The headers whose names start with `prefix`, decoded, in one pass. */
  withPrefix(prefix: string): Record<string, string>;
}

// Header needles as bytes, made once: Buffer.indexOf would encode a string needle on every call.
// Keyed by the name as given (a constant string whose hash is cached), not by a string built per call.
const HEADER_NEEDLES = new Map<string, Buffer>();
const PREFIX_NEEDLES = new Map<string, Buffer>();
function needle(cache: Map<string, Buffer>, name: string, suffix: string): Buffer {
  let n = cache.get(name);
  if (!n) {
    n = Buffer.from(`\n${name}${suffix}`, 'latin1');
    if (cache.size < 1000) cache.set(name, n);
  }
  return n;
}

/**
 * A plain event, read in its bytes: nothing is decoded or copied but the values asked for.
 *
 * What costs is scanning: a CHANNEL_PARK is ~4 KB and ~110 headers, a HANGUP_COMPLETE ~9 KB, and
 * the adapter reads a handful of them. FreeSWITCH serialises every event in one fixed order (the
 * event's own headers, the channel block, then `variable_*`), and the adapter asks in that order,
 * so each lookup continues from where the last one ended: reading the headers a dispatch needs
 * costs about one pass up to the last of them, not one pass per header. A header asked for out of
 * order is still found (the part before the cursor is searched next), and a value asked for twice
 * is remembered. Values are URL-encoded ASCII, so a latin1 slice of one is exact.
 */
class PlainEvent implements EslEvent {
  readonly name: string;
  /** Where the header block ends (the blank line), once it is known; -1 until then. */
  private end = -1;
  /** No blank line starts before this offset (checked so far). */
  private clean = 0;
  /** The next lookup starts here: the newline that ends the last header found. */
  private cursor = 0;
  private lookups = 0;
  private index: Map<string, string> | undefined;
  /** Headers already looked up and their values (a handful per event: two small arrays beat a Map). */
  private seenNames: string[] | undefined;
  private seenValues: (string | undefined)[] | undefined;
  private bodyText: string | undefined | null = null;

  constructor(private readonly raw: Buffer) {
    // Event-Name is the first header (the second on CUSTOM events, after Event-Subclass); read
    // without remembering it, so an event nobody asks anything else of allocates nothing more.
    const n = needle(HEADER_NEEDLES, 'Event-Name', ': ');
    let from: number;
    if (startsWithAt(raw, 0, n, 1)) from = n.length - 1;
    else {
      const at = raw.indexOf(n);
      if (at === -1 || !this.inHeaders(at)) {
        this.name = '';
        return;
      }
      from = at + n.length;
    }
    let to = raw.indexOf(LF, from);
    if (to === -1) to = raw.length;
    this.name = raw.toString('latin1', from, to);
    this.cursor = to;
  }

  /**
   * Where the headers end. FreeSWITCH serialises an event's own body last, as
   * `Content-Length: N\n\n<body>`, and header values are URL-encoded (no raw newline), so the
   * first blank line ends the headers; an event without a body ends with it.
   */
  private headerEnd(): number {
    if (this.end === -1) {
      const end = this.raw.indexOf(BLANK_LINE, Math.max(0, this.clean - 1));
      this.end = end === -1 ? this.raw.length : end;
    }
    return this.end;
  }

  /** Is a line starting at `at` (a newline) a header, not the event's body? Checks only up to `at`. */
  private inHeaders(at: number): boolean {
    if (at < this.clean) return true;
    if (this.end !== -1) return at < this.end;
    // A blank line before `at` ends the headers there; only the stretch not yet checked is scanned.
    const from = Math.max(0, this.clean - 1);
    const blank = this.raw.subarray(0, at + 1).indexOf(BLANK_LINE, from);
    if (blank === -1) {
      this.clean = at;
      return true;
    }
    this.end = blank;
    return at < blank;
  }

  private find(n: Buffer): number {
    const raw = this.raw;
    const at = raw.indexOf(n, this.cursor);
    if (at !== -1 && this.inHeaders(at)) return at;
    // Asked out of order: it can only be before the cursor.
    if (this.cursor === 0) return -1;
    return raw.subarray(0, this.cursor + n.length).indexOf(n);
  }

  private lookup(header: string): string | undefined {
    // An event read for many headers is indexed once instead of searched once per header.
    if (this.index) return this.index.get(header);
    if (++this.lookups > 40) {
      this.index = new Map(
        Object.entries(parseHeaderBlock(this.raw.toString('latin1', 0, this.headerEnd()))),
      );
      return this.index.get(header);
    }
    const names = this.seenNames;
    if (names) {
      for (let i = 0; i < names.length; i++) if (names[i] === header) return this.seenValues![i];
    }
    const raw = this.raw;
    const n = needle(HEADER_NEEDLES, header, ': ');
    let from: number;
    if (startsWithAt(raw, 0, n, 1)) {
      from = n.length - 1; // the first header (Event-Name, or Event-Subclass on CUSTOM): no newline before it
    } else {
      const at = this.find(n);
      if (at === -1) return this.remember(header, undefined);
      from = at + n.length;
    }
    let to = raw.indexOf(LF, from);
    if (to === -1) to = raw.length;
    if (to > this.cursor) this.cursor = to;
    return this.remember(header, raw.toString('latin1', from, to));
  }

  private remember(header: string, value: string | undefined): string | undefined {
    if (this.seenNames) {
      this.seenNames.push(header);
      this.seenValues!.push(value);
    } else {
      this.seenNames = [header];
      this.seenValues = [value];
    }
    return value;
  }

  get body(): string | undefined {
    if (this.bodyText === null) {
      const end = this.headerEnd();
      const start = end + 2;
      const len = start < this.raw.length ? this.lookup('Content-Length') : undefined;
      const n = len === undefined ? 0 : Number.parseInt(len, 10);
      this.bodyText =
        len === undefined
          ? undefined
          : n > 0
            ? this.raw.toString('utf8', start, Math.min(this.raw.length, start + n))
            : '';
    }
    return this.bodyText;
  }

  get(header: string): string | undefined {
    const v = this.lookup(header);
    return v === undefined ? undefined : decodeEslValue(v);
  }

  withPrefix(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    const raw = this.raw;
    const n = needle(PREFIX_NEEDLES, prefix, '');
    for (let at = raw.indexOf(n); at !== -1 && this.inHeaders(at); at = raw.indexOf(n, at + 1)) {
      let eol = raw.indexOf(LF, at + 1);
      if (eol === -1) eol = raw.length;
      const line = raw.toString('latin1', at + 1, eol);
      const colon = line.indexOf(': ');
      if (colon > 0) out[line.slice(0, colon)] = decodeEslValue(line.slice(colon + 2));
    }
    return out;
  }

  all(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parseHeaderBlock(this.raw.toString('latin1', 0, this.headerEnd()))))
      out[k] = decodeEslValue(v);
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
  withPrefix(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.obj)) if (k.startsWith(prefix)) out[k] = String(v);
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
    return obj && typeof obj === 'object' && !Array.isArray(obj)
      ? new JsonEvent(obj as Record<string, unknown>)
      : undefined;
  }
  return undefined;
}

/** Values in a plain event are URL-encoded like FreeSWITCH does it (for the test double). */
export function encodeEslValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/%2C/g, ',');
}
