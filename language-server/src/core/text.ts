/** Offsets ↔ positions for one file text. Core positions are 0-based (line, character in UTF-16 units). */
import type { SourceLocation } from "messagefoundry/graph";

export interface Pos {
  line: number;
  character: number;
}

export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineStart(line: number): number {
    return this.starts[Math.min(Math.max(line, 0), this.starts.length - 1)] ?? 0;
  }

  position(offset: number): Pos {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - (this.starts[lo] ?? 0) };
  }

  offset(pos: Pos): number {
    if (pos.line >= this.starts.length) return this.text.length;
    return Math.min(this.lineStart(pos.line) + pos.character, this.text.length);
  }

  /** A graph SourceLocation (1-based lines and columns, exclusive end) for [start, end). */
  location(file: string, start: number, end: number): SourceLocation {
    const s = this.position(start);
    const e = this.position(end);
    return {
      file,
      line: s.line + 1,
      column: s.character + 1,
      endLine: e.line + 1,
      endColumn: e.character + 1,
    };
  }

  /** Offsets of a SourceLocation in this text. */
  span(loc: SourceLocation): { start: number; end: number } {
    return {
      start: this.offset({ line: loc.line - 1, character: loc.column - 1 }),
      end: this.offset({ line: loc.endLine - 1, character: loc.endColumn - 1 }),
    };
  }
}

/** True when `offset` lies inside (or at the end of) a location in the same file. */
export function contains(index: LineIndex, loc: SourceLocation, offset: number): boolean {
  const { start, end } = index.span(loc);
  return offset >= start && offset <= end;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      prev[j] = Math.min((prev[j] ?? 0) + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = tmp;
    }
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate within a small distance, or undefined. */
export function nearMiss(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
