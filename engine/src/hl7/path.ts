/**
 * Field paths: `SEG[n]-F[r].C.S`, e.g. `PID-3[2].1.1`, `OBX[2]-5`, `MSH-9.2`. All numbers are 1-based;
 * the segment occurrence `[n]` and the repetition `[r]` are optional. `.` is accepted in place of `-`
 * after the segment name. Exported on its own because the language server validates paths in configs.
 */
import { FieldPathError } from "./errors.js";

export interface FieldPath {
  /** Segment name, e.g. `PID` (upper-case letters/digits, 3 characters). */
  readonly segment: string;
  /** 1-based occurrence of the segment; absent means "the first" (get) or "every" (getAll). */
  readonly segmentIndex?: number;
  /** 1-based field number per the standard (MSH-1 is the field separator). */
  readonly field: number;
  /** 1-based repetition; absent means "the first" (get) or "every" (getAll). */
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

const cache = new Map<string, FieldPath>();
const CACHE_LIMIT = 4096;

/** Parses a field path; throws a FieldPathError whose `offset` is the column of the problem. */
export function parseFieldPath(path: string): FieldPath {
  const hit = cache.get(path);
  if (hit) return hit;
  const parsed = parseUncached(path);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(path, parsed);
  return parsed;
}

/** Non-throwing variant for editors: the path or the positioned error. */
export function tryParseFieldPath(path: string): { path?: FieldPath; error?: FieldPathError } {
  try {
    return { path: parseFieldPath(path) };
  } catch (e) {
    if (e instanceof FieldPathError) return { error: e };
    throw e;
  }
}

/** Writes a path back in canonical form (`PID[2]-3[1].1.1`, parts omitted when absent). */
export function formatFieldPath(p: FieldPath): string {
  let s = p.segment;
  if (p.segmentIndex !== undefined) s += `[${p.segmentIndex}]`;
  s += `-${p.field}`;
  if (p.repetition !== undefined) s += `[${p.repetition}]`;
  if (p.component !== undefined) s += `.${p.component}`;
  if (p.subcomponent !== undefined) s += `.${p.subcomponent}`;
  return s;
}

function isUpperAlnum(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

function parseUncached(path: string): FieldPath {
  let pos = 0;
  const fail = (msg: string, at = pos): never => {
    throw new FieldPathError(`${msg} at column ${at + 1} of field path "${path}"`, path, at);
  };
  if (path.length === 0) fail("empty field path", 0);
  const c0 = path.charCodeAt(0);
  if (!(c0 >= 65 && c0 <= 90)) fail("segment name must start with an upper-case letter", 0);
  while (pos < path.length && isUpperAlnum(path.charCodeAt(pos))) pos++;
  if (pos !== 3) fail("segment name must be 3 characters (A-Z, 0-9)", Math.min(pos, 3));
  const segment = path.slice(0, 3);

  const number = (what: string): number => {
    const from = pos;
    while (pos < path.length && path.charCodeAt(pos) >= 48 && path.charCodeAt(pos) <= 57) pos++;
    if (pos === from) fail(`expected ${what} number`, from);
    const n = Number(path.slice(from, pos));
    if (n < 1 || !Number.isSafeInteger(n)) fail(`${what} number must be 1 or more`, from);
    return n;
  };
  const bracket = (what: string): number | undefined => {
    if (path[pos] !== "[") return undefined;
    pos++;
    const n = number(what);
    if (path[pos] !== "]") fail(`expected "]" after ${what}`);
    pos++;
    return n;
  };

  const segmentIndex = bracket("segment occurrence");
  if (path[pos] !== "-" && path[pos] !== ".") fail(`expected "-" and a field number after "${segment}"`);
  pos++;
  const field = number("field");
  const repetition = bracket("repetition");
  let component: number | undefined;
  let subcomponent: number | undefined;
  if (path[pos] === ".") {
    pos++;
    component = number("component");
    if (path[pos] === ".") {
      pos++;
      subcomponent = number("subcomponent");
    }
  }
  if (pos !== path.length) fail(`unexpected "${path[pos]}"`);
  const out: {
    segment: string;
    segmentIndex?: number;
    field: number;
    repetition?: number;
    component?: number;
    subcomponent?: number;
  } = { segment, field };
  if (segmentIndex !== undefined) out.segmentIndex = segmentIndex;
  if (repetition !== undefined) out.repetition = repetition;
  if (component !== undefined) out.component = component;
  if (subcomponent !== undefined) out.subcomponent = subcomponent;
  return Object.freeze(out);
}
