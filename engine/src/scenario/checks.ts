/**
 * A scenario's expectations as named checks over what was observed: pure, so the runner can re-check
 * on every poll until all hold or time runs out, and the tests can check the wording.
 */
import type { SinkRecord } from "../harness/index.js";
import type { ScenarioExpect, SinkExpectation } from "./schema.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What differed (empty when ok). */
  message: string;
}

export interface Observed {
  /** Outcome counts over every send step. */
  acks: Record<string, number>;
  /** The disposition of each control id asked about (undefined: not in the store). */
  dispositions: Record<string, string | undefined>;
  /** Each sink's records, in arrival order. */
  sinks: Record<string, readonly SinkRecord[]>;
  /** Dead-lettered rows per outbound asked about. */
  deadLetters: Record<string, number>;
}

const fmt = (o: Record<string, number | string | undefined>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${v ?? "none"}`)
    .join(", ") || "none";

function countsCheck(name: string, want: Record<string, number>, got: Record<string, number>): CheckResult {
  const bad = Object.entries(want).filter(([k, n]) => (got[k] ?? 0) !== n);
  return {
    name,
    ok: bad.length === 0,
    message: bad.length === 0 ? "" : `expected ${fmt(want)}, got ${fmt(got)}`,
  };
}

function sinkChecks(sink: string, want: SinkExpectation, records: readonly SinkRecord[]): CheckResult[] {
  const out: CheckResult[] = [];
  const accepted = records.filter((r) => r.action === "AA").map((r) => r.controlId);
  if (Array.isArray(want.accepted)) {
    const ok = want.accepted.length === accepted.length && want.accepted.every((id, i) => accepted[i] === id);
    out.push({
      name: `sink ${sink} accepted ${want.accepted.join(", ")}`,
      ok,
      message: ok ? "" : `got ${accepted.join(", ") || "nothing"}`,
    });
  } else if (want.accepted !== undefined) {
    const ok = accepted.length === want.accepted;
    out.push({
      name: `sink ${sink} accepted ${want.accepted} message(s)`,
      ok,
      message: ok ? "" : `got ${accepted.length}`,
    });
  }
  if (want.arrivals) {
    const got: Record<string, number> = {};
    for (const r of records) got[r.controlId] = (got[r.controlId] ?? 0) + 1;
    out.push(countsCheck(`sink ${sink} arrivals per control id`, want.arrivals, got));
  }
  if (want.actions) {
    const got: Record<string, number> = {};
    for (const r of records) got[r.action] = (got[r.action] ?? 0) + 1;
    out.push(countsCheck(`sink ${sink} answers`, want.actions as Record<string, number>, got));
  }
  return out;
}

export function evaluate(expect: ScenarioExpect, seen: Observed): CheckResult[] {
  const out: CheckResult[] = [];
  if (expect.acks) out.push(countsCheck("ACK codes", expect.acks, seen.acks));
  for (const [id, want] of Object.entries(expect.dispositions ?? {})) {
    const got = seen.dispositions[id];
    out.push({
      name: `disposition of ${id} is ${want}`,
      ok: got === want,
      message: got === want ? "" : `got ${got ?? "no such message"}`,
    });
  }
  for (const [sink, want] of Object.entries(expect.deliveries ?? {}))
    out.push(...sinkChecks(sink, want, seen.sinks[sink] ?? []));
  for (const [conn, want] of Object.entries(expect.deadLetters ?? {})) {
    const got = seen.deadLetters[conn] ?? 0;
    out.push({
      name: `${want} dead letter(s) on ${conn}`,
      ok: got === want,
      message: got === want ? "" : `got ${got}`,
    });
  }
  return out;
}
