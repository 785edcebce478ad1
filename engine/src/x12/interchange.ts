/**
 * The X12 object model: an interchange (ISA … IEA) holds functional groups (GS … GE), which hold
 * transaction sets (ST … SE). Each level, and each loop, is a view over a run of the interchange's
 * segments with the same `get` / `getAll` / `set`; `[n]` in a path counts within that view.
 */
import { X12EditError } from "./errors.js";
import type { X12Issue } from "./issues.js";
import { parseX12Path } from "./path.js";
import type { X12Segment } from "./segment.js";
import type { X12Separators } from "./separators.js";

/** Path access over a run of segments. */
export abstract class X12SegmentView {
  /** The segments of this view, in document order. */
  abstract get segments(): readonly X12Segment[];

  /**
   * Reads one value: `get("NM1[2]-09")`, `get("SV1-01-2")`, `get("HI-01(2)")`. Without `[n]` the
   * first segment is meant, without `(r)` the first repetition. Returns undefined when the part is
   * absent, "" when present but empty; a part that holds components comes back as written.
   */
  get(path: string): string | undefined {
    const p = parseX12Path(path);
    return this.find(p.segment, p.segmentIndex ?? 1)?.read(p);
  }

  /**
   * Every value the path matches: across every segment with the id (unless `[n]` is given) and every
   * repetition (unless `(r)` is given). Absent elements contribute nothing; a repetition without the
   * addressed component contributes "".
   */
  getAll(path: string): string[] {
    const p = parseX12Path(path);
    const out: string[] = [];
    if (p.segmentIndex !== undefined) this.find(p.segment, p.segmentIndex)?.readAll(p, out);
    else for (const s of this.segments) if (s.id === p.segment) s.readAll(p, out);
    return out;
  }

  /**
   * Writes a value, adding missing elements, repetitions and components; `undefined` clears it.
   * Throws `X12EditError` when the segment is absent (segments are not added: the envelope counts
   * would change), the value holds a delimiter, or the element defines a separator (ISA-11/ISA-16).
   */
  set(path: string, value: string | undefined): void {
    const p = parseX12Path(path);
    const seg = this.find(p.segment, p.segmentIndex ?? 1);
    if (!seg) throw new X12EditError(`${path}: no such segment here`, path, "X12_NO_SEGMENT");
    seg.write(p, value, path);
  }

  /** The n-th (1-based) segment with `id` in this view. */
  segment(id: string, n = 1): X12Segment | undefined {
    return this.find(id, n);
  }

  /**
   * Loops found by their leading segment: each starts at a segment with `leadId` and runs until the
   * next one, or until a segment whose id is in `until` (e.g. `tx.loops("HL")` gives each
   * hierarchical level with its NM1, DMG, EB…; `tx.loops("NM1", ["HL", "SE"])` each name loop).
   */
  loops(leadId: string, until: readonly string[] = ["SE", "GE", "IEA"]): X12Loop[] {
    const out: X12Loop[] = [];
    let current: X12Segment[] | undefined;
    for (const s of this.segments) {
      if (s.id === leadId) {
        current = [s];
        out.push(new X12Loop(current));
      } else if (until.includes(s.id)) current = undefined;
      else current?.push(s);
    }
    return out;
  }

  private find(id: string, n: number): X12Segment | undefined {
    let seen = 0;
    for (const s of this.segments) if (s.id === id && ++seen === n) return s;
    return undefined;
  }
}

/** A loop: its leading segment and the segments after it. */
export class X12Loop extends X12SegmentView {
  constructor(readonly segments: readonly X12Segment[]) {
    super();
  }
  get lead(): X12Segment {
    return this.segments[0] as X12Segment;
  }
}

/** A transaction set: ST … SE (SE may be missing in a damaged interchange). */
export class X12Transaction extends X12SegmentView {
  constructor(
    readonly segments: readonly X12Segment[],
    /** Index of ST in the interchange's segments. */
    readonly index: number,
  ) {
    super();
  }
  get st(): X12Segment {
    return this.segments[0] as X12Segment;
  }
  get se(): X12Segment | undefined {
    const last = this.segments[this.segments.length - 1];
    return last?.id === "SE" ? last : undefined;
  }
  /** ST-01, e.g. `270`. */
  get type(): string {
    return this.st.element(1) ?? "";
  }
  /** ST-02. */
  get controlNumber(): string {
    return this.st.element(2) ?? "";
  }
}

/** A functional group: GS, its transaction sets, GE (GE may be missing). */
export class X12Group extends X12SegmentView {
  constructor(
    readonly segments: readonly X12Segment[],
    readonly transactions: readonly X12Transaction[],
    readonly index: number,
  ) {
    super();
  }
  get gs(): X12Segment {
    return this.segments[0] as X12Segment;
  }
  get ge(): X12Segment | undefined {
    const last = this.segments[this.segments.length - 1];
    return last?.id === "GE" ? last : undefined;
  }
  /** GS-01, e.g. `HS` (270), `HB` (271), `FA` (999). */
  get functionalId(): string {
    return this.gs.element(1) ?? "";
  }
  /** GS-06. */
  get controlNumber(): string {
    return this.gs.element(6) ?? "";
  }
  /** GS-08, e.g. `005010X279A1`. */
  get version(): string {
    return this.gs.element(8) ?? "";
  }
}

export interface InterchangeParts {
  separators: X12Separators;
  version: string;
  segments: X12Segment[];
  /** gaps[i]: the text after segment i (its terminator and any CR/LF), as parsed. */
  gaps: string[];
  groups: X12Group[];
  issues: X12Issue[];
  /** Offset of the ISA in the parsed text; `end` is just past the last gap. */
  start: number;
  end: number;
  /** Text before the ISA (whitespace, a BOM) and after the IEA, kept so encode() is byte-exact. */
  lead: string;
  tail: string;
}

/** One interchange: ISA, groups, IEA. `encode()` of an untouched interchange is the parsed text. */
export class X12Interchange extends X12SegmentView {
  readonly separators: X12Separators;
  /** ISA-12, e.g. `00501` or `00401`. */
  readonly version: string;
  readonly segments: readonly X12Segment[];
  readonly groups: readonly X12Group[];
  /** Parse and envelope findings at parse time (see `validateEnvelope` to check again after edits). */
  readonly issues: readonly X12Issue[];
  /** Offsets of this interchange (ISA to the gap after IEA) in the parsed text. */
  readonly start: number;
  readonly end: number;
  readonly #gaps: readonly string[];
  readonly #lead: string;
  readonly #tail: string;

  constructor(parts: InterchangeParts) {
    super();
    this.separators = parts.separators;
    this.version = parts.version;
    this.segments = parts.segments;
    this.groups = parts.groups;
    this.issues = parts.issues;
    this.start = parts.start;
    this.end = parts.end;
    this.#gaps = parts.gaps;
    this.#lead = parts.lead;
    this.#tail = parts.tail;
  }

  /** Every transaction set of every group, in document order. */
  get transactions(): X12Transaction[] {
    return this.groups.flatMap((g) => [...g.transactions]);
  }

  get isa(): X12Segment {
    return this.segments[0] as X12Segment;
  }

  get iea(): X12Segment | undefined {
    const last = this.segments[this.segments.length - 1];
    return last?.id === "IEA" ? last : undefined;
  }

  /** ISA-13. */
  get controlNumber(): string {
    return this.isa.element(13) ?? "";
  }

  /** ISA-15: `P` production, `T` test. */
  get usage(): string {
    return this.isa.element(15) ?? "";
  }

  /** The text after segment `i` as parsed: its terminator and any line break. */
  gapAfter(i: number): string {
    return this.#gaps[i] ?? this.separators.segment;
  }

  /** The interchange's text: byte-exact as parsed while untouched; edited segments are rebuilt in place. */
  encode(): string {
    let out = this.#lead;
    for (let i = 0; i < this.segments.length; i++)
      out += (this.segments[i] as X12Segment).text + this.gapAfter(i);
    return out + this.#tail;
  }
}
