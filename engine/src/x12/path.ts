/**
 * X12 paths: `SEG[n]-EE(r)-C`. `NM1-03` is element 3 of the first NM1; `SV1-01-2` component 2 of
 * element 1; `HI-01(2)` the second repetition of element 1; `NM1[2]-09` element 9 of the second NM1.
 * Numbers are 1-based; element and component numbers may be written with or without a leading zero.
 */
import { X12PathError } from "./errors.js";

export interface X12Path {
  /** Segment id, e.g. `NM1`. */
  segment: string;
  /** `[n]`: the n-th segment with that id (1-based); absent means the first (or every, for getAll). */
  segmentIndex?: number;
  /** Element number (1-based; ISA-16 is 16). */
  element: number;
  /** `(r)`: the repetition (1-based); absent means the first (or every, for getAll). */
  repetition?: number;
  /** Component (1-based); absent means the whole repetition as written. */
  component?: number;
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}/;

/** Parses a path; throws `X12PathError` with the column of the first thing it cannot read. */
export function parseX12Path(path: string): X12Path {
  const fail = (message: string, at: number): never => {
    throw new X12PathError(`${message} in X12 path "${path}" at column ${at + 1}`, path, at);
  };
  const id = SEGMENT_ID.exec(path);
  if (!id) return fail("expected a segment id (2-3 upper-case letters or digits, e.g. NM1)", 0);
  let i = id[0].length;
  const out: X12Path = { segment: id[0], element: 0 };
  const number = (what: string, max: number): number => {
    const m = /^\d+/.exec(path.slice(i));
    if (!m || m[0].length > max) return fail(`expected ${what}`, i);
    const n = Number(m[0]);
    if (n < 1) return fail(`${what} counts from 1`, i);
    i += m[0].length;
    return n;
  };
  if (path[i] === "[") {
    i++;
    out.segmentIndex = number("a segment occurrence number", 6);
    if (path[i] !== "]") return fail('expected "]"', i);
    i++;
  }
  if (path[i] !== "-") return fail('expected "-" and an element number (e.g. NM1-03)', i);
  i++;
  out.element = number("an element number", 2);
  if (path[i] === "(") {
    i++;
    out.repetition = number("a repetition number", 6);
    if (path[i] !== ")") return fail('expected ")"', i);
    i++;
  }
  if (path[i] === "-") {
    i++;
    out.component = number("a component number", 2);
  }
  if (i !== path.length) fail("unexpected text", i);
  return out;
}

/** Like `parseX12Path` but returns undefined instead of throwing (for editors probing text). */
export function tryParseX12Path(path: string): X12Path | undefined {
  try {
    return parseX12Path(path);
  } catch {
    return undefined;
  }
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** The one spelling of a path: `NM1[2]-09(1)-2` (two-digit element number, plain component number). */
export function formatX12Path(p: X12Path): string {
  let s = p.segment;
  if (p.segmentIndex !== undefined) s += `[${p.segmentIndex}]`;
  s += `-${pad2(p.element)}`;
  if (p.repetition !== undefined) s += `(${p.repetition})`;
  if (p.component !== undefined) s += `-${p.component}`;
  return s;
}
