/**
 * Why a dry-run message ended UNROUTED or FILTERED, from the steps of `dryrun --trace`: which router
 * returned no handler, which handler returned nothing, where the function is declared, and the fields it
 * read (with values when the run showed PHI). Pure, so the Test Bench and a later Steps view say the same.
 */
import type { DryRunResult, TraceRead, TraceStep } from "messagefoundry/api";

export interface Explanation {
  step: TraceStep["step"];
  name: string;
  file: string;
  line: number;
  /** One sentence, e.g. `Router lab_oru_router (oru.ts:7) returned no handler.` */
  text: string;
  /** The fields it read, e.g. `MSH-9 = ADT^A01` (just the path when values were not shown). */
  reads: string[];
}

function readText(r: TraceRead): string {
  if (!("value" in r)) return r.path;
  return r.value === null || r.value === undefined ? `${r.path} (absent)` : `${r.path} = ${r.value}`;
}

function explain(s: TraceStep, what: string): Explanation {
  const kind = s.step === "router" ? "Router" : "Handler";
  return {
    step: s.step,
    name: s.name,
    file: s.file,
    line: s.line,
    text: `${kind} ${s.name} (${s.file}:${s.line}) ${what}.`,
    reads: [...new Set(s.reads.map(readText))],
  };
}

/** The steps that made `r` UNROUTED or FILTERED; [] for other dispositions or an untraced result. */
export function explainResult(r: DryRunResult): Explanation[] {
  const steps = r.trace ?? [];
  if (r.disposition === "UNROUTED") {
    return steps
      .filter((s) => s.step === "router" && s.result.kind === "handlers" && s.result.handlers.length === 0)
      .map((s) => explain(s, "returned no handler"));
  }
  if (r.disposition === "FILTERED") {
    return steps
      .filter((s) => s.step === "handler" && s.result.kind === "nothing")
      .map((s) => explain(s, "returned nothing"));
  }
  return [];
}
