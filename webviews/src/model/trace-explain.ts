/**
 * Why a dry-run message ended UNROUTED or FILTERED, from the steps of `dryrun --trace`: which router
 * returned no handler, which handler returned nothing, where the function is declared, and the fields it
 * read (with values when the run showed PHI). Pure, so the Test Bench and a later Steps view say the same.
 */
import type { DryRunResult, TraceCodeSetLookup, TraceRead, TraceStep } from "messagefoundry/api";

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

/** One code set lookup as the Test Bench shows it: which set mapped which value, and from where. */
export interface CodeSetMapping {
  codeSet: string;
  /** The router or handler that looked it up. */
  step: string;
  /** e.g. `H → High`, `Q → unknown (default row)`, or `(value not shown)` when the run hid values. */
  text: string;
  defaultUsed: boolean;
  /** How many times this same lookup happened in the step. */
  count: number;
  file?: string;
  line?: number;
}

const SOURCE_NOTE: Record<TraceCodeSetLookup["source"], string> = {
  table: "",
  default: " (default row)",
  fallback: " (not in the table: the caller's fallback)",
  code: " (not in the table: kept as is)",
  none: " (not in the table)",
};

function mappingText(l: TraceCodeSetLookup): string {
  if (l.code === undefined) return `(value not shown)${SOURCE_NOTE[l.source]}`;
  const value = l.value === null || l.value === undefined ? "nothing" : l.value;
  return `${l.code} → ${value}${SOURCE_NOTE[l.source]}`;
}

/** Every code set lookup of a traced result, in order, repeats of the same lookup in a step merged. */
export function codeSetMappings(r: DryRunResult): CodeSetMapping[] {
  const out: CodeSetMapping[] = [];
  for (const s of r.trace ?? []) {
    const seen = new Map<string, CodeSetMapping>();
    for (const l of s.codeSets ?? []) {
      const text = mappingText(l);
      const key = `${l.codeSet}\u0000${text}`;
      const hit = seen.get(key);
      if (hit) {
        hit.count++;
        continue;
      }
      const m: CodeSetMapping = {
        codeSet: l.codeSet,
        step: s.name,
        text,
        defaultUsed: l.defaultUsed,
        count: 1,
      };
      if (l.file !== undefined) m.file = l.file;
      if (l.line !== undefined) m.line = l.line;
      seen.set(key, m);
      out.push(m);
    }
  }
  return out;
}
