/**
 * Which inbound a message arrives on, when the Test Bench is opened from an .hl7 file: the inbound whose
 * router accepts the message's MSH-9, asked of the engine with one traced dry run through every inbound
 * (the router is user code, so only running it answers). Pure: the panel runs the CLI with these arguments.
 */
import type { DryRunEveryOutput, DryRunOutput } from "messagefoundry/api";
import { type Message, parseBatch } from "messagefoundry/hl7";
import { readDryRun } from "./fixtures.js";

/**
 * `dryrun` arguments for one message file; `inbound` absent lets the CLI pick the only one, `every` runs
 * the file through every inbound (`dryrun --every-inbound`, read with `readDryRunEvery`).
 */
export function dryRunArgs(
  env: string,
  file: string,
  opts: { inbound?: string; every?: boolean; showPhi: boolean },
): string[] {
  const args = ["dryrun", "--config", ".", "--env", env, "--messages", file, "--json", "--trace"];
  // --show-phi: the bench diffs payloads; the text is the user's own sample, shown only to them.
  if (opts.showPhi) args.push("--show-phi");
  if (opts.inbound !== undefined) args.push("--inbound", opts.inbound);
  if (opts.every) args.push("--every-inbound");
  return args;
}

/** A `dryrun --every-inbound --json` document, checked as `readDryRun` checks one run. */
export function readDryRunEvery(json: unknown): DryRunEveryOutput {
  const runs = (json as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) throw new Error("dryrun --every-inbound --json printed no `runs` list.");
  for (const run of runs) {
    if (typeof (run as { inbound?: unknown } | null)?.inbound !== "string") {
      throw new Error("dryrun --every-inbound --json: a run has no inbound.");
    }
    readDryRun(run);
  }
  return json as DryRunEveryOutput;
}

/** The inbound names the CLI lists when it needs `--inbound`, or undefined when it did not ask. */
export function inboundChoices(stderr: string): string[] | undefined {
  const m = /several inbounds; pass --inbound \(one of: ([^)]*)\)/.exec(stderr);
  return m?.[1] ? m[1].split(", ") : undefined;
}

/** A message type no router is meant to accept: the control for "does this router look at MSH-9?". */
const OTHER_TYPE = "ZZZ^Z99";

/**
 * The probe file for `text`: its first message, then the same message with MSH-9 = ZZZ^Z99. Undefined when
 * the text holds no HL7 message (there is no MSH-9 to match).
 */
export function probeText(text: string): string | undefined {
  let first: Message | undefined;
  try {
    first = parseBatch(text)[0];
  } catch {
    return undefined;
  }
  if (!first) return undefined;
  const other = first.clone();
  other.setRaw("MSH-9", OTHER_TYPE);
  return `${first.encode()}${other.encode()}`;
}

function accepted(output: Pick<DryRunOutput, "results">, index: number): boolean {
  const r = output.results.find((x) => x.index === index);
  return (r?.trace ?? []).some(
    (s) => s.step === "router" && s.result.kind === "handlers" && s.result.handlers.length > 0,
  );
}

/**
 * How an inbound's router treats a probe (probeText) run: `specific` returns a handler for the message but
 * none for the other type (it accepts this MSH-9), `any` returns one for both (a catch-all), `no` none.
 */
export function routerVerdict(output: Pick<DryRunOutput, "results">): "specific" | "any" | "no" {
  if (!accepted(output, 0)) return "no";
  return accepted(output, 1) ? "any" : "specific";
}

/**
 * The inbound for a message from the traced runs of probeText through every inbound, in the registry's
 * order: the only inbound there is; else the first whose router accepts the message's MSH-9 specifically,
 * else the first catch-all that accepts it; undefined when none does (the user picks).
 */
export function pickInbound(runs: DryRunEveryOutput["runs"]): string | undefined {
  if (runs.length === 1) return runs[0]?.inbound;
  let fallback: string | undefined;
  for (const run of runs) {
    const verdict = routerVerdict(run);
    if (verdict === "specific") return run.inbound;
    if (verdict === "any") fallback ??= run.inbound;
  }
  return fallback;
}
