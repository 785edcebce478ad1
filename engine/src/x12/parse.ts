/**
 * Tolerant X12 scanner. Separators come from each ISA; CR/LF after a segment terminator are line
 * breaks, kept for a byte-exact `encode()`. Segments are split into groups (GS … GE) and transaction
 * sets (ST … SE); anything out of place, and every envelope mismatch, becomes a positioned issue.
 * Only a text without an ISA throws (`X12ParseError`).
 */
import { X12ParseError } from "./errors.js";
import { type InterchangeParts, X12Group, X12Interchange, X12Transaction } from "./interchange.js";
import type { X12Issue } from "./issues.js";
import { X12Segment } from "./segment.js";
import { readIsa, type X12Separators } from "./separators.js";
import { validateEnvelope } from "./validate.js";

/** Offset of the first `ISA` followed by a separator character at or after `from`; -1 when none. */
export function findIsa(text: string, from = 0): number {
  for (let i = text.indexOf("ISA", from); i >= 0; i = text.indexOf("ISA", i + 1)) {
    const c = text[i + 3];
    if (c !== undefined && !/[A-Za-z0-9\s]/.test(c)) return i;
  }
  return -1;
}

/**
 * Parses the first interchange of `text`. Text before its ISA and after its IEA is kept (so
 * `encode()` returns `text`); a further interchange after it is reported (`X12_MORE_INTERCHANGES`):
 * read those with `parseX12Batch`.
 */
export function parseX12(text: string): X12Interchange {
  const at = findIsa(text);
  if (at < 0) throw new X12ParseError("no ISA segment: this is not an X12 interchange", 0);
  return scanInterchange(text, at, text.slice(0, at), true);
}

/**
 * Every interchange of a file, in order, with file-wide offsets. Text between interchanges is kept
 * as the lead of the next one (and after the last as its tail). Throws only when there is no ISA.
 */
export function parseX12Batch(text: string): X12Interchange[] {
  const out: X12Interchange[] = [];
  let from = 0;
  for (let at = findIsa(text); at >= 0; at = findIsa(text, from)) {
    const ic = scanInterchange(text, at, text.slice(from, at), false);
    out.push(ic);
    from = ic.end;
  }
  if (out.length === 0) throw new X12ParseError("no ISA segment: this is not an X12 interchange", 0);
  return out;
}

function scanInterchange(text: string, at: number, lead: string, single: boolean): X12Interchange {
  const header = readIsa(text, at);
  const issues: X12Issue[] = [...header.issues];
  const seps = header.separators;
  const { segments, gaps, end } = scanSegments(text, at, seps, issues);
  const groups = structure(segments, issues);
  let tail = "";
  if (single) tail = text.slice(end);
  else if (findIsa(text, end) < 0) tail = text.slice(end);
  if (tail.trim() !== "") {
    const next = findIsa(text, end);
    const more = single && next >= 0;
    issues.push({
      code: more ? "X12_MORE_INTERCHANGES" : "X12_TRAILING_TEXT",
      severity: more ? "info" : "warning",
      message: more
        ? "more interchanges follow; parseX12Batch reads them all"
        : "text after the interchange is not part of it",
      offset: more ? next : end,
      length: more ? 3 : text.length - end,
    });
  }
  const parts: InterchangeParts = {
    separators: seps,
    version: header.version,
    segments,
    gaps,
    groups,
    issues,
    start: at,
    end,
    lead,
    tail,
  };
  const ic = new X12Interchange(parts);
  issues.push(...validateEnvelope(ic));
  issues.sort((a, b) => a.offset - b.offset);
  return ic;
}

const SEGMENT_ID = /^[A-Z0-9]{2,3}$/;
const isLineBreak = (c: string | undefined): boolean => c === "\r" || c === "\n";

/** Cuts segments from the ISA to the IEA (or to the next ISA / the end when the IEA is missing). */
function scanSegments(
  text: string,
  at: number,
  seps: X12Separators,
  issues: X12Issue[],
): { segments: X12Segment[]; gaps: string[]; end: number } {
  const segments: X12Segment[] = [];
  const gaps: string[] = [];
  let i = at;
  while (i < text.length) {
    if (segments.length > 0 && text.startsWith("ISA", i) && findIsa(text, i) === i) break;
    const t = text.indexOf(seps.segment, i);
    const segEnd = t < 0 ? text.length : t;
    const seg = new X12Segment(text.slice(i, segEnd), i, seps);
    segments.push(seg);
    if (!SEGMENT_ID.test(seg.id))
      issues.push({
        code: "X12_BAD_SEGMENT_ID",
        severity: "error",
        message: "a segment id is 2-3 upper-case letters or digits",
        offset: i,
        length: Math.max(1, seg.id.length),
      });
    if (t < 0) {
      issues.push({
        code: "X12_NO_TERMINATOR",
        severity: "warning",
        message: "the last segment has no segment terminator",
        offset: i,
        length: segEnd - i,
      });
      gaps.push("");
      i = segEnd;
      break;
    }
    let j = t + 1;
    while (j < text.length && (isLineBreak(text[j]) || text[j] === seps.segment)) {
      if (text[j] === seps.segment)
        issues.push({
          code: "X12_EMPTY_SEGMENT",
          severity: "warning",
          message: "empty segment (two terminators in a row)",
          offset: j,
          length: 1,
        });
      j++;
    }
    gaps.push(text.slice(t, j));
    i = j;
    if (seg.id === "IEA") break;
  }
  return { segments, gaps, end: i };
}

/** Groups GS … GE and transaction sets ST … SE; segments out of place become issues. */
function structure(segments: readonly X12Segment[], issues: X12Issue[]): X12Group[] {
  const groups: X12Group[] = [];
  let group: { start: number; txs: X12Transaction[] } | undefined;
  let tx: number | undefined;
  const closeTx = (last: number): void => {
    if (tx === undefined || !group) return;
    group.txs.push(new X12Transaction(segments.slice(tx, last + 1), tx));
    tx = undefined;
  };
  const closeGroup = (last: number): void => {
    if (!group) return;
    groups.push(new X12Group(segments.slice(group.start, last + 1), group.txs, group.start));
    group = undefined;
  };
  const misplaced = (seg: X12Segment, code: string, message: string): void => {
    issues.push({ code, severity: "error", message, offset: seg.start, length: seg.text.length });
  };
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i] as X12Segment;
    switch (seg.id) {
      case "GS":
        closeTx(i - 1);
        closeGroup(i - 1);
        group = { start: i, txs: [] };
        break;
      case "ST":
        if (!group) {
          misplaced(seg, "X12_OUTSIDE_GROUP", "ST outside a functional group (no GS before it)");
          break;
        }
        closeTx(i - 1);
        tx = i;
        break;
      case "SE":
        if (tx === undefined) misplaced(seg, "X12_OUTSIDE_TRANSACTION", "SE without an ST");
        else closeTx(i);
        break;
      case "GE":
        closeTx(i - 1);
        if (!group) misplaced(seg, "X12_OUTSIDE_GROUP", "GE without a GS");
        else closeGroup(i);
        break;
      case "IEA":
        closeTx(i - 1);
        closeGroup(i - 1);
        break;
      case "TA1":
        if (group) misplaced(seg, "X12_OUTSIDE_TRANSACTION", "TA1 belongs before the first GS");
        break;
      default:
        if (tx === undefined)
          misplaced(seg, "X12_OUTSIDE_TRANSACTION", `${seg.id} outside a transaction set (ST … SE)`);
    }
  }
  closeTx(segments.length - 1);
  closeGroup(segments.length - 1);
  return groups;
}
