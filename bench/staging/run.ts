/**
 * Staging bench: samples/config loaded the way `POST /config/stage` loads it — bundled by esbuild in
 * this process, its top-level code run in the sandboxed child (config/sandbox.ts), the graph built
 * here, static facts extracted in a short-lived thread (as the engine does). Reports the first load (builds the sandbox program and probes namespaces) and p50/max of the
 * next ones, and what this platform's sandbox has (namespaces, prlimit).
 *
 *   node --conditions=source --import tsx bench/staging/run.ts
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadConfigIsolated } from "../../engine/src/config/isolated-load.js";
import { confinementHere } from "../../engine/src/config/sandbox.js";

const RUNS = 15;
const dir = join(import.meta.dirname, "..", "..", "samples", "config");

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const r = await loadConfigIsolated(dir, { env: "dev", processEnv: {}, staticFacts: "thread" });
  times.push(performance.now() - t);
  if (r.hasErrors) throw new Error(`samples/config has errors: ${JSON.stringify(r.problems[0])}`);
}
const rest = times.slice(1).sort((a, b) => a - b);
const ms = (n: number | undefined) => `${Math.round(n ?? 0)} ms`;
const here = await confinementHere();
console.log(
  `stage samples/config: first ${ms(times[0])}; next ${RUNS - 1}: p50 ${ms(rest[Math.floor(rest.length / 2)])}, max ${ms(rest.at(-1))}`,
);
console.log(
  `sandbox: namespaces ${here.namespaces ? "yes" : "NO"}, address-space cap ${here.prlimit ? "yes" : "NO"}`,
);
