// Text handling shared by the rule families: normalisation, clauses, and terms with gaps.

/** Full-width → half-width (NFKC), lower-case, whitespace removed: what every rule matches on. */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

const CLAUSE_BREAK = /[，。！？；,.!?;、…~\n]+/;

/** A normalised text cut into clauses; `whole` lets a term absent from the text be skipped at once. */
export interface Clauses extends ReadonlyArray<string> {
  readonly whole: string;
  /** Which of the index's patterns occur in `whole`, found in one pass (see TermIndex). */
  readonly found?: Found;
}

/** With an index, every indexed pattern's presence is known after one scan of the text. */
export function clauses(normalised: string, index?: TermIndex): Clauses {
  const parts = normalised.split(CLAUSE_BREAK).filter(Boolean);
  const whole = parts.join('\u0000');
  return Object.assign(parts, index ? { whole, found: index.scan(whole) } : { whole });
}

/** Whether a literal occurs in the text: the index's answer when it knows the literal, else a search. */
export function occurs(text: Clauses, literal: string): boolean {
  return text.found?.has(literal) ?? text.whole.includes(literal);
}

function absent(text: Clauses, term: Term): boolean {
  const slot = term.slot;
  const found = text.found;
  if (slot && found && slot.index === found.index) return found.seen[slot.id] === 0;
  return term.parts[0] === undefined || !occurs(text, term.parts[0]);
}

/**
 * The terms of a list whose first part occurs in the text, in the list's order. With the text's
 * scan and a list the same index holds, each term is one read of the scan's answer by the list's
 * pattern ids, instead of following each term's slot (hundreds of terms over all the families).
 */
function present(text: Clauses, terms: readonly Term[]): readonly Term[] {
  const found = text.found;
  const ids = found && idsIn(terms, found.index);
  if (!found || !ids) return terms.filter((t) => !absent(text, t));
  const seen = found.seen;
  let out: Term[] | undefined;
  for (let i = 0; i < ids.length; i++) if (seen[ids[i]!] === 1) (out ??= []).push(terms[i]!);
  return out ?? NONE;
}

const NONE: readonly Term[] = [];
/** Per list of terms: its terms' pattern ids, or null when the index does not hold all its terms. */
const listIds = new WeakMap<readonly Term[], { index: TermIndex; ids: Int32Array | null }>();

function idsIn(terms: readonly Term[], index: TermIndex): Int32Array | null {
  const known = listIds.get(terms);
  if (known?.index === index) return known.ids;
  const ids = terms.every((t) => t.slot?.index === index) ? Int32Array.from(terms, (t) => t.slot!.id) : null;
  listIds.set(terms, { index, ids });
  return ids;
}

/** What one scan found: which of the index's patterns occur in the text. */
export class Found {
  constructor(
    readonly index: TermIndex,
    /** 1 at a pattern's id when it occurs. */
    readonly seen: Uint8Array,
  ) {}

  /** true/false for an indexed pattern, undefined for one the index does not hold. */
  has(pattern: string): boolean | undefined {
    const id = this.index.idOf(pattern);
    return id === undefined ? undefined : this.seen[id] === 1;
  }
}

/**
 * An Aho–Corasick automaton over literal patterns (the first part of every term of the rules
 * file, and other literals the rules look for), built once: one pass over a text says which
 * patterns occur in it, overlapping ones included, where searching for each of hundreds of terms
 * in turn cost most of the rules' time. Patterns are matched by UTF-16 code unit, exactly as
 * String.prototype.includes does. Each term indexed gets its pattern's slot, so asking whether a
 * term's first part occurs is one array read.
 */
export class TermIndex {
  private readonly ids = new Map<string, number>();
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  /** Pattern ids ending at each state, those of its suffix states included. */
  private readonly out: number[][] = [[]];

  constructor(terms: readonly Term[], literals: readonly string[] = []) {
    for (const term of terms) {
      const first = term.parts[0];
      if (first !== undefined) term.slot = { index: this, id: this.add(first) };
    }
    for (const literal of literals) if (literal.length > 0) this.add(literal);
    // Breadth first: a state's failure link is the longest proper suffix that is also a prefix.
    const queue: number[] = [...this.next[0]!.values()];
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      for (const [c, t] of this.next[s]!) {
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const g = this.next[f]!.get(c);
        this.fail[t] = g !== undefined && g !== t ? g : 0;
        this.out[t] = [...this.out[t]!, ...this.out[this.fail[t]!]!];
        queue.push(t);
      }
    }
  }

  private add(pattern: string): number {
    const known = this.ids.get(pattern);
    if (known !== undefined) return known;
    const id = this.ids.size;
    this.ids.set(pattern, id);
    let s = 0;
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern.charCodeAt(i);
      let t = this.next[s]!.get(c);
      if (t === undefined) {
        t = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.out.push([]);
        this.next[s]!.set(c, t);
      }
      s = t;
    }
    this.out[s]!.push(id);
    return id;
  }

  idOf(pattern: string): number | undefined {
    return this.ids.get(pattern);
  }

  get size(): number {
    return this.ids.size;
  }

  scan(text: string): Found {
    const seen = new Uint8Array(this.ids.size);
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let t = this.next[s]!.get(c);
      while (t === undefined && s !== 0) {
        s = this.fail[s]!;
        t = this.next[s]!.get(c);
      }
      s = t ?? 0;
      const out = this.out[s]!;
      for (let k = 0; k < out.length; k++) seen[out[k]!] = 1;
    }
    return new Found(this, seen);
  }
}

/** A term of the rules file: literal parts that must appear in order, "..." allowing a short gap. */
export interface Term {
  source: string;
  parts: string[];
  /** Where a TermIndex holds the first part (set when the index is built). */
  slot?: { index: TermIndex; id: number };
}

export function compileTerm(source: string): Term {
  return { source, parts: normalise(source).split('...').filter(Boolean) };
}

export function compileTerms(sources: readonly string[]): Term[] {
  return sources.map(compileTerm);
}

/** Where a term starts in a clause (-1 when absent); gaps are at most gapChars long. */
export function findTerm(clause: string, term: Term, gapChars: number): number {
  const parts = term.parts;
  const first = parts[0];
  if (first === undefined) return -1;
  let from = 0;
  for (;;) {
    const start = clause.indexOf(first, from);
    if (start < 0) return -1;
    let end = start + first.length;
    let ok = true;
    for (let k = 1; k < parts.length; k++) {
      const part = parts[k]!;
      const at = clause.indexOf(part, end);
      if (at < 0 || at - end > gapChars) {
        ok = false;
        break;
      }
      end = at + part.length;
    }
    if (ok) return start;
    from = start + 1;
  }
}

export interface TermHit {
  term: string;
  clause: string;
  at: number;
}

/** The first term of the list found in any clause. */
export function firstHit(parts: Clauses, terms: readonly Term[], gapChars: number): TermHit | undefined {
  const candidates = present(parts, terms);
  if (candidates.length === 0) return undefined;
  for (const clause of parts) {
    for (const term of candidates) {
      const at = findTerm(clause, term, gapChars);
      if (at >= 0) return { term: term.source, clause, at };
    }
  }
  return undefined;
}

/** Every term of the list found, once each (for scoring). */
export function allHits(parts: Clauses, terms: readonly Term[], gapChars: number): TermHit[] {
  const hits: TermHit[] = [];
  for (const term of present(parts, terms)) {
    for (const clause of parts) {
      const at = findTerm(clause, term, gapChars);
      if (at >= 0) {
        hits.push({ term: term.source, clause, at });
        break;
      }
    }
  }
  return hits;
}
