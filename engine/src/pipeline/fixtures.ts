/**
 * tests/ fixtures of a config repo: `tests/<case>.json` names an inbound, a message file and what must
 * come out. `check` runs each through the dry-run and compares.
 *
 *   { "inbound": "IB_ACME_ADT", "message": "../messages/adt_a01.hl7",
 *     "expect": { "disposition": "PROCESSED",
 *                 "deliveries": [{ "outbound": "OB_EMR_ADT", "payload": "expected/adt_a01.emr.hl7" }] } }
 *
 * Paths are relative to the fixture file. Payloads compare with line endings normalised. Specs may sit in
 * subfolders of tests/; an `expected/` folder holds payloads (any extension, `.json` ones included), never specs.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pointLocation } from "../config/locations.js";
import type { Registry } from "../config/registry.js";
import type { Problem } from "../graph/index.js";
import { type DryRunResult, dryRunFile } from "./dryrun.js";
import type { FixtureSpec } from "./results.js";

export type { FixtureSpec };

export interface FixtureOutcome {
  file: string;
  passed: boolean;
  failures: string[];
  results: DryRunResult[];
}

/** The folder of expected payloads under tests/ (and any subfolder): data, not fixture specs. */
const EXPECTED_DIR = "expected";

export function findFixtures(configDir: string): string[] {
  const dir = join(configDir, "tests");
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const ent of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(d, ent.name);
      if (ent.isDirectory()) {
        if (ent.name !== EXPECTED_DIR) walk(full);
      } else if (ent.name.endsWith(".json")) out.push(full);
    }
  };
  walk(dir);
  return out;
}

const norm = (s: string) => s.replace(/\r\n|\r|\n/g, "\n").replace(/\n+$/, "");

function parseSpec(text: string): FixtureSpec | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return `not valid JSON: ${(e as Error).message}`;
  }
  const s = v as Partial<FixtureSpec>;
  if (
    typeof s?.inbound !== "string" ||
    typeof s.message !== "string" ||
    typeof s.expect?.disposition !== "string"
  ) {
    return 'expected { "inbound": string, "message": string, "expect": { "disposition": string, "deliveries"?: [...] } }';
  }
  return s as FixtureSpec;
}

export async function runFixture(registry: Registry, file: string): Promise<FixtureOutcome> {
  const rel = relative(registry.configDir, file).split(sep).join("/");
  const fail = (msg: string): FixtureOutcome => ({ file: rel, passed: false, failures: [msg], results: [] });
  const spec = parseSpec(readFileSync(file, "utf8"));
  if (typeof spec === "string") return fail(spec);
  const msgPath = resolve(dirname(file), spec.message);
  if (!existsSync(msgPath)) return fail(`message file not found: ${spec.message}`);
  const results = await dryRunFile(registry, spec.inbound, readFileSync(msgPath), spec.message, {
    showPhi: true,
  });
  const failures: string[] = [];
  const got = results.flatMap((r) => r.deliveries);
  for (const r of results) {
    if (r.disposition !== spec.expect.disposition) {
      failures.push(
        `message ${r.index}: disposition ${r.disposition}, expected ${spec.expect.disposition}${r.error ? ` (${r.error.message})` : ""}`,
      );
    }
  }
  const want = spec.expect.deliveries;
  if (want !== undefined) {
    const gotNames = got.map((d) => d.outbound).join(", ") || "(none)";
    const wantNames = want.map((d) => d.outbound).join(", ") || "(none)";
    if (gotNames !== wantNames) failures.push(`deliveries to ${gotNames}, expected ${wantNames}`);
    else
      want.forEach((w, i) => {
        if (w.payload === undefined) return;
        const p = resolve(dirname(file), w.payload);
        if (!existsSync(p)) {
          failures.push(`expected payload file not found: ${w.payload}`);
          return;
        }
        if (norm(readFileSync(p, "utf8")) !== norm(got[i]?.payload ?? "")) {
          failures.push(`delivery ${i + 1} to ${w.outbound}: payload differs from ${w.payload}`);
        }
      });
  }
  // Payloads are compared above; strip them so reports never carry bodies.
  for (const r of results) for (const d of r.deliveries) delete d.payload;
  return { file: rel, passed: failures.length === 0, failures, results };
}

export function fixtureProblems(outcomes: FixtureOutcome[]): Problem[] {
  return outcomes
    .filter((o) => !o.passed)
    .map((o) => ({
      code: "MF-FIXTURE",
      severity: "error" as const,
      message: `${o.file}: ${o.failures.join("; ")}`,
      hint: "Fix the route or update the expected output in tests/.",
      location: pointLocation(o.file, 1, 1),
    }));
}
