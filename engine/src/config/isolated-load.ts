/**
 * Loads a config dir the way `loadConfig` does, for code nobody has vouched for yet (staging): the
 * engine bundles it with esbuild (which runs nothing), the bundle's top-level code runs in a sandboxed
 * child process (sandbox.ts: empty environment, reads limited to the config dir, no writes, no
 * processes, no network where Linux allows, time and heap limits), and the engine builds the graph
 * from the declarations the child sends back — data only, checked and bounded (sandbox-answer.ts).
 * The router/handler functions never leave the child; promote loads the files again for real.
 */
import type { Problem, RegistryGraph } from "../graph/index.js";
import type { Declarations } from "./collector.js";
import { thrownProblem } from "./execute.js";
import { assembleLoad, bundleConfig, existingDir } from "./loader.js";
import {
  DEFAULT_SANDBOX_LIMITS,
  runSandboxed,
  type SandboxLimits,
  type SandboxLog,
  type SandboxOutcome,
} from "./sandbox.js";
import { boundProblems, checkAnswer, loadProblem } from "./sandbox-answer.js";
import { type StaticFactsIn, staticCalls } from "./static-facts.js";

export interface IsolatedLoadOptions {
  /** Environment whose values resolve env() (as in LoadOptions). */
  env?: string;
  /** Source of MEFOR_VALUE_* overrides (default process.env); read by the engine, never given to the child. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** Wall-clock limit of the child (default 30 s); past it the child is killed. */
  timeoutMs?: number;
  /** Heap limit of the child in MB (default 256). */
  heapMb?: number;
  /** Receives the warning when the platform gives the child no network namespace. */
  log?: SandboxLog;
  /** Where the static facts are extracted (as in LoadOptions; default "process"). */
  staticFacts?: StaticFactsIn;
}

/** What comes back: plain data only. */
export interface IsolatedLoadResult {
  graph: RegistryGraph;
  problems: Problem[];
  hasErrors: boolean;
}

const EMPTY: RegistryGraph = { version: 1, nodes: [], edges: [], envUses: [] };
const NOTHING: Declarations = { connections: [], functions: [], envUses: [], problems: [] };

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The problem a run that gave no usable answer becomes. */
function outcomeProblem(o: Exclude<SandboxOutcome, { kind: "answered" }>, limits: SandboxLimits): Problem {
  switch (o.kind) {
    case "timeout":
      return loadProblem(
        "MF-LOAD-TIMEOUT",
        `config did not finish loading within ${seconds(limits.timeoutMs)}`,
        "Top-level config code must only declare; move loops and waits out of module scope.",
      );
    case "heap":
      return loadProblem(
        "MF-LOAD-LIMIT",
        `config exceeded the loader's memory limit (${limits.heapMb} MB heap)`,
        "Top-level config code must only declare; do not build large data at load time.",
      );
    case "too-big":
      return loadProblem(
        "MF-LOAD-LIMIT",
        "config produced more declarations than the loader accepts (16 MB of data)",
        "Settings should be small values; keep large data in files the config reads at run time.",
      );
    case "exited":
      return loadProblem(
        "MF-LOAD-EXEC",
        `config loading stopped (exit code ${o.code ?? o.signal}) before it finished`,
        "Config code must not call process.exit().",
      );
    case "failed":
      return loadProblem(
        "MF-LOAD-EXEC",
        `the config sandbox could not start: ${o.message}`,
        "The engine needs `node` (process.execPath) to be runnable; see the engine log.",
      );
  }
}

function failed(problem: Problem): IsolatedLoadResult {
  return { graph: EMPTY, problems: boundProblems([problem]), hasErrors: true };
}

/**
 * Loads `dir` with its code sandboxed. Config mistakes, a timeout, a crash or a blown heap come back
 * as problems (hasErrors true); like `loadConfig`, it rejects only when the dir does not exist.
 */
export async function loadConfigIsolated(
  dir: string,
  opts: IsolatedLoadOptions = {},
): Promise<IsolatedLoadResult> {
  const configDir = existingDir(dir);
  const limits: SandboxLimits = {
    timeoutMs: opts.timeoutMs ?? DEFAULT_SANDBOX_LIMITS.timeoutMs,
    heapMb: opts.heapMb ?? DEFAULT_SANDBOX_LIMITS.heapMb,
  };
  const problems: Problem[] = [];
  const bundle = await bundleConfig(configDir, problems);
  let declarations = NOTHING;
  if (bundle) {
    const outcome = await runSandboxed({ configDir, bundle }, limits, opts.log);
    if (outcome.kind !== "answered") return failed(outcomeProblem(outcome, limits));
    const answer = checkAnswer(outcome.text);
    if (!answer.ok) return failed(answer.problem);
    declarations = answer.declarations;
    if (answer.thrown) problems.push(thrownProblem(answer.thrown));
  }
  const calls = await staticCalls(configDir, bundle?.sources ?? [], opts.staticFacts);
  const a = assembleLoad(
    configDir,
    {
      ...(opts.env !== undefined && { env: opts.env }),
      ...(opts.processEnv !== undefined && { processEnv: opts.processEnv }),
    },
    declarations,
    calls,
    problems,
  );
  return { graph: a.graph, problems: boundProblems(a.problems), hasErrors: a.hasErrors };
}
