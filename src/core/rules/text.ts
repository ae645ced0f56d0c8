// Text handling shared by the rule families: normalisation, clauses, and terms with gaps.

/** Full-width → half-width (NFKC), lower-case, whitespace removed: what every rule matches on. */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

const CLAUSE_BREAK = /[，。！？；,.!?;、…~\n]+/;

/** A normalised text cut into clauses; `whole` lets a term absent from the text be skipped at once. */
export interface Clauses extends ReadonlyArray<string> {
  readonly whole: string;
}

export function clauses(normalised: string): Clauses {
  const parts = normalised.split(CLAUSE_BREAK).filter(Boolean);
  return Object.assign(parts, { whole: parts.join('\u0000') });
}

function absent(text: Clauses, term: Term): boolean {
  return term.parts[0] === undefined || !text.whole.includes(term.parts[0]);
}

/** A term of the rules file: literal parts that must appear in order, "..." allowing a short gap. */
export interface Term {
  source: string;
  parts: string[];
}

export function compileTerm(source: string): Term {
  return { source, parts: normalise(source).split('...').filter(Boolean) };
}

export function compileTerms(sources: readonly string[]): Term[] {
  return sources.map(compileTerm);
}

/** Where a term starts in a clause (-1 when absent); gaps are at most gapChars long. */
export function findTerm(clause: string, term: Term, gapChars: number): number {
  const [first, ...rest] = term.parts;
  if (first === undefined) return -1;
  let from = 0;
  for (;;) {
    const start = clause.indexOf(first, from);
    if (start < 0) return -1;
    let end = start + first.length;
    let ok = true;
    for (const part of rest) {
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
  const present = terms.filter((t) => !absent(parts, t));
  if (present.length === 0) return undefined;
  for (const clause of parts) {
    for (const term of present) {
      const at = findTerm(clause, term, gapChars);
      if (at >= 0) return { term: term.source, clause, at };
    }
  }
  return undefined;
}

/** Every term of the list found, once each (for scoring). */
export function allHits(parts: Clauses, terms: readonly Term[], gapChars: number): TermHit[] {
  const hits: TermHit[] = [];
  for (const term of terms) {
    if (absent(parts, term)) continue;
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
