/**
 * The tee compare view's model, pure: which pairs a filter shows, the counts on the filter buttons,
 * a pair's one-line label, and reading the ignore-rules box (field paths, checked with the engine's
 * own field-path parser). Runs in Node and in the browser.
 */
import type { TeeComparePair, TeeCompareReport } from "messagefoundry/api";
import { tryParseFieldPath } from "messagefoundry/hl7";

/** `problems`: everything not identical (the default view). */
export type PairFilter = "problems" | "differing" | "missing" | "identical" | "all";

export const PAIR_FILTERS: readonly { id: PairFilter; label: string }[] = [
  { id: "problems", label: "Not identical" },
  { id: "differing", label: "Differing" },
  { id: "missing", label: "Missing" },
  { id: "identical", label: "Identical" },
  { id: "all", label: "All" },
];

/** The ignore rules the engine always applies unless told otherwise. */
export const DEFAULT_IGNORE_RULES: readonly string[] = ["MSH-7", "MSH-10"];

function matches(p: TeeComparePair, filter: PairFilter): boolean {
  switch (filter) {
    case "all":
      return true;
    case "problems":
      return p.status !== "identical";
    case "missing":
      return p.status === "missing-legacy" || p.status === "missing-shadow";
    default:
      return p.status === filter;
  }
}

export function filterPairs(report: TeeCompareReport, filter: PairFilter): TeeComparePair[] {
  return report.pairs.filter((p) => matches(p, filter));
}

export function filterCounts(report: TeeCompareReport): Record<PairFilter, number> {
  const out = {} as Record<PairFilter, number>;
  for (const f of PAIR_FILTERS) out[f.id] = filterPairs(report, f.id).length;
  return out;
}

/** `C002 · ADT^A01 · 2 changes`, `C004 · missing in shadow`. */
export function pairLabel(p: TeeComparePair): string {
  const parts = [p.key];
  if (p.messageType) parts.push(p.messageType);
  if (p.status === "differing") {
    const n = p.diff?.changeCount ?? 0;
    parts.push(`${n} change${n === 1 ? "" : "s"}`);
  } else if (p.status === "missing-shadow") parts.push("missing in shadow");
  else if (p.status === "missing-legacy") parts.push("missing in legacy");
  else parts.push("identical");
  return parts.join(" · ");
}

/** The report's ignore rules beyond the defaults (what the rules box shows). */
export function extraIgnoreRules(report: TeeCompareReport): string[] {
  return report.ignore.filter((r) => !DEFAULT_IGNORE_RULES.includes(r));
}

/** Reads `PID-3.4, OBX-5` (commas or spaces): the rules, and a message per one that is not a field path. */
export function parseIgnoreInput(text: string): { rules: string[]; errors: string[] } {
  const rules: string[] = [];
  const errors: string[] = [];
  for (const token of text.split(/[\s,]+/)) {
    if (token === "") continue;
    const r = tryParseFieldPath(token);
    if (r.error) errors.push(`${token}: ${r.error.message}`);
    else if (!rules.includes(token)) rules.push(token);
  }
  return { rules, errors };
}

/** The pairing box: `order`, or a field path (default MSH-10); an error for anything else. */
export function parsePairBy(text: string): { pairBy: string; error?: string } {
  const v = text.trim() || "MSH-10";
  if (v === "order") return { pairBy: v };
  const r = tryParseFieldPath(v);
  return r.error ? { pairBy: v, error: `${v}: ${r.error.message}` } : { pairBy: v };
}

/** What is compared: two destinations' captures, or one tee log's legacy and shadow ACKs. */
export type TeeCompareSources = { legacy: string; shadow: string } | { db: string };

/** The `messagefoundry tee compare` arguments the extension runs (always `--json`). */
export function teeCompareArgs(
  sources: TeeCompareSources,
  opts: { ignore?: readonly string[]; pairBy?: string; html?: string } = {},
): string[] {
  const args = ["tee", "compare"];
  if ("db" in sources) args.push("--db", sources.db);
  else args.push("--legacy", sources.legacy, "--shadow", sources.shadow);
  if (opts.ignore?.length) args.push("--ignore", opts.ignore.join(","));
  if (opts.pairBy && opts.pairBy !== "MSH-10" && !("db" in sources)) args.push("--pair-by", opts.pairBy);
  if (opts.html) args.push("--html", opts.html);
  args.push("--json");
  return args;
}
