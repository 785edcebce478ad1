/**
 * One X12 segment: its id and elements, split once at parse time (segments are short; the hot path
 * allocates per segment, never per character). Its text is kept as parsed until an edit, so an
 * untouched segment re-encodes byte for byte.
 */
import { X12EditError } from "./errors.js";
import type { X12Path } from "./path.js";
import type { X12Separators } from "./separators.js";

export class X12Segment {
  /** [id, element 1, element 2, …] as written. */
  #parts: string[];
  /** The text as parsed; undefined once edited (rebuilt from the parts). */
  #text: string | undefined;

  constructor(
    text: string,
    /** Offset of the segment's first character in the parsed text. */
    readonly start: number,
    readonly separators: X12Separators,
  ) {
    this.#text = text;
    this.#parts = text.split(separators.element);
  }

  /** The segment id, e.g. `NM1`. */
  get id(): string {
    return this.#parts[0] as string;
  }

  /** The segment's text without its terminator. */
  get text(): string {
    this.#text ??= this.#parts.join(this.separators.element);
    return this.#text;
  }

  /** True once an edit changed this segment (its offsets then no longer point into the parsed text). */
  get edited(): boolean {
    return this.#text === undefined;
  }

  /** Number of elements present (trailing empty ones included as written). */
  get elementCount(): number {
    return this.#parts.length - 1;
  }

  /** Element `n` (1-based) as written, or undefined when absent. */
  element(n: number): string | undefined {
    return n >= 1 ? this.#parts[n] : undefined;
  }

  /** Offset of element `n`'s first character (its separator's position + 1), for editors. */
  elementStart(n: number): number {
    let at = this.start + this.id.length;
    for (let i = 1; i < n; i++) at += 1 + (this.#parts[i]?.length ?? 0);
    return at + 1;
  }

  /** Repetitions of element `n` (one when the interchange has no repetition separator). ISA is never split. */
  repetitions(n: number): string[] | undefined {
    const e = this.element(n);
    if (e === undefined) return undefined;
    const r = this.separators.repetition;
    return r === undefined || this.id === "ISA" ? [e] : e.split(r);
  }

  /** Components of one repetition text. ISA is never split (ISA-16 is the component separator itself). */
  components(repetition: string): string[] {
    return this.id === "ISA" ? [repetition] : repetition.split(this.separators.component);
  }

  /** The value at `p` (segment part ignored): undefined when absent, "" when present but empty. */
  read(p: X12Path): string | undefined {
    const reps = this.repetitions(p.element);
    if (reps === undefined) return undefined;
    const rep = reps[(p.repetition ?? 1) - 1];
    if (rep === undefined || p.component === undefined) return rep;
    return this.components(rep)[p.component - 1];
  }

  /** Every value at `p` in this segment: each repetition unless `(r)` is given. */
  readAll(p: X12Path, out: string[]): void {
    const reps = this.repetitions(p.element);
    if (reps === undefined) return;
    const chosen = p.repetition === undefined ? reps : reps.slice(p.repetition - 1, p.repetition);
    for (const rep of chosen) {
      if (p.component === undefined) out.push(rep);
      else out.push(this.components(rep)[p.component - 1] ?? "");
    }
  }

  /**
   * Writes `value` at `p`, adding missing elements, repetitions and components; `undefined` clears
   * the part. Trailing empty elements and components are dropped (X12 sends no trailing delimiters).
   * `spelled` is the path as the caller wrote it, for errors.
   */
  write(p: X12Path, value: string | undefined, spelled: string): void {
    const v = value ?? "";
    const seps = this.separators;
    const forbidden = [seps.element, seps.component, seps.segment, seps.repetition].filter(
      (s): s is string => s !== undefined,
    );
    const bad = forbidden.find((s) => v.includes(s));
    if (bad !== undefined)
      throw new X12EditError(
        `${spelled}: the value contains the delimiter "${bad}" (X12 has no escapes)`,
        spelled,
      );
    if (this.id === "ISA") {
      this.writeIsa(p, v, spelled);
      return;
    }
    const parts = this.#parts;
    while (parts.length <= p.element) parts.push("");
    let element = v;
    if (p.repetition !== undefined || p.component !== undefined) {
      const r = seps.repetition;
      if (p.repetition !== undefined && p.repetition > 1 && r === undefined)
        throw new X12EditError(`${spelled}: this interchange's version has no repetition separator`, spelled);
      const reps = r === undefined ? [parts[p.element] as string] : (parts[p.element] as string).split(r);
      const ri = (p.repetition ?? 1) - 1;
      while (reps.length <= ri) reps.push("");
      if (p.component !== undefined) {
        const comps = (reps[ri] as string).split(seps.component);
        while (comps.length < p.component) comps.push("");
        comps[p.component - 1] = v;
        reps[ri] = trimTrailing(comps).join(seps.component);
      } else reps[ri] = v;
      element = r === undefined ? (reps[0] as string) : trimTrailing(reps).join(r);
    }
    parts[p.element] = element;
    this.#parts = [parts[0] as string, ...trimTrailing(parts.slice(1))];
    this.#text = undefined;
  }

  /** ISA elements are fixed width: a value is padded to the width (and must fit); separators are refused. */
  private writeIsa(p: X12Path, v: string, spelled: string): void {
    if (p.element === 16 || (p.element === 11 && this.separators.repetition !== undefined))
      throw new X12EditError(`${spelled}: it defines a separator of the interchange`, spelled);
    if (p.repetition !== undefined || p.component !== undefined || p.element > 16)
      throw new X12EditError(`${spelled}: ISA has 16 plain elements`, spelled);
    const old = this.#parts[p.element] ?? "";
    if (v.length > old.length)
      throw new X12EditError(`${spelled}: ISA-${p.element} is ${old.length} characters wide`, spelled);
    this.#parts[p.element] =
      /^\d+$/.test(old) && /^\d*$/.test(v) ? v.padStart(old.length, "0") : v.padEnd(old.length, " ");
    this.#text = undefined;
  }
}

function trimTrailing(a: string[]): string[] {
  let n = a.length;
  while (n > 1 && a[n - 1] === "") n--;
  return n === a.length ? a : a.slice(0, n);
}
