/**
 * The verdict, pure: each SLO gate of the profile checked against what the run measured, and each
 * headline measure compared with a previous run's JSON (`--baseline FILE --tolerance P`). Warm-up is
 * left out of every measure: it exists to let JIT, caches and connections settle.
 */
import type {
  FailoverResult,
  LoadResult,
  Reconciliation,
  Regression,
  Slo,
  SloCheck,
  Verdict,
} from "./types.js";

/** What the gates read, taken from a LoadResult (or a baseline's). */
export interface Measures {
  /** ACKed AA per second over the sustained phase(s); null when the profile has none. */
  sustainedRate: number | null;
  ackP99Ms: number | null;
  e2eP99Ms: number | null;
  errorRate: number;
  drainSeconds: number | null;
  /** Failover runs: the longest gap between two AAs, seconds. */
  outageSeconds: number | null;
}

export function measuresOf(
  r: Pick<LoadResult, "phases" | "totals" | "reconciliation"> & Partial<Pick<LoadResult, "failover">>,
): Measures {
  const sustained = r.phases.filter((p) => p.kind === "sustained");
  const secs = sustained.reduce((s, p) => s + p.seconds, 0);
  const acked = sustained.reduce((s, p) => s + p.acked, 0);
  return {
    sustainedRate: secs > 0 ? acked / secs : null,
    ackP99Ms: r.totals.ack.p99,
    e2eP99Ms: r.totals.e2e.p99,
    errorRate: r.totals.sent > 0 ? r.totals.errors / r.totals.sent : 0,
    drainSeconds: r.reconciliation.drainSeconds,
    outageSeconds: r.failover?.outageSeconds ?? null,
  };
}

const fmt = (n: number | null, digits = 1) => (n === null ? "not measured" : n.toFixed(digits));

function atMost(
  gate: keyof Slo,
  label: string,
  limit: number,
  actual: number | null,
  unit: string,
  digits = 1,
): SloCheck {
  const pass = actual !== null && actual <= limit;
  return {
    gate,
    limit,
    actual,
    pass,
    detail: `${label} ${fmt(actual, digits)}${unit} (at most ${limit}${unit})`,
  };
}

/** Each gate the profile sets, checked. A gate whose measure is missing (no sink for e2e) fails. */
export function checkSlo(slo: Slo, m: Measures, rec: Reconciliation): SloCheck[] {
  const checks: SloCheck[] = [];
  if (slo.minSustainedRate !== undefined) {
    const pass = m.sustainedRate !== null && m.sustainedRate >= slo.minSustainedRate;
    checks.push({
      gate: "minSustainedRate",
      limit: slo.minSustainedRate,
      actual: m.sustainedRate,
      pass,
      detail: `${fmt(m.sustainedRate)} msg/s sustained (at least ${slo.minSustainedRate})`,
    });
  }
  if (slo.ackP99Ms !== undefined) checks.push(atMost("ackP99Ms", "ACK p99", slo.ackP99Ms, m.ackP99Ms, " ms"));
  if (slo.e2eP99Ms !== undefined)
    checks.push(atMost("e2eP99Ms", "end-to-end p99", slo.e2eP99Ms, m.e2eP99Ms, " ms"));
  if (slo.maxErrorRate !== undefined)
    checks.push(atMost("maxErrorRate", "error rate", slo.maxErrorRate, m.errorRate, "", 4));
  if (slo.maxDrainSeconds !== undefined)
    checks.push(atMost("maxDrainSeconds", "drain", slo.maxDrainSeconds, m.drainSeconds, " s"));
  if (slo.maxOutageSeconds !== undefined)
    checks.push(atMost("maxOutageSeconds", "outage", slo.maxOutageSeconds, m.outageSeconds, " s"));
  if (slo.zeroLoss !== false) {
    checks.push({
      gate: "zeroLoss",
      limit: true,
      actual: rec.lossFree,
      pass: rec.lossFree === true,
      detail: lossDetail(rec),
    });
  }
  return checks;
}

/**
 * A failover run whose failover did not happen (the command failed, the API refused, the run ended
 * first) measured nothing it set out to: a failed check. Undefined when it happened or none was asked.
 */
export function failoverCheck(f: FailoverResult | undefined): SloCheck | undefined {
  if (!f || (f.atSeconds !== null && f.triggerError === undefined)) return undefined;
  return {
    gate: "maxOutageSeconds",
    limit: true,
    actual: false,
    pass: false,
    detail: `the failover did not happen: ${f.triggerError ?? "the run ended before it was due"}`,
  };
}

function lossDetail(r: Reconciliation): string {
  const parts = [`sent ${r.sent}, ACKed ${r.ackedAA}`];
  if (r.engineReceived !== null) parts.push(`engine received ${r.engineReceived}`);
  if (r.engineDelivered !== null) parts.push(`engine delivered ${r.engineDelivered}`);
  if (r.sinkReceived !== null) parts.push(`sink received ${r.sinkReceived} of ${r.expectedDeliveries}`);
  if (r.missing.length > 0) parts.push(`missing e.g. ${r.missing.slice(0, 3).join(", ")}`);
  if (r.lossFree === null) parts.push("nothing to reconcile against (no --api and no sink)");
  return parts.join("; ");
}

/**
 * Zero loss: every message sent was received by the engine (its counter moved by exactly `sent`), every
 * ACKed message's deliveries reached the sink, and the engine delivered what the sink received. Null
 * when neither the engine's API nor a sink was there to ask.
 */
export function lossFree(r: Omit<Reconciliation, "lossFree">): boolean | null {
  // Resends (a failover): at least once, so the engine's counters may exceed what was sent; the sink
  // decides — every ACKed message's deliveries there.
  const resent = (r.resent ?? 0) > 0;
  const engineSide = r.engineReceived === null || resent ? null : r.engineReceived === r.sent;
  const sinkSide =
    r.sinkReceived === null
      ? null
      : r.missing.length === 0 &&
        r.sinkReceived >= r.expectedDeliveries &&
        (r.engineDelivered === null || resent || r.engineDelivered === r.sinkReceived);
  if (engineSide === null && sinkSide === null) return null;
  return engineSide !== false && sinkSide !== false;
}

interface Compared {
  measure: string;
  pick: (m: Measures) => number | null;
  higherIsBetter: boolean;
}

const COMPARED: Compared[] = [
  { measure: "sustained msg/s", pick: (m) => m.sustainedRate, higherIsBetter: true },
  { measure: "ACK p99 ms", pick: (m) => m.ackP99Ms, higherIsBetter: false },
  { measure: "end-to-end p99 ms", pick: (m) => m.e2eP99Ms, higherIsBetter: false },
  { measure: "error rate", pick: (m) => m.errorRate, higherIsBetter: false },
  { measure: "drain s", pick: (m) => m.drainSeconds, higherIsBetter: false },
  { measure: "outage s", pick: (m) => m.outageSeconds, higherIsBetter: false },
];

/** Measures worse than the baseline's by more than `tolerancePercent`. */
export function regressions(current: Measures, baseline: Measures, tolerancePercent: number): Regression[] {
  const out: Regression[] = [];
  for (const c of COMPARED) {
    const now = c.pick(current);
    const then = c.pick(baseline);
    if (now === null || then === null) continue;
    let worse: number;
    if (then === 0) worse = now === 0 || c.higherIsBetter ? 0 : 100;
    else worse = ((c.higherIsBetter ? then - now : now - then) / Math.abs(then)) * 100;
    if (worse > tolerancePercent)
      out.push({
        measure: c.measure,
        baseline: then,
        current: now,
        worsePercent: Math.round(worse * 10) / 10,
      });
  }
  return out;
}

/** Exit codes of `load`: the verdict decides. */
export const LOAD_EXIT = { PASS: 0, SLO_FAILED: 1, REGRESSED: 4 } as const;

export function verdictOf(checks: SloCheck[], regressed: Regression[]): Verdict {
  return { pass: checks.every((c) => c.pass) && regressed.length === 0, checks, regressions: regressed };
}

export function exitCodeOf(v: Verdict): number {
  if (!v.checks.every((c) => c.pass)) return LOAD_EXIT.SLO_FAILED;
  return v.regressions.length > 0 ? LOAD_EXIT.REGRESSED : LOAD_EXIT.PASS;
}
