/**
 * Envelope validation: ISA/IEA, GS/GE and ST/SE control numbers and counts. Run at parse time (its
 * findings are in `interchange.issues`) and again on demand after edits.
 */
import type { X12Interchange } from "./interchange.js";
import type { X12Issue } from "./issues.js";
import type { X12Segment } from "./segment.js";

/** Control numbers match when equal as written, or equal as numbers (`0001` and `1`). */
function sameControl(a: string | undefined, b: string | undefined): boolean {
  const x = (a ?? "").trim();
  const y = (b ?? "").trim();
  return x === y || (/^\d+$/.test(x) && /^\d+$/.test(y) && Number(x) === Number(y));
}

function countIs(written: string | undefined, actual: number): boolean {
  const w = (written ?? "").trim();
  return /^\d+$/.test(w) && Number(w) === actual;
}

export function validateEnvelope(ic: X12Interchange): X12Issue[] {
  const issues: X12Issue[] = [];
  const at = (seg: X12Segment, code: string, message: string, severity: X12Issue["severity"] = "error") =>
    issues.push({ code, severity, message, offset: seg.start, length: seg.text.length });
  const isa = ic.isa;
  if (isa.elementCount < 16) at(isa, "X12_ISA_ELEMENTS", `ISA has ${isa.elementCount} elements, not 16`);
  if (!/^\d{9}$/.test(ic.controlNumber))
    at(isa, "X12_ISA_CONTROL", "ISA-13 (interchange control number) is not 9 digits", "warning");
  const iea = ic.iea;
  const last = ic.segments[ic.segments.length - 1] as X12Segment;
  if (!iea) at(last, "X12_IEA_MISSING", "the interchange has no IEA (it ends here)");
  else {
    if (!countIs(iea.element(1), ic.groups.length))
      at(
        iea,
        "X12_IEA_COUNT",
        `IEA-01 says ${iea.element(1) ?? "nothing"}; there are ${ic.groups.length} functional groups`,
      );
    if (!sameControl(iea.element(2), ic.controlNumber))
      at(iea, "X12_IEA_CONTROL", "IEA-02 does not match ISA-13");
  }
  for (const g of ic.groups) {
    const ge = g.ge;
    if (!ge)
      at(g.segments[g.segments.length - 1] as X12Segment, "X12_GE_MISSING", "the functional group has no GE");
    else {
      if (!countIs(ge.element(1), g.transactions.length))
        at(
          ge,
          "X12_GE_COUNT",
          `GE-01 says ${ge.element(1) ?? "nothing"}; the group has ${g.transactions.length} transaction sets`,
        );
      if (!sameControl(ge.element(2), g.controlNumber))
        at(ge, "X12_GE_CONTROL", "GE-02 does not match GS-06");
    }
    for (const t of g.transactions) {
      const se = t.se;
      if (!se)
        at(
          t.segments[t.segments.length - 1] as X12Segment,
          "X12_SE_MISSING",
          "the transaction set has no SE",
        );
      else {
        if (!countIs(se.element(1), t.segments.length))
          at(
            se,
            "X12_SE_COUNT",
            `SE-01 says ${se.element(1) ?? "nothing"}; the set has ${t.segments.length} segments (ST and SE included)`,
          );
        if (!sameControl(se.element(2), t.controlNumber))
          at(se, "X12_SE_CONTROL", "SE-02 does not match ST-02");
      }
    }
  }
  return issues;
}
