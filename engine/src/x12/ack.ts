/**
 * Acknowledgments: TA1 (interchange) and 999 (implementation acknowledgment, one per functional
 * group), built from a parsed interchange and its envelope issues. Both are addressed back to the
 * sender (ISA-06/08 swapped) and written with `writeInterchange`, so their own envelopes are valid.
 */
import { type Party, writeInterchange } from "./envelope.js";
import type { X12Group, X12Interchange, X12Transaction } from "./interchange.js";
import type { X12Issue } from "./issues.js";

/** TA1-04: accepted, accepted with errors, rejected. */
export type Ta1Code = "A" | "E" | "R";

export interface AckBuildOptions {
  /** ISA-13 of the acknowledgment. Default: the received ISA-13. */
  controlNumber?: string | number;
  /** Default now. */
  date?: Date;
}

/** Interchange issues → TA1-05 note codes (X12 TA1 note code list); first match wins. */
const TA1_NOTES: readonly [code: string, note: string, ack: Ta1Code][] = [
  ["X12_IEA_MISSING", "023", "R"],
  ["X12_ISA_ELEMENTS", "024", "R"],
  ["X12_IEA_CONTROL", "001", "E"],
  ["X12_IEA_COUNT", "021", "E"],
  ["X12_ISA_CONTROL", "018", "E"],
];

/** The TA1 verdict for an interchange: `A`/`000` unless an interchange-level issue says otherwise. */
export function ta1Outcome(ic: X12Interchange): { code: Ta1Code; note: string } {
  for (const [code, note, ack] of TA1_NOTES)
    if (ic.issues.some((i) => i.code === code)) return { code: ack, note };
  return { code: "A", note: "000" };
}

/** Sender and receiver of an answer: the received ISA's receiver and sender. */
function replyParties(ic: X12Interchange): { sender: Party; receiver: Party } {
  const isa = ic.isa;
  const gs = ic.groups[0]?.gs;
  const party = (q: number, id: number, code: number): Party => {
    const p: Party = { qualifier: isa.element(q) ?? "ZZ", id: isa.element(id) ?? "" };
    const c = gs?.element(code);
    if (c) p.code = c;
    return p;
  };
  return { sender: party(7, 8, 3), receiver: party(5, 6, 2) };
}

function lineBreakOf(ic: X12Interchange): string {
  const gap = ic.gapAfter(0);
  return gap.slice(ic.separators.segment.length);
}

/** A TA1 interchange acknowledging `ic` (TA1*ISA13*ISA09*ISA10*A|E|R*note). */
export function buildTa1(ic: X12Interchange, options: AckBuildOptions = {}): string {
  const { code, note } = ta1Outcome(ic);
  const isa = ic.isa;
  const e = ic.separators.element;
  const ta1 = ["TA1", ic.controlNumber, isa.element(9) ?? "", isa.element(10) ?? "", code, note].join(e);
  return writeInterchange({
    ...replyParties(ic),
    controlNumber: options.controlNumber ?? ic.controlNumber,
    date: options.date,
    version: ic.version,
    usage: ic.usage === "T" ? "T" : "P",
    separators: ic.separators,
    lineBreak: lineBreakOf(ic),
    interchangeSegments: [ta1],
    groups: [],
  });
}

/** IK5-02 / AK9-05 codes for envelope issues of a transaction set / group. */
const IK5_CODES: Readonly<Record<string, string>> = {
  X12_SE_MISSING: "2",
  X12_SE_CONTROL: "3",
  X12_SE_COUNT: "4",
  X12_BAD_SEGMENT_ID: "5",
  X12_EMPTY_SEGMENT: "5",
  X12_OUTSIDE_TRANSACTION: "5",
};
const AK9_CODES: Readonly<Record<string, string>> = {
  X12_GE_MISSING: "3",
  X12_GE_CONTROL: "4",
  X12_GE_COUNT: "5",
};

function within(issues: readonly X12Issue[], first: number, endExclusive: number): X12Issue[] {
  return issues.filter((i) => i.offset >= first && i.offset < endExclusive);
}

function spanOf(segs: readonly { start: number; text: string }[]): [number, number] {
  const last = segs[segs.length - 1];
  return [segs[0]?.start ?? 0, last ? last.start + last.text.length + 1 : 0];
}

/** The 999 verdict of one transaction set: accepted, or rejected with its IK5-02 code. */
export function transactionOutcome(
  ic: X12Interchange,
  t: X12Transaction,
): { code: "A" | "R"; reason?: string } {
  const [from, to] = spanOf(t.segments);
  for (const i of within(ic.issues, from, to)) {
    const reason = IK5_CODES[i.code];
    if (reason) return { code: "R", reason };
  }
  return { code: "A" };
}

/** 999 (00501) and 997 (00401) differ in the set id, the per-set trailer (IK5/AK5) and versions. */
interface AckKind {
  type: "999" | "997";
  setTrailer: "IK5" | "AK5";
  version: string;
}
const ACK_999: AckKind = { type: "999", setTrailer: "IK5", version: "005010X231A1" };
const ACK_997: AckKind = { type: "997", setTrailer: "AK5", version: "004010" };

function groupBody(ic: X12Interchange, g: X12Group, kind: AckKind): string[] {
  const e = ic.separators.element;
  const body = [["AK1", g.functionalId, g.controlNumber, ...(kind === ACK_999 ? [g.version] : [])].join(e)];
  let accepted = 0;
  for (const t of g.transactions) {
    const out = transactionOutcome(ic, t);
    const st3 = kind === ACK_999 ? t.st.element(3) : undefined;
    body.push(["AK2", t.type, t.controlNumber, ...(st3 ? [st3] : [])].join(e));
    body.push([kind.setTrailer, out.code, ...(out.reason ? [out.reason] : [])].join(e));
    if (out.code === "A") accepted++;
  }
  const [from, to] = spanOf(g.segments);
  const groupIssue = within(ic.issues, from, to).find(
    (i) => AK9_CODES[i.code] && i.code.startsWith("X12_GE"),
  );
  const n = g.transactions.length;
  let ak9 = accepted === n ? "A" : accepted === 0 ? "R" : "P";
  if (groupIssue) ak9 = "R";
  const tail = groupIssue ? [AK9_CODES[groupIssue.code] as string] : [];
  body.push(["AK9", ak9, String(n), String(n), String(groupIssue ? 0 : accepted), ...tail].join(e));
  return body;
}

/** A 999 interchange: one 999 transaction set per functional group of `ic`, in one FA group. */
export function build999(ic: X12Interchange, options: AckBuildOptions = {}): string {
  return buildFunctionalAck(ic, ACK_999, options);
}

/** A 997 (the 00401-era functional acknowledgment), shaped like `build999` with AK5 per set. */
export function build997(ic: X12Interchange, options: AckBuildOptions = {}): string {
  return buildFunctionalAck(ic, ACK_997, options);
}

function buildFunctionalAck(ic: X12Interchange, kind: AckKind, options: AckBuildOptions): string {
  return writeInterchange({
    ...replyParties(ic),
    controlNumber: options.controlNumber ?? ic.controlNumber,
    date: options.date,
    version: ic.version,
    usage: ic.usage === "T" ? "T" : "P",
    separators: ic.separators,
    lineBreak: lineBreakOf(ic),
    groups: [
      {
        functionalId: "FA",
        version: kind.version,
        transactions: ic.groups.map((g) => ({
          type: kind.type,
          ...(kind === ACK_999 ? { implementation: kind.version } : {}),
          body: groupBody(ic, g, kind),
        })),
      },
    ],
  });
}
