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
    tail: Buffer.from('\nContent-Type: text/event-plain\n\n'),
    headers: Object.freeze({ 'Content-Type': 'text/event-plain' }),
  },
  {
    tail: Buffer.from('\nContent-Type: text/event-json\n\n'),
    headers: Object.freeze({ 'Content-Type': 'text/event-json' }),
  },
] as const;

/** buf[at…] equals needle[from…] (a byte loop: Buffer.compare with offsets costs more for short needles). */
function startsWithAt(buf: Buffer, at: number, needle: Buffer, from: number): boolean {
  if (at + needle.length - from > buf.length) return false;
  for (let i = from; i < needle.length; i++) if (buf[at + i - from] !== needle[i]) return false;
  return true;
}

/**
 * Incremental splitter: push TCP chunks as they come (a byte at a time or many frames at once),
 * receive whole frames. A body still short of its Content-Length is held as a list of chunks and
 * only joined once complete, so a large event trickling in is not copied once per packet; and
 * only the bytes that complete it are copied, not the rest of the chunk that completes it.
 */
export class EslFrameSplitter {
  private buf: Buffer = EMPTY;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headers: Record<string, string> | undefined;
  private need = 0;
  private scanFrom = 0;
  /** What eventHeader() read: the body's length and where it starts. */
  private eventLength = 0;
  private eventStart = 0;

  push(chunk: Buffer, onFrame: (frame: EslFrame) => void): void {
    let buf: Buffer;
    let pos = 0;
    if (this.headers) {
      // In the middle of a body: wait for the rest, then join only the bytes it needs.
      const have = this.buf.length + this.pendingBytes;
      if (have + chunk.length < this.need) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
        return;
      }
      const rest = this.need - have;
      const body = Buffer.concat([this.buf, ...this.pending, chunk.subarray(0, rest)], this.need);
      const headers = this.headers;
      this.buf = EMPTY;
      this.pending = [];
      this.pendingBytes = 0;
      this.headers = undefined;
      this.need = 0;
      onFrame({ headers, body });
      buf = chunk;
      pos = rest;
    } else {
      buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    }
    for (;;) {
      if (!this.headers) {
        while (pos < buf.length && buf[pos] === LF) pos++;
        // The common case, an event: read its length from the bytes, share the headers object.
        let headers = this.eventHeader(buf, pos);
        let len: number;
        if (headers) {
          pos = this.eventStart;
          this.scanFrom = 0;
          len = this.eventLength;
        } else {
          const end = buf.indexOf(BLANK_LINE, Math.max(pos, this.scanFrom));
          if (end === -1) {
            this.scanFrom = Math.max(pos, buf.length - 1);
            break;
          }
          this.scanFrom = 0;
          headers = parseHeaderBlock(buf.toString('latin1', pos, end));
          const cl = headers['Content-Length'];
          len = cl === undefined ? 0 : Number.parseInt(cl, 10);
          pos = end + 2;
        }
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

  /**
   * FreeSWITCH frames events as exactly `Content-Length: N\nContent-Type: text/event-…\n\n`: read
   * without a search. Returns the shared headers (the length and the body's start in eventLength
   * and eventStart); undefined when the bytes at `start` are anything else or not all there yet.
   */
  private eventHeader(buf: Buffer, start: number): Record<string, string> | undefined {
    if (!startsWithAt(buf, start, CL_PREFIX, 0)) return undefined;
    let i = start + CL_PREFIX.length;
    let length = 0;
    for (let c = buf[i]!; c >= 48 && c <= 57; c = buf[++i]!) length = length * 10 + (c - 48);
    if (i === start + CL_PREFIX.length) return undefined;
    for (const t of EVENT_TYPES) {
      if (startsWithAt(buf, i, t.tail, 0)) {
        this.eventLength = length;
        this.eventStart = i + t.tail.length;
        return t.headers;
      }
    }
    return undefined;
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
//
// Buffer.indexOf finds a needle's first byte with memchr, then compares the rest; a needle that
// starts with the newline before a header name stops at every line (~100 in a channel event)
// and costs 2–3× one that starts at a byte that is rare in FreeSWITCH events. So each needle is
// searched from its rarest byte on, and the bytes before it (the newline, the rest of the name)
// are compared here.
interface Needle {
  /** `\n<name><suffix>`: what a header line starts with. */
  readonly full: Buffer;
  /** full from its rarest byte on: what indexOf looks for. */
  readonly search: Buffer;
  /** Where `search` starts in `full`. */
  readonly skip: number;
}

// Bytes of FreeSWITCH plain events by frequency, most frequent first (measured on the captures),
// the bytes most header lines start with (Caller-, Channel-, variable_, Event-) counted among the
// most frequent: memchr stops at each; a byte not listed is rarer than all of them.
const COMMON = 'eaCvE0lri-_nt:o1s 2\npcbd%35m74u9fhDA8TI6FN';
const RARITY = new Int16Array(256).fill(COMMON.length);
for (let i = 0; i < COMMON.length; i++) RARITY[COMMON.charCodeAt(i)] = i;

/**
 * The rarest byte, among those that leave at least 8 bytes to search: a short tail (`Name: `,
 * `Time: `) ends many header names, and each false match costs a call back here and another search.
 */
function makeNeedle(text: string): Needle {
  const full = Buffer.from(text, 'latin1');
  let skip = 0;
  for (let i = 1; i <= full.length - 8; i++) if (RARITY[full[i]!]! > RARITY[full[skip]!]!) skip = i;
  return { full, search: full.subarray(skip), skip };
}

const HEADER_NEEDLES = new Map<string, Needle>();
const PREFIX_NEEDLES = new Map<string, Needle>();
function needle(cache: Map<string, Needle>, name: string, suffix: string): Needle {
  let n = cache.get(name);
  if (!n) {
    n = makeNeedle(`\n${name}${suffix}`);
    if (cache.size < 1000) cache.set(name, n);
  }
  return n;
}
const EVENT_NAME = needle(HEADER_NEEDLES, 'Event-Name', ': ');
const CONTENT_LENGTH = makeNeedle('\nContent-Length: ');

/**
 * The first line after offset `from` that starts with n.full: the offset of its newline, -1 for
 * the event's first line (which has no newline before it; only looked at when `from` < 0), or -2.
 */
function lineWith(raw: Buffer, n: Needle, from: number): number {
  const { full, search, skip } = n;
  if (from < 0 && startsWithAt(raw, 0, full, 1)) return -1;
  for (let p = raw.indexOf(search, Math.max(0, from) + skip); p !== -1; p = raw.indexOf(search, p + 1)) {
    const at = p - skip;
    let i = 0;
    while (i < skip && raw[at + i] === full[i]) i++;
    if (i === skip) return at;
  }
  return -2;
}

/** End of the line starting at `from`: values are short, so a loop beats a native call. */
function endOfLine(raw: Buffer, from: number): number {
  const n = raw.length;
  const stop = Math.min(n, from + 64);
  for (let i = from; i < stop; i++) if (raw[i] === LF) return i;
  if (stop === n) return n;
  const to = raw.indexOf(LF, stop);
  return to === -1 ? n : to;
}

// Short strings that recur — event names, states, causes, digits — are interned: a slice costs a
// native call per value, the check below a few dozen byte reads. Direct-mapped, by length and
// three of the bytes (every byte is compared before a string is reused), so a value that never
// recurs (a timestamp) only ever takes one slot.
const INTERNED: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);
function latin1(raw: Buffer, from: number, to: number): string {
  const n = to - from;
  if (n > 24 || n === 0) return raw.toString('latin1', from, to);
  const slot = (n * 97 + raw[from]! * 7 + raw[from + (n >> 1)]! * 31 + raw[to - 1]!) & 511;
  const known = INTERNED[slot];
  if (known !== undefined && known.length === n) {
    let i = 0;
    while (i < n && known.charCodeAt(i) === raw[from + i]) i++;
    if (i === n) return known;
  }
  const text = raw.toString('latin1', from, to);
  INTERNED[slot] = text;
  return text;
}

/**
 * A plain event, read in its bytes: nothing is decoded or copied but the values asked for.
 *
 * What costs is scanning and native calls: a CHANNEL_PARK is ~4 KB and ~110 headers, a
 * HANGUP_COMPLETE ~9 KB, and the adapter reads a handful of them. FreeSWITCH serialises every
 * event in one fixed order (the event's own headers, the channel block, then `variable_*`), and
 * the adapter asks in that order, so each lookup continues from where the last one ended: reading
 * the headers a dispatch needs costs about one pass up to the last of them, not one pass per
 * header. A header asked for out of order is still found (the part before the cursor is searched
 * next), and a value asked for twice is remembered. Values are URL-encoded ASCII, so a latin1
 * slice of one is exact.
 *
 * Where the headers end: FreeSWITCH writes `Name: value\n` lines with URL-encoded values (no line
 * is empty), then either a blank line, or — when the event has a body — `Content-Length: N`, a
 * blank line and the N bytes of the body (switch_event_serialize). So the headers end at the first
 * `Content-Length` line followed by a blank line, or at the end of the event. That line is found
 * with one search for a rare needle, where the blank line itself (a newline then a newline) stops
 * memchr at every line; it is only looked for once a header past the first one is asked for.
 */
class PlainEvent implements EslEvent {
  readonly name: string;
  /** Where the headers end (the blank line before the body, or the event's length); -1 until known. */
  private end = -1;
  /** The body's announced length (Content-Length); -1 for none. */
  private bodyLength = -1;
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
    let at = lineWith(raw, EVENT_NAME, -1);
    if (at >= 0 && at >= this.headerEnd()) at = -2;
    if (at === -2) {
      this.name = '';
      return;
    }
    const from = at + EVENT_NAME.full.length;
    const to = endOfLine(raw, from);
    this.name = latin1(raw, from, to);
    this.cursor = to;
  }

  /** Where the headers end (see the class comment); found once, when first needed. */
  private headerEnd(): number {
    if (this.end === -1) {
      const raw = this.raw;
      this.end = raw.length;
      for (let at = lineWith(raw, CONTENT_LENGTH, 0); at !== -2; at = lineWith(raw, CONTENT_LENGTH, at + 1)) {
        let i = at + CONTENT_LENGTH.full.length;
        let length = 0;
        for (let c = raw[i]!; c >= 48 && c <= 57; c = raw[++i]!) length = length * 10 + (c - 48);
        if (i > at + CONTENT_LENGTH.full.length && raw[i] === LF && raw[i + 1] === LF) {
          this.end = i;
          this.bodyLength = length;
          break;
        }
      }
    }
    return this.end;
  }

  /** The header line that starts with `n`: searched from the cursor on, then before it; -2 if none. */
  private find(n: Needle): number {
    const raw = this.raw;
    // The cursor is a newline: the first line is only looked at from the start (-1).
    let at = lineWith(raw, n, this.cursor === 0 ? -1 : this.cursor);
    if (at !== -2 && at < this.headerEnd()) return at;
    if (this.cursor === 0) return -2;
    // Asked out of order: it can only be before the cursor.
    at = lineWith(raw, n, -1);
    return at < this.cursor ? at : -2;
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
    // The first header has no newline before it (and is behind the cursor once the name is read).
    const at = startsWithAt(raw, 0, n.full, 1) ? -1 : this.find(n);
    if (at === -2) return this.remember(header, undefined);
    const from = at + n.full.length;
    const to = endOfLine(raw, from);
    if (to > this.cursor) this.cursor = to;
    return this.remember(header, latin1(raw, from, to));
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
      const start = this.headerEnd() + 2;
      this.bodyText =
        this.bodyLength === -1
          ? undefined
          : this.raw.toString('utf8', start, Math.min(this.raw.length, start + this.bodyLength));
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
    const end = this.headerEnd();
    const n = needle(PREFIX_NEEDLES, prefix, '');
    for (let at = lineWith(raw, n, -1); at !== -2 && at < end; at = lineWith(raw, n, at + 1)) {
      const eol = endOfLine(raw, at + 1);
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
