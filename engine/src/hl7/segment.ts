/**
 * One segment of a message. It keeps its exact source text and indexes field boundaries only when
 * first asked (lazy splitting), so parsing costs one scan for line ends and untouched segments
 * re-encode byte-for-byte. Edits rewrite only the addressed part of the text.
 */

import { FieldPathError, Hl7EditError } from "./errors.js";
import { escapeValue, unescapeValue } from "./escape.js";
import { type FieldPath, parseFieldPath } from "./path.js";
import type { Separators } from "./separators.js";
import { allParts, nthPart, replacePart } from "./split.js";

/** Header segments number their fields from the separator itself: MSH-1 is `|`, MSH-2 the encoding characters. */
export function isHeaderName(name: string): boolean {
  return name === "MSH" || name === "BHS" || name === "FHS";
}

export class Segment {
  /** Segment id, e.g. `PID` (for malformed input: whatever precedes the first field separator). */
  readonly name: string;
  /** Offset of the segment's first character in the text it was parsed from; -1 when added by code. */
  readonly start: number;
  /** The line ending(s) that followed the segment in the source ("" for a last segment without one). */
  terminator: string;
  /** True once the segment's text differs from the source. */
  edited = false;
  private text: string;
  private bounds: number[] | undefined;
  private index: number[] | undefined;
  private readonly header: boolean;

  constructor(
    name: string,
    text: string,
    start: number,
    terminator: string,
    readonly separators: Separators,
  ) {
    this.name = name;
    this.text = text;
    this.start = start;
    this.terminator = terminator;
    this.header = isHeaderName(name);
  }

  /** The segment's current ER7 text without its terminator. */
  encode(): string {
    return this.text;
  }

  /** End offset (exclusive) in the source; meaningful while the segment is unedited. */
  get end(): number {
    return this.start + this.text.length;
  }

  /** Positions of the field separators in the segment text (computed once, on demand). */
  fieldSeparatorPositions(): readonly number[] {
    let b = this.bounds;
    if (b === undefined) {
      b = [];
      const fs = this.separators.field;
      if (fs !== "") {
        const t = this.text;
        let at = t.indexOf(fs);
        while (at >= 0) {
          b.push(at);
          at = t.indexOf(fs, at + 1);
        }
      }
      this.bounds = b;
    }
    return b;
  }

  /**
   * Every separator of the segment in one pass, as a compact offset index: each entry is
   * `(offsetInSegment << 2) | level`, level 0 field, 1 repetition, 2 component, 3 subcomponent.
   * Together with `start` this gives the source offsets of every field, repetition, component and
   * subcomponent without allocating a node per part (tree() materialises nodes from it).
   */
  separatorIndex(): readonly number[] {
    let idx = this.index;
    if (idx !== undefined) return idx;
    const t = this.text;
    const sep = this.separators;
    const f = sep.field.charCodeAt(0); // NaN when absent: never equal to a char code
    const r = sep.repetition.charCodeAt(0);
    const c = sep.component.charCodeAt(0);
    const sc = sep.subcomponent.charCodeAt(0);
    const n = t.length;
    // A packed array of small integers: far cheaper to allocate per segment than a typed array.
    idx = [];
    let i = 0;
    if (this.header && n > 3) {
      // MSH-1/MSH-2 hold the separators themselves: only the field separators around them count.
      idx.push(3 << 2);
      i = 4;
      while (i < n && t.charCodeAt(i) !== f) i++;
    }
    for (; i < n; i++) {
      const ch = t.charCodeAt(i);
      if (ch === f) idx.push(i << 2);
      else if (ch === c) idx.push((i << 2) | 2);
      else if (ch === r) idx.push((i << 2) | 1);
      else if (ch === sc) idx.push((i << 2) | 3);
    }
    this.index = idx;
    return idx;
  }

  /** Number of the last field present (HL7 numbering). */
  get fieldCount(): number {
    const parts = this.fieldSeparatorPositions().length;
    return this.header ? (parts === 0 ? 0 : parts + 1) : parts;
  }

  /** Start/end of field `n` (HL7 numbering) inside the segment text, or undefined when absent. */
  fieldRange(n: number): { start: number; end: number } | undefined {
    const b = this.fieldSeparatorPositions();
    if (this.header && n === 1) return b.length > 0 ? { start: b[0]!, end: b[0]! + 1 } : undefined;
    const k = this.header ? n - 1 : n; // split index
    if (k < 1 || k > b.length) return undefined;
    return { start: b[k - 1]! + 1, end: k < b.length ? b[k]! : this.text.length };
  }

  /** Raw (still escaped) text of field `n`, all repetitions; undefined when the field is absent. */
  field(n: number): string | undefined {
    const r = this.fieldRange(n);
    if (r === undefined) return undefined;
    if (this.header && n === 1) return this.separators.field;
    return this.text.slice(r.start, r.end);
  }

  /** Raw text of every repetition of field `n` ([] when absent or empty). */
  repetitions(n: number): string[] {
    const f = this.field(n);
    if (f === undefined || f === "") return [];
    if (this.header && n <= 2) return [f];
    return allParts(f, this.separators.repetition);
  }

  /** Reads a part by a field path (`PID-5.1`) or a path tail (`5.1`, `3[2].1`); see Message.get. */
  get(spec: string): string | undefined {
    return this.read(this.resolve(spec));
  }

  /** Writes a plain value (escaped on write); see Message.set. */
  set(spec: string, value: string | undefined): void {
    this.write(this.resolve(spec), value === undefined ? "" : escapeValue(value, this.separators), spec);
  }

  /** Writes already-encoded ER7 text (separators inside are kept as structure). */
  setRaw(spec: string, encoded: string): void {
    this.write(this.resolve(spec), encoded, spec);
  }

  /** @internal Reads the part addressed by a parsed path (segment part of the path ignored). */
  read(p: FieldPath): string | undefined {
    const sep = this.separators;
    const f = this.field(p.field);
    if (f === undefined) return undefined;
    if (this.header && p.field <= 2) {
      // MSH-1 and MSH-2 are never split: they define the separators.
      return (p.repetition ?? 1) === 1 && (p.component ?? 1) === 1 && (p.subcomponent ?? 1) === 1
        ? f
        : undefined;
    }
    let v = nthPart(f, sep.repetition, p.repetition ?? 1);
    if (v === undefined || p.component === undefined) return v === undefined ? v : leaf(v, sep, 0);
    v = nthPart(v, sep.component, p.component);
    if (v === undefined || p.subcomponent === undefined) return v === undefined ? v : leaf(v, sep, 1);
    v = nthPart(v, sep.subcomponent, p.subcomponent);
    return v === undefined ? v : leaf(v, sep, 2);
  }

  /** @internal Every repetition's value of the addressed part (see Message.getAll). */
  readAll(p: FieldPath, out: string[]): void {
    if (p.repetition !== undefined || (this.header && p.field <= 2)) {
      const v = this.read(p);
      if (v !== undefined) out.push(v);
      return;
    }
    const reps = this.repetitions(p.field);
    for (let r = 1; r <= reps.length; r++) {
      out.push(this.read({ ...p, repetition: r }) ?? "");
    }
  }

  /** @internal Replaces the addressed part with encoded text. */
  write(p: FieldPath, encoded: string, spec: string): void {
    if (this.header && p.field <= 2) {
      throw new Hl7EditError(`${this.name}-${p.field} defines the separators and cannot be set`, spec);
    }
    const sep = this.separators;
    const k = this.header ? p.field - 1 : p.field;
    const next = replacePart(
      this.text,
      sep.field,
      k + 1,
      (field) =>
        replacePart(
          field ?? "",
          sep.repetition,
          p.repetition ?? 1,
          (rep) =>
            p.component === undefined
              ? encoded
              : replacePart(
                  rep ?? "",
                  sep.component,
                  p.component,
                  (comp) =>
                    p.subcomponent === undefined
                      ? encoded
                      : replacePart(
                          comp ?? "",
                          sep.subcomponent,
                          p.subcomponent,
                          () => encoded,
                          "subcomponent",
                        ),
                  "component",
                ),
          "repetition",
        ),
      "field",
    );
    if (next !== this.text) {
      this.text = next;
      this.bounds = undefined;
      this.index = undefined;
      this.edited = true;
    }
  }

  /** A detached copy (same source offsets, same edits). */
  clone(): Segment {
    const s = new Segment(this.name, this.text, this.start, this.terminator, this.separators);
    s.edited = this.edited;
    return s;
  }

  /** Accepts a full path (`PID-5.1`) or a tail (`5.1`); errors point into the text as given. */
  private resolve(spec: string): FieldPath {
    const c = spec.charCodeAt(0);
    if (!(c >= 48 && c <= 57)) return parseFieldPath(spec);
    try {
      return parseFieldPath(`ZZZ-${spec}`);
    } catch (e) {
      if (!(e instanceof FieldPathError)) throw e;
      const at = Math.max(0, e.offset - 4);
      throw new FieldPathError(
        `${e.message.replace(/ at column .*$/, "")} at column ${at + 1} of "${spec}"`,
        spec,
        at,
      );
    }
  }
}

/**
 * A value with structure below it (e.g. a whole field holding components) is returned as encoded
 * ER7 so the structure stays readable; a leaf value is unescaped.
 */
function leaf(v: string, sep: Separators, level: 0 | 1 | 2): string {
  if (sep.escape === "" || v.indexOf(sep.escape) < 0) return v;
  if (level === 0 && sep.component !== "" && v.indexOf(sep.component) >= 0) return v;
  if (level <= 1 && sep.subcomponent !== "" && v.indexOf(sep.subcomponent) >= 0) return v;
  return unescapeValue(v, sep);
}
