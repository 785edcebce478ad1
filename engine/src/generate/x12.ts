/**
 * Synthetic X12 5010 eligibility: a 270 inquiry per seed and sequence number, and the 271 a payer
 * would answer it with (tests and benches play the payer with it). Names are invented (SAMPLE, TEST…),
 * member ids carry a TEST prefix, NPIs are the documented example 1234567893.
 */
import { parseX12, writeInterchange, type X12Interchange, x12Date } from "../x12/index.js";
import { patient } from "./people.js";
import type { Rng } from "./rng.js";

const PAYER = { qualifier: "ZZ", id: "SAMPLEPAYER", name: "SAMPLE HEALTH PLAN" };
const PROVIDER = { qualifier: "ZZ", id: "SAMPLECLINIC", name: "SAMPLE CLINIC", npi: "1234567893" };

/** A 270 inquiry interchange (LF after each terminator, for reading), deterministic for the generator's seed. */
export function generate270(rng: Rng, seq: number): string {
  const p = patient(rng);
  const date = new Date(Date.UTC(2026, rng.int(0, 11), rng.int(1, 28), rng.int(7, 18), rng.int(0, 59)));
  const day = x12Date(date).ccyymmdd;
  const control = Number(`${rng.int(1, 9)}${rng.digits(4)}${String(seq).padStart(4, "0")}`);
  return writeInterchange({
    sender: { qualifier: PROVIDER.qualifier, id: PROVIDER.id },
    receiver: { qualifier: PAYER.qualifier, id: PAYER.id },
    controlNumber: control,
    date,
    ackRequested: true,
    usage: "T",
    lineBreak: "\n",
    groups: [
      {
        functionalId: "HS",
        version: "005010X279A1",
        transactions: [
          {
            type: "270",
            implementation: "005010X279A1",
            body: [
              `BHT*0022*13*REQ${rng.digits(8)}*${day}*${x12Date(date).hhmm}`,
              "HL*1**20*1",
              `NM1*PR*2*${PAYER.name}*****PI*${PAYER.id}`,
              "HL*2*1*21*1",
              `NM1*1P*2*${PROVIDER.name}*****XX*${PROVIDER.npi}`,
              "HL*3*2*22*0",
              `TRN*1*${rng.digits(10)}*9${PROVIDER.npi}`,
              `NM1*IL*1*${p.family}*${p.given}****MI*${p.mrn}`,
              `DMG*D8*${p.dob}*${p.sex === "U" ? "U" : p.sex}`,
              `DTP*291*D8*${day}`,
              "EQ*30",
            ],
          },
        ],
      },
    ],
  });
}

export interface Answer271Options {
  /** EB-01 for each subscriber: `1` active coverage (default), `6` inactive. */
  coverage?: "1" | "6";
  /** ISA-13 of the answer; default the inquiry's. */
  controlNumber?: string | number;
  date?: Date;
}

/**
 * The 271 answering a 270 (same separators, sender and receiver swapped): per inquiry set, the
 * payer, provider and subscriber levels echoed with one EB per subscriber. Synthetic, for tests.
 */
export function answer271(inquiry: X12Interchange | string, options: Answer271Options = {}): string {
  const ic = typeof inquiry === "string" ? parseX12(inquiry) : inquiry;
  const e = ic.separators.element;
  const isa = ic.isa;
  const el = (n: number) => (isa.element(n) ?? "").trim();
  const coverage = options.coverage ?? "1";
  return writeInterchange({
    sender: { qualifier: el(7), id: el(8) },
    receiver: { qualifier: el(5), id: el(6) },
    controlNumber: options.controlNumber ?? ic.controlNumber,
    date: options.date,
    version: ic.version,
    usage: ic.usage === "T" ? "T" : "P",
    separators: ic.separators,
    lineBreak: ic.gapAfter(0).slice(ic.separators.segment.length),
    groups: ic.groups.map((g) => ({
      functionalId: "HB",
      version: "005010X279A1",
      transactions: g.transactions.map((t) => {
        const body: string[] = [];
        for (const s of t.segments.slice(1, -1)) {
          if (s.id === "BHT")
            body.push(
              ["BHT", "0022", "11", s.element(3) ?? "", s.element(4) ?? "", s.element(5) ?? ""].join(e),
            );
          else if (s.id === "EQ")
            body.push(["EB", coverage, "IND", s.element(1) ?? "30", "", "SAMPLE GOLD PLAN"].join(e));
          else if (s.id === "TRN") body.push(["TRN", "2", ...[2, 3].map((n) => s.element(n) ?? "")].join(e));
          else if (s.id !== "DTP") body.push(s.text);
        }
        return { type: "271", controlNumber: t.controlNumber, implementation: "005010X279A1", body };
      }),
    })),
  });
}
