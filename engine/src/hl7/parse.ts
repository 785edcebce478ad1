/**
 * The tolerant ER7 scanner. One pass finds segment boundaries (CR, LF or CRLF; blank lines are kept
 * as part of the terminator so encoding is exact); fields are indexed later, on demand, by Segment.
 * Parsing never fails once an MSH is found: oddities become ParseIssues.
 */
import { Hl7ParseError } from "./errors.js";
import { Message, type ParseIssue } from "./message.js";
import { Segment } from "./segment.js";
import { DEFAULT_SEPARATORS, readSeparators, type Separators } from "./separators.js";

/** Parses one message. Throws Hl7ParseError (with `.offset`) only when the text holds no MSH at all. */
export function parse(text: string): Message {
  const msh = findMsh(text, 0);
  if (msh < 0) {
    throw new Hl7ParseError(
      `no MSH segment found in ${text.length} characters of input: not an HL7 v2 message`,
      0,
    );
  }
  const issues: ParseIssue[] = [];
  if (msh > 0) {
    issues.push({
      code: "HL7_TEXT_BEFORE_MSH",
      message: `${msh} character(s) before the MSH segment were ignored`,
      start: 0,
      end: msh,
    });
  }
  const m = scanMessage(text, msh, false, issues);
  if (m.end < text.length) {
    issues.push({
      code: "HL7_MORE_MESSAGES",
      message: "another MSH follows; only the first message was read (use parseBatch for files)",
      start: m.end,
      end: text.length,
    });
  }
  return m;
}

/** Result of reading a batch or concatenated file, with its envelope and what was skipped. */
export interface BatchParse {
  readonly messages: Message[];
  /** FHS/BHS/BTS/FTS segments, in file order. */
  readonly envelope: Segment[];
  /** Lines outside any message that were not envelope segments, and similar oddities. */
  readonly issues: ParseIssue[];
}

/** Every message of a batch (FHS/BHS/.../BTS/FTS) or plainly concatenated file. */
export function parseBatch(text: string): Message[] {
  return parseBatchFile(text).messages;
}

/** Like parseBatch, but also returns the batch envelope and the skipped text. Offsets are file-wide. */
export function parseBatchFile(text: string): BatchParse {
  const messages: Message[] = [];
  const envelope: Segment[] = [];
  const issues: ParseIssue[] = [];
  let envSep: Separators = DEFAULT_SEPARATORS;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    if (startsWithAt(text, pos, "MSH")) {
      const m = scanMessage(text, pos, true, []);
      messages.push(m);
      pos = m.end;
      continue;
    }
    const { end, next } = lineAt(text, pos);
    const head = text.slice(pos, pos + 3);
    if (head === "FHS" || head === "BHS") envSep = readSeparators(text, pos).separators;
    if (head === "FHS" || head === "BHS" || head === "BTS" || head === "FTS") {
      envelope.push(new Segment(head, text.slice(pos, end), pos, text.slice(end, next), envSep));
    } else if (end > pos && text.slice(pos, end).trim() !== "") {
      issues.push({
        code: "HL7_TEXT_OUTSIDE_MESSAGE",
        message: "text outside any message was skipped",
        start: pos,
        end,
      });
    }
    pos = next;
  }
  return { messages, envelope, issues };
}

/** Offset of the first MSH that starts a line (falling back to any `MSH` followed by a separator). */
export function findMsh(text: string, from: number): number {
  let at = text.indexOf("MSH", from);
  const first = at;
  while (at >= 0) {
    const prev = at === 0 ? 10 : text.charCodeAt(at - 1);
    if (prev === 13 || prev === 10) return at;
    at = text.indexOf("MSH", at + 1);
  }
  // Tolerate a BOM, a stray MLLP byte or other junk glued to the header.
  at = first;
  while (at >= 0) {
    if (at + 3 < text.length && !isAlnum(text.charCodeAt(at + 3))) return at;
    at = text.indexOf("MSH", at + 1);
  }
  return -1;
}

function scanMessage(text: string, msh: number, stopAtEnvelope: boolean, issues: ParseIssue[]): Message {
  const { separators } = readSeparators(text, msh);
  const fsCode = separators.field === "" ? -1 : separators.field.charCodeAt(0);
  if (fsCode < 0 || fsCode === 13 || fsCode === 10 || isAlnum(fsCode)) {
    issues.push({
      code: "HL7_BAD_SEPARATORS",
      message: "MSH-1 does not hold a usable field separator; fields cannot be split",
      start: msh + 3,
      end: msh + 4,
    });
  }
  const fs = separators.field;
  const segments: Segment[] = [];
  const n = text.length;
  let pos = msh;
  let cr = text.indexOf("\r", pos);
  let lf = text.indexOf("\n", pos);
  while (pos < n) {
    if (pos !== msh && isBoundary(text, pos, stopAtEnvelope)) break;
    if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
    if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
    const e = cr < 0 ? (lf < 0 ? n : lf) : lf < 0 ? cr : Math.min(cr, lf);
    let t = e;
    while (t < n) {
      const c = text.charCodeAt(t);
      if (c !== 13 && c !== 10) break;
      t++;
    }
    let name: string;
    if (e - pos === 3 || (e - pos > 3 && text[pos + 3] === fs)) {
      name = text.slice(pos, pos + 3);
      if (!isSegmentName(text, pos)) badName(issues, pos, pos + 3);
    } else {
      const f = fs === "" ? -1 : text.indexOf(fs, pos);
      const nameEnd = f < 0 || f > e ? e : f;
      name = text.slice(pos, nameEnd);
      badName(issues, pos, nameEnd);
    }
    segments.push(new Segment(name, text.slice(pos, e), pos, e === t ? "" : text.slice(e, t), separators));
    pos = t;
  }
  return new Message(text, msh, pos, separators, segments, issues);
}

function badName(issues: ParseIssue[], start: number, end: number): void {
  issues.push({
    code: "HL7_BAD_SEGMENT_NAME",
    message: "segment name is not 3 characters A-Z/0-9",
    start,
    end,
  });
}

function isBoundary(text: string, pos: number, envelope: boolean): boolean {
  if (startsWithAt(text, pos, "MSH")) return true;
  if (!envelope) return false;
  return (
    startsWithAt(text, pos, "BHS") ||
    startsWithAt(text, pos, "BTS") ||
    startsWithAt(text, pos, "FHS") ||
    startsWithAt(text, pos, "FTS")
  );
}

function startsWithAt(text: string, pos: number, s: string): boolean {
  return (
    text.charCodeAt(pos) === s.charCodeAt(0) &&
    text.charCodeAt(pos + 1) === s.charCodeAt(1) &&
    text.charCodeAt(pos + 2) === s.charCodeAt(2)
  );
}

function lineAt(text: string, pos: number): { end: number; next: number } {
  let end = pos;
  const n = text.length;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (c === 13 || c === 10) break;
    end++;
  }
  let next = end;
  while (next < n) {
    const c = text.charCodeAt(next);
    if (c !== 13 && c !== 10) break;
    next++;
  }
  return { end, next };
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isSegmentName(text: string, pos: number): boolean {
  const a = text.charCodeAt(pos);
  const b = text.charCodeAt(pos + 1);
  const c = text.charCodeAt(pos + 2);
  return (
    a >= 65 &&
    a <= 90 &&
    ((b >= 65 && b <= 90) || (b >= 48 && b <= 57)) &&
    ((c >= 65 && c <= 90) || (c >= 48 && c <= 57))
  );
}
