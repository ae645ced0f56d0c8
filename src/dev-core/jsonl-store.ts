import { mkdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StoredLine<T> {
  key: string;
  value: T;
}

/**
 * An append-only JSON-lines file that stores each key exactly once. Lines are written and
 * fsynced before the caller acknowledges, so a crash after the write is seen as a duplicate on
 * redelivery and a crash before it as a first delivery: never lost, never doubled.
 * Appends go through one queue, so concurrent callers never interleave or race a key.
 */
export class JsonlStore<T> {
  private readonly index = new Map<string, T>();
  private handle: FileHandle | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly keyOf: (line: Record<string, unknown>) => string | undefined,
    private readonly valueOf: (line: Record<string, unknown>) => T,
  ) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line.trim()) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        const key = this.keyOf(parsed);
        if (key !== undefined) this.index.set(key, this.valueOf(parsed));
      } catch {
        // Only the last line can be torn (a crash mid-write); it was never acknowledged.
        if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) {
          throw new Error(`${this.file}: line ${i + 1} is not JSON`);
        }
      }
    }
    this.handle = await open(this.file, 'a');
  }

  get size(): number {
    return this.index.size;
  }

  get(key: string): T | undefined {
    return this.index.get(key);
  }

  values(): IterableIterator<T> {
    return this.index.values();
  }

  /**
   * For each item in order: an existing value (duplicate) or a new line made by `make`, written
   * durably in one append. Returns one result per item, in order.
   */
  appendNew<I>(
    items: I[],
    keyOf: (item: I) => string,
    make: (item: I, ordinal: number) => { line: Record<string, unknown>; value: T },
  ): Promise<{ value: T; duplicate: boolean }[]> {
    const run = async () => {
      const results: { value: T; duplicate: boolean }[] = [];
      const lines: string[] = [];
      const fresh = new Map<string, T>();
      for (const item of items) {
        const key = keyOf(item);
        const known = this.index.get(key) ?? fresh.get(key);
        if (known !== undefined) {
          results.push({ value: known, duplicate: true });
          continue;
        }
        const { line, value } = make(item, this.index.size + fresh.size + 1);
        fresh.set(key, value);
        lines.push(JSON.stringify(line));
        results.push({ value, duplicate: false });
      }
      if (lines.length > 0) {
        await this.handle!.appendFile(lines.join('\n') + '\n', 'utf8');
        await this.handle!.datasync();
        for (const [k, v] of fresh) this.index.set(k, v);
      }
      return results;
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle?.close();
    this.handle = undefined;
  }
}
