/**
 * The Message API routers and handlers use: read and write by field path, walk segments,
 * add/delete segments, and re-encode. An untouched message encodes to exactly its source text;
 * an edit changes only the edited part.
 */

import { Hl7EditError } from "./errors.js";
import { escapeValue } from "./escape.js";
import { type FieldPath, parseFieldPath } from "./path.js";
import { Segment } from "./segment.js";
import type { Separators } from "./separators.js";
import { buildTree, type MessageNode } from "./tree.js";

/** A problem the tolerant parser noticed and worked around; never thrown. */
export interface ParseIssue {
  /** Stable code, e.g. `HL7_TEXT_BEFORE_MSH`. */
  readonly code: string;
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

/** HL7's explicit null: a field sent as `""` means "delete this value", unlike an empty field. */
export const HL7_NULL = '""';

export class Message {
  readonly separators: Separators;
  /** Problems the parser worked around (text before MSH, odd segment names, ...). */
  readonly issues: ParseIssue[];
  private segs: Segment[];
  private readonly source: string;
  private readonly sourceStart: number;
  private readonly sourceEnd: number;
  private structureChanged = false;

  /** @internal Built by parse()/parseBatch(); use those. */
  constructor(
    source: string,
    start: number,
    end: number,
    separators: Separators,
    segments: Segment[],
    issues: ParseIssue[],
  ) {
    this.source = source;
    this.sourceStart = start;
    this.sourceEnd = end;
    this.separators = separators;
    this.segs = segments;
    this.issues = issues;
  }

  /** Offset of this message's MSH in the text it was parsed from (a batch file's offsets are file-wide). */
  get start(): number {
    return this.sourceStart;
  }

  /** End offset (exclusive) of this message, terminators included, in the parsed text. */
  get end(): number {
    return this.sourceEnd;
  }

  /**
   * Reads one value: `get("PID-3[2].1.1")`. Without `[n]` the first segment/repetition is meant.
   * Leaf values are unescaped; a part that still holds lower-level separators comes back as encoded
   * ER7. Returns undefined when the part is absent, "" when present but empty, and `""` (two quote
   * characters, HL7_NULL) for an explicit null.
   */
  get(path: string): string | undefined {
    const p = parseFieldPath(path);
    const seg = this.findSegment(p.segment, p.segmentIndex ?? 1);
    return seg === undefined ? undefined : seg.read(p);
  }

  /**
   * Every value the path matches: across every occurrence of the segment (unless `SEG[n]` is given)
   * and every repetition of the field (unless `[r]` is given). Absent fields contribute nothing; a
   * repetition without the addressed component contributes "".
   */
  getAll(path: string): string[] {
    const p = parseFieldPath(path);
    const out: string[] = [];
    if (p.segmentIndex !== undefined) {
      this.findSegment(p.segment, p.segmentIndex)?.readAll(p, out);
      return out;
    }
    for (const s of this.segs) if (s.name === p.segment) s.readAll(p, out);
    return out;
  }

  /**
   * Writes a plain value (escaped on write), creating missing fields, repetitions, components and
   * even the segment itself (appended) as needed. `undefined` clears the part. MSH-1/MSH-2 are refused.
   */
  set(path: string, value: string | undefined): void {
    const p = parseFieldPath(path);
    this.segmentForWrite(p, path).write(
      p,
      value === undefined ? "" : escapeValue(value, this.separators),
      path,
    );
  }

  /** Writes already-encoded ER7 text (its separators are kept as structure), e.g. `setRaw("PID-5", "DOE^JANE")`. */
  setRaw(path: string, encoded: string): void {
    const p = parseFieldPath(path);
    this.segmentForWrite(p, path).write(p, encoded, path);
  }

  /** Segments in order, optionally only those named `name`. */
  segments(name?: string): Segment[] {
    if (name === undefined) return this.segs.slice();
    return this.segs.filter((s) => s.name === name);
  }

  /**
   * Appends a segment (or inserts it at `index`). `fields` are ER7-encoded field texts starting at
   * field 1 (use `set` afterwards to write plain values with escaping).
   */
  addSegment(name: string, fields: string[] = [], index?: number): Segment {
    if (!/^[A-Z][A-Z0-9]{2}$/.test(name)) {
      throw new Hl7EditError(`segment name "${name}" must be 3 characters A-Z/0-9`, name);
    }
    if (name === "MSH") throw new Hl7EditError("a message has exactly one MSH; it cannot be added", name);
    const fs = this.separators.field;
    const text = fields.length === 0 ? name : name + fs + fields.join(fs);
    const term = this.segmentTerminator();
    const seg = new Segment(name, text, -1, term, this.separators);
    seg.edited = true;
    const at = index === undefined ? this.segs.length : Math.max(1, Math.min(index, this.segs.length));
    const before = this.segs[at - 1];
    // An unterminated last line gets a terminator, and the new last segment stays unterminated.
    if (before !== undefined && before.terminator === "") {
      before.terminator = term;
      seg.terminator = "";
    }
    this.segs.splice(at, 0, seg);
    this.structureChanged = true;
    return seg;
  }

  /** Removes every segment named `name`; returns how many were removed. MSH cannot be removed. */
  deleteSegments(name: string): number {
    if (name === "MSH") throw new Hl7EditError("the MSH segment cannot be deleted", name);
    const before = this.segs.length;
    this.segs = this.segs.filter((s) => s.name !== name);
    const removed = before - this.segs.length;
    if (removed > 0) this.structureChanged = true;
    return removed;
  }

  /** `MSH-9.1^MSH-9.2`, e.g. `ADT^A01` (just `ACK` when there is no trigger event). */
  get messageType(): string {
    const code = this.get("MSH-9.1") ?? "";
    const trigger = this.get("MSH-9.2");
    return trigger ? `${code}^${trigger}` : code;
  }

  /** MSH-10, the message control id. */
  get controlId(): string | undefined {
    return this.get("MSH-10") || undefined;
  }

  /** MSH-12.1, the declared HL7 version (e.g. `2.5.1`). */
  get version(): string | undefined {
    return this.get("MSH-12.1") || undefined;
  }

  /** The message as ER7 text: the exact source when untouched, otherwise segments and their terminators. */
  encode(): string {
    if (!this.isEdited()) return this.source.slice(this.sourceStart, this.sourceEnd);
    let out = "";
    for (const s of this.segs) out += s.encode() + s.terminator;
    return out;
  }

  /** True after any set/setRaw/addSegment/deleteSegments changed the text. */
  isEdited(): boolean {
    if (this.structureChanged) return true;
    for (const s of this.segs) if (s.edited) return true;
    return false;
  }

  /** An independent copy; edits to either do not affect the other. */
  clone(): Message {
    const m = new Message(
      this.source,
      this.sourceStart,
      this.sourceEnd,
      this.separators,
      this.segs.map((s) => s.clone()),
      this.issues.slice(),
    );
    m.structureChanged = this.structureChanged;
    return m;
  }

  /**
   * Computes the compact offset index of every segment now (see Segment.separatorIndex), so the
   * offsets of every part are known up front rather than on first access.
   */
  indexOffsets(): void {
    for (const s of this.segs) s.separatorIndex();
  }

  /**
   * The full parse tree with start/end offsets on every segment, field, repetition, component and
   * subcomponent. Offsets point into the parsed text while the message is untouched, and into
   * `encode()`'s output once edited.
   */
  tree(): MessageNode {
    if (!this.isEdited())
      return buildTree(this.segs, this.separators, this.sourceStart, this.sourceEnd, true);
    return buildTree(this.segs, this.separators, 0, this.encode().length, false);
  }

  private findSegment(name: string, occurrence: number): Segment | undefined {
    let n = 0;
    for (const s of this.segs) {
      if (s.name === name && ++n === occurrence) return s;
    }
    return undefined;
  }

  private segmentForWrite(p: FieldPath, path: string): Segment {
    const occurrence = p.segmentIndex ?? 1;
    const found = this.findSegment(p.segment, occurrence);
    if (found) return found;
    const count = this.segs.reduce((n, s) => n + (s.name === p.segment ? 1 : 0), 0);
    if (occurrence !== count + 1) {
      throw new Hl7EditError(
        `cannot write ${path}: the message has ${count} ${p.segment} segment(s), so only occurrence ${count + 1} can be created`,
        path,
      );
    }
    return this.addSegment(p.segment);
  }

  private segmentTerminator(): string {
    for (const s of this.segs)
      if (s.terminator !== "") return s.terminator.startsWith("\r\n") ? "\r\n" : s.terminator[0]!;
    return "\r";
  }
}
