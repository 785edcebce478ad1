/**
 * Reading one MSH field without parsing, for hot paths that only need the header (a delivery's
 * control id for ACK matching and file names): no Message, no segment index, no split arrays — one
 * scan of the MSH line and one short string for the value. Works on bytes (a payload Buffer) or text.
 * Separators come from the MSH itself, as in parse().
 */

const CR = 13;
const LF = 10;
const SPACE = 32;

/** A string or bytes (a Buffer is a Uint8Array); bytes are read as latin1, as HL7 separators are ASCII. */
export type Hl7Source = string | Uint8Array;

function code(src: Hl7Source, i: number): number {
  return typeof src === "string" ? src.charCodeAt(i) : src[i]!;
}

function slice(src: Hl7Source, start: number, end: number): string {
  if (typeof src === "string") return src.slice(start, end);
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(src[i]!);
  return out;
}

/**
 * The raw (still escaped) text of MSH-`field` of the message `src` starts with — leading line breaks
 * and spaces are skipped — or of its `component` when given (MSH-9.2 → `peekMsh(src, 9, 2)`).
 * Undefined when `src` does not start with an MSH segment or the part is absent; "" when empty.
 * MSH-1 is the field separator and MSH-2 the encoding characters, neither split into components.
 */
export function peekMsh(src: Hl7Source, field: number, component?: number): string | undefined {
  const n = src.length;
  let at = 0;
  for (; at < n; at++) {
    const c = code(src, at);
    if (c !== CR && c !== LF && c !== SPACE) break;
  }
  if (n < at + 4 || code(src, at) !== 77 || code(src, at + 1) !== 83 || code(src, at + 2) !== 72) {
    return undefined; // not "MSH"
  }
  const fs = code(src, at + 3);
  if (fs === CR || fs === LF) return undefined;
  if (field === 1) return component === undefined || component === 1 ? slice(src, at + 3, at + 4) : undefined;
  // Field k (k ≥ 2) starts after the (k-1)-th field separator, counting MSH-1 itself as the first.
  let start = at + 4;
  let i = start;
  let seen = 1;
  for (; i < n && seen < field - 1; i++) {
    const c = code(src, i);
    if (c === CR || c === LF) return undefined;
    if (c === fs) {
      seen++;
      start = i + 1;
    }
  }
  if (seen < field - 1) return undefined;
  let end = start;
  while (end < n) {
    const c = code(src, end);
    if (c === fs || c === CR || c === LF) break;
    end++;
  }
  if (component === undefined) return slice(src, start, end);
  if (field === 2) return component === 1 ? slice(src, start, end) : undefined;
  // The component separator is MSH-2's first character; a repetition ends the first repetition.
  const cs = at + 4 < n ? code(src, at + 4) : -1;
  const rs = at + 5 < n ? code(src, at + 5) : -1;
  let cStart = start;
  let k = 1;
  for (let j = start; j < end && k < component; j++) {
    const c = code(src, j);
    if (c === rs) return undefined;
    if (c === cs) {
      k++;
      cStart = j + 1;
    }
  }
  if (k < component) return undefined;
  let cEnd = cStart;
  while (cEnd < end) {
    const c = code(src, cEnd);
    if (c === cs || c === rs) break;
    cEnd++;
  }
  return slice(src, cStart, cEnd);
}

/** MSA-1 and MSA-2 as a full parse's `get` gives them (undefined when absent, "" when empty). */
export interface PeekedMsa {
  code: string | undefined;
  controlId: string | undefined;
}

/**
 * MSA-1 and MSA-2 of an acknowledgment, read from its bytes without a parse — the delivery path reads
 * every destination's ACK. Only where the answer is certainly the parse's: the bytes start with an
 * MSH, the first MSA line is in the same message, and neither value holds an escape, a component or
 * subcomponent separator, or a byte outside ASCII (where decoding or unescaping would change it).
 * Otherwise undefined: the caller parses.
 */
export function peekMsa(src: Uint8Array): PeekedMsa | undefined {
  const n = src.length;
  let at = 0;
  while (at < n && (src[at] === CR || src[at] === LF || src[at] === SPACE)) at++;
  if (n < at + 8 || src[at] !== 77 || src[at + 1] !== 83 || src[at + 2] !== 72) return undefined;
  const fs = src[at + 3]!;
  // MSH-2 (component, repetition, escape, subcomponent) must be whole, as parse reads it.
  const cs = src[at + 4]!;
  const rs = src[at + 5]!;
  const esc = src[at + 6]!;
  const ss = src[at + 7]!;
  for (const c of [fs, cs, rs, esc, ss]) if (c === CR || c === LF || c >= 0x80) return undefined;
  // The first MSA line: a segment starts after a line break; another MSH ends the message.
  let i = at + 3;
  for (;;) {
    while (i < n && src[i] !== CR && src[i] !== LF) i++;
    while (i < n && (src[i] === CR || src[i] === LF)) i++;
    if (i + 3 >= n) return undefined;
    if (src[i] === 77 && src[i + 1] === 83 && src[i + 2] === 72) return undefined; // "MSH"
    if (src[i] === 77 && src[i + 1] === 83 && src[i + 2] === 65) {
      if (src[i + 3] === fs) break; // "MSA|"
      // A bare "MSA" line is the first MSA segment to a parse (with no fields): leave it to the parse.
      if (src[i + 3] === CR || src[i + 3] === LF) return undefined;
    }
  }
  const values: (string | undefined)[] = [undefined, undefined];
  let start = i + 4;
  for (let f = 0; f < 2; f++) {
    let end = start;
    let cut = -1; // a repetition separator: the first repetition is the value
    for (; end < n; end++) {
      const c = src[end]!;
      if (c === fs || c === CR || c === LF) break;
      if (c === rs) cut = cut < 0 ? end : cut;
      else if (cut < 0 && (c === esc || c === cs || c === ss || c >= 0x80)) return undefined;
    }
    values[f] = slice(src, start, cut < 0 ? end : cut);
    if (end >= n || src[end] !== fs) break; // the segment ends here: the next field is absent
    start = end + 1;
  }
  return { code: values[0], controlId: values[1] };
}
