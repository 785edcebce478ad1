/**
 * Test Bench ↔ CLI, without vscode: `dryrun --json` output checked for the view (which diffs each
 * delivery's payload against the text it ran), a run → the regression fixture files that
 * `messagefoundry check` replays, and `check --json` → per-fixture outcomes.
 *
 * Fixture layout (the CLI's, engine/src/pipeline/fixtures.ts): `tests/<stem>.json` names the inbound, the
 * message file (relative to the fixture) and what must come out; expected payloads live in
 * `tests/expected/<stem>.<OUTBOUND>.hl7` (`.json` for a JSON payload).
 */
import type { FixtureOutcome } from "@messagefoundry/webviews/protocol";
import type { CheckOutput, DryRunOutput, FixtureSpec } from "messagefoundry/api";

/** A file-name stem from whatever the user typed: lower-case words joined by `_`. */
export function fixtureStem(name: string): string {
  const stem = name
    .trim()
    .toLowerCase()
    .replace(/\.(hl7|json)$/, "")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return stem === "" ? "case" : stem;
}

/**
 * `dryrun --json --show-phi` output, checked before it is handed to the view: a clear error naming what
 * is missing rather than a view that breaks on a shape it does not know.
 */
export function readDryRun(json: unknown): DryRunOutput {
  const results = (json as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new Error("dryrun --json printed no `results` list.");
  results.forEach((r: unknown, i) => {
    const res = r as { disposition?: unknown; handlers?: unknown; deliveries?: unknown } | null;
    if (typeof res?.disposition !== "string")
      throw new Error(`dryrun --json: result ${i} has no disposition.`);
    if (!Array.isArray(res.handlers) || !Array.isArray(res.deliveries)) {
      throw new Error(`dryrun --json: result ${i} has no handlers/deliveries lists.`);
    }
  });
  return json as DryRunOutput;
}

/**
 * The files of a regression fixture for a case that was run: the message, the spec with the
 * disposition and deliveries it must keep producing, and each expected payload. Paths are relative to
 * the config dir. A case that produced several messages pins the first one's disposition (the CLI's
 * spec holds one), and every delivery in order.
 */
export function fixtureFiles(
  name: string,
  inbound: string,
  text: string,
  output: DryRunOutput,
): Record<string, string> {
  const stem = fixtureStem(name);
  const files: Record<string, string> = { [`tests/${stem}.hl7`]: text.endsWith("\n") ? text : `${text}\n` };
  const used = new Map<string, number>();
  const deliveries = output.results
    .flatMap((r) => r.deliveries)
    .map((d) => {
      if (d.payload === undefined) throw new Error(`The run has no payload for ${d.outbound}; run it again.`);
      const n = (used.get(d.outbound) ?? 0) + 1;
      used.set(d.outbound, n);
      const payload = `expected/${stem}.${d.outbound}${n > 1 ? `.${n}` : ""}${payloadExtension(d.payload)}`;
      files[`tests/${payload}`] = d.payload.endsWith("\n") ? d.payload : `${d.payload}\n`;
      return { outbound: d.outbound, payload };
    });
  const spec: FixtureSpec = {
    inbound,
    message: `${stem}.hl7`,
    expect: { disposition: output.results[0]?.disposition ?? "PROCESSED", deliveries },
  };
  files[`tests/${stem}.json`] = `${JSON.stringify(spec, null, 2)}\n`;
  return files;
}

/** A fixture spec's inbound and message path (relative to the fixture), or an error naming the problem. */
export function readFixtureSpec(text: string): { inbound: string; message: string } {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new Error(`The fixture is not valid JSON: ${(e as Error).message}`);
  }
  const { inbound, message } = (spec ?? {}) as { inbound?: unknown; message?: unknown };
  if (typeof inbound !== "string" || typeof message !== "string") {
    throw new Error('A fixture needs "inbound" and "message" strings.');
  }
  return { inbound, message };
}

/**
 * `check --json` (`{ ok, problems, fixtures: [{ file, passed, failures }] }`) → one outcome per fixture;
 * `idOf` maps the fixture's config-relative file to the case id the view knows. When the config does not
 * load there are no fixtures but error problems: they become one failed outcome so nothing looks green.
 */
export function readCheck(
  stdout: string,
  exitCode: number,
  idOf: (file: string) => string,
): FixtureOutcome[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    const lines = stdout.trim().split("\n").slice(-5).filter(Boolean);
    return [{ id: idOf("tests"), label: "messagefoundry check", passed: exitCode === 0, failures: lines }];
  }
  // The engine's shape, still checked field by field: a CLI of another version may print less.
  const body = (json ?? {}) as Partial<CheckOutput>;
  const outcomes: FixtureOutcome[] = (body.fixtures ?? []).map((f) => {
    const file = String(f.file ?? "tests");
    return {
      id: idOf(file),
      label: file,
      passed: f.passed === true,
      failures: Array.isArray(f.failures) ? f.failures.map(String) : [],
    };
  });
  const loadErrors = (body.problems ?? []).filter((p) => p.severity === "error" && p.code !== "MF-FIXTURE");
  if (outcomes.length === 0 && loadErrors.length > 0) {
    outcomes.push({
      id: idOf("tests"),
      label: "messagefoundry check",
      passed: false,
      failures: loadErrors.map((p) => String(p.message)),
    });
  }
  return outcomes;
}

/** `.json` for a JSON payload (a REST body, a database statement), else `.hl7`: the file opens in the right mode. */
function payloadExtension(payload: string): ".json" | ".hl7" {
  const start = payload.trimStart()[0];
  if (start !== "{" && start !== "[") return ".hl7";
  try {
    JSON.parse(payload);
    return ".json";
  } catch {
    return ".hl7";
  }
}
