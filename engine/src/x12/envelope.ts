/**
 * Writing interchanges: an ISA with its fixed widths, groups and transaction sets whose SE, GE and
 * IEA counts and control numbers are computed, never typed. The acknowledgment builders and the
 * synthetic generator use it, so every interchange the engine writes has a valid envelope.
 */
import type { X12Separators } from "./separators.js";

export interface Party {
  /** ISA-05 / ISA-07 qualifier, e.g. `ZZ` (mutually defined) or `30` (tax id). */
  qualifier: string;
  /** ISA-06 / ISA-08 (up to 15 characters); also GS-02 / GS-03 unless `code` is given. */
  id: string;
  /** GS-02 / GS-03 application code when it differs from the id. */
  code?: string;
}

export interface TransactionSpec {
  /** ST-01, e.g. `270`. */
  type: string;
  /** ST-02; default the set's position, 4 digits (`0001`). */
  controlNumber?: string;
  /** ST-03 implementation reference (00501), e.g. `005010X279A1`. */
  implementation?: string;
  /** Segments between ST and SE, each without terminator, elements joined with the element separator. */
  body: readonly string[];
}

export interface GroupSpec {
  /** GS-01, e.g. `HS` (270), `HB` (271), `FA` (999). */
  functionalId: string;
  /** GS-06; default the interchange control number's last digits. */
  controlNumber?: string;
  /** GS-08, e.g. `005010X279A1`. */
  version: string;
  transactions: readonly TransactionSpec[];
}

export interface InterchangeSpec {
  sender: Party;
  receiver: Party;
  /** ISA-13 (up to 9 digits, zero-padded). */
  controlNumber: string | number;
  /** ISA-09/10 and GS-04/05 (UTC). Default now. */
  date?: Date;
  /** ISA-12; default `00501`. */
  version?: string;
  /** ISA-14: ask for a TA1. Default false. */
  ackRequested?: boolean;
  /** ISA-15: `P` production or `T` test. Default `P`. */
  usage?: "P" | "T";
  /** Default `*`, `:`, `^` (00501 only), `~`. */
  separators?: Partial<X12Separators>;
  /** Written after each terminator (e.g. `"\r\n"`); default none. */
  lineBreak?: string;
  /** Interchange-level segments between ISA and the first GS (a TA1). */
  interchangeSegments?: readonly string[];
  groups: readonly GroupSpec[];
}

export const DEFAULT_X12_SEPARATORS: Readonly<Required<X12Separators>> = {
  element: "*",
  component: ":",
  repetition: "^",
  segment: "~",
};

const two = (n: number): string => String(n).padStart(2, "0");

/** `YYMMDD`, `CCYYMMDD` and `HHMM` of a date in UTC. */
export function x12Date(d: Date): { yymmdd: string; ccyymmdd: string; hhmm: string } {
  const ccyymmdd = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
  return { ccyymmdd, yymmdd: ccyymmdd.slice(2), hhmm: `${two(d.getUTCHours())}${two(d.getUTCMinutes())}` };
}

/** Writes a whole interchange; counts and trailers are derived from the spec. */
export function writeInterchange(spec: InterchangeSpec): string {
  const version = spec.version ?? "00501";
  const s = { ...DEFAULT_X12_SEPARATORS, ...spec.separators };
  const taken = [s.element, s.component, s.segment];
  // Separators of a received interchange may take the default repetition character: pick a free one.
  const free = [s.repetition, ..."^{}|!"].find((c) => !taken.includes(c)) as string;
  const repetition = version >= "00501" ? free : "U";
  const e = s.element;
  const when = x12Date(spec.date ?? new Date());
  const control = String(spec.controlNumber).padStart(9, "0").slice(-9);
  const isa = [
    "ISA",
    "00",
    " ".repeat(10),
    "00",
    " ".repeat(10),
    spec.sender.qualifier.padEnd(2).slice(0, 2),
    spec.sender.id.padEnd(15).slice(0, 15),
    spec.receiver.qualifier.padEnd(2).slice(0, 2),
    spec.receiver.id.padEnd(15).slice(0, 15),
    when.yymmdd,
    when.hhmm,
    repetition,
    version,
    control,
    spec.ackRequested ? "1" : "0",
    spec.usage ?? "P",
    s.component,
  ].join(e);
  const out: string[] = [isa, ...(spec.interchangeSegments ?? [])];
  spec.groups.forEach((g, gi) => {
    const gsControl = g.controlNumber ?? String(Number(control) + gi);
    out.push(
      [
        "GS",
        g.functionalId,
        spec.sender.code ?? spec.sender.id.trim(),
        spec.receiver.code ?? spec.receiver.id.trim(),
        when.ccyymmdd,
        when.hhmm,
        gsControl,
        "X",
        g.version,
      ].join(e),
    );
    g.transactions.forEach((t, ti) => {
      const stControl = t.controlNumber ?? String(ti + 1).padStart(4, "0");
      const st = ["ST", t.type, stControl, ...(t.implementation ? [t.implementation] : [])].join(e);
      out.push(st, ...t.body, ["SE", String(t.body.length + 2), stControl].join(e));
    });
    out.push(["GE", String(g.transactions.length), gsControl].join(e));
  });
  out.push(["IEA", String(spec.groups.length), control].join(e));
  const end = s.segment + (spec.lineBreak ?? "");
  return out.join(end) + end;
}
