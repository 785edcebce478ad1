/**
 * Allocation-light splitting helpers: find the n-th part of a string between single-character
 * separators with indexOf, without building arrays. An empty separator (not declared in MSH-2)
 * means "this level is not split".
 */
import { Hl7EditError } from "./errors.js";

/** The 1-based n-th part of `text` split by `sep`, or undefined when there are fewer parts. */
export function nthPart(text: string, sep: string, n: number): string | undefined {
  if (sep === "") return n === 1 ? text : undefined;
  let from = 0;
  for (let i = 1; i < n; i++) {
    const at = text.indexOf(sep, from);
    if (at < 0) return undefined;
    from = at + 1;
  }
  const end = text.indexOf(sep, from);
  if (end < 0) return from === 0 ? text : text.slice(from);
  return text.slice(from, end);
}

/** How many parts `text` has when split by `sep` (an empty text still has one, empty, part). */
export function countParts(text: string, sep: string): number {
  if (sep === "") return 1;
  let n = 1;
  let at = text.indexOf(sep);
  while (at >= 0) {
    n++;
    at = text.indexOf(sep, at + 1);
  }
  return n;
}

/** Every part of `text` split by `sep` (an empty separator yields the whole text). */
export function allParts(text: string, sep: string): string[] {
  return sep === "" ? [text] : text.split(sep);
}

/**
 * Replaces the 1-based n-th part of `text`, padding with separators when it does not exist yet.
 * `fn` receives the old part (undefined when absent). Writing "" into an absent part changes nothing,
 * so clearing never adds separators. Everything outside the part is kept byte-for-byte.
 */
export function replacePart(
  text: string,
  sep: string,
  n: number,
  fn: (old: string | undefined) => string,
  what: string,
): string {
  if (sep === "") {
    if (n === 1) return fn(text);
    throw new Hl7EditError(`cannot address ${what} ${n}: MSH-2 declares no separator for that level`, what);
  }
  let from = 0;
  let i = 1;
  for (; i < n; i++) {
    const at = text.indexOf(sep, from);
    if (at < 0) break;
    from = at + 1;
  }
  if (i < n) {
    const v = fn(undefined);
    return v === "" ? text : text + sep.repeat(n - i) + v;
  }
  const end = text.indexOf(sep, from);
  const e = end < 0 ? text.length : end;
  return text.slice(0, from) + fn(text.slice(from, e)) + text.slice(e);
}
