/**
 * Loads a config dir the way `loadConfig` does, but in a worker thread: uploaded config code
 * (staging) then runs without the engine's secrets in `process.env`, under a heap limit, and under a
 * wall-clock deadline that terminates it — so `while (true) {}` or reading `MEFOR_STORE_KEY` at load
 * time cannot freeze or rob the engine. Only data crosses back (graph, problems, hasErrors); the
 * registry's router/handler functions stay in the worker and die with it. Whoever runs the bundle
 * for real (promote) loads it again in its own thread.
 *
 * Not a sandbox: the worker shares the process, its OS user and file-system rights (see the API
 * README, "Staging runs config code").
 *
 * This one file is both sides: imported normally it exports `loadConfigIsolated`; started as the
 * worker (marked workerData) it runs the load and posts the result.
 */
import type * as ChildProcessModule from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { isMainThread, parentPort, type ResourceLimits, Worker, workerData } from "node:worker_threads";
import type { Problem, RegistryGraph } from "../graph/index.js";
import { threadSource } from "../thread-source.js";
import { pointLocation } from "./locations.js";

export interface IsolatedLoadOptions {
  /** Environment whose values resolve env() (as in LoadOptions). */
  env?: string;
  /** Source of MEFOR_VALUE_* overrides (default process.env); scrubbed before the worker sees it. */
  processEnv?: Readonly<Record<string, string | undefined>>;
  /** Wall-clock limit for the whole load (default 30 s); past it the worker is terminated. */
  timeoutMs?: number;
  /** V8 limits of the worker (default {@link DEFAULT_LOAD_LIMITS}). */
  resourceLimits?: ResourceLimits;
  /** Node options of the worker (default: inherited from this thread, e.g. tsx's in tests). */
  execArgv?: string[];
}

/** What crosses back from the worker: plain data only. */
export interface IsolatedLoadResult {
  graph: RegistryGraph;
  problems: Problem[];
  hasErrors: boolean;
}

export const DEFAULT_LOAD_TIMEOUT_MS = 30_000;
export const DEFAULT_LOAD_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 4,
};
/** A larger answer is refused, so a config cannot make the engine parse a huge string. */
const MAX_RESULT_CHARS = 16 * 1024 * 1024;

/** How long a worker that answered may take to exit by itself before it is terminated. */
const EXIT_GRACE_MS = 2000;
const JOB_MARK = "mf-isolated-load";
const OVERRIDE_PREFIX = "MEFOR_VALUE_";
// Names that usually hold credentials. MEFOR_VALUE_* are exempt: env() legitimately reads them.
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|AUTH|DATABASE_URL|DSN/i;

interface Job {
  kind: typeof JOB_MARK;
  dir: string;
  env: string | undefined;
}

type Reply = { ok: true; json: string } | { ok: false; message: string };

/**
 * The environment config code may see: everything except the store keys, other MEFOR_* engine
 * settings and anything whose name suggests a credential — but every MEFOR_VALUE_* override.
 */
export function scrubEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.startsWith(OVERRIDE_PREFIX)) out[k] = v;
    else if (!k.toUpperCase().startsWith("MEFOR_") && !SECRET_NAME.test(k)) out[k] = v;
  }
  return out;
}

const EMPTY: RegistryGraph = { version: 1, nodes: [], edges: [], envUses: [] };

function failed(code: string, message: string, hint: string): IsolatedLoadResult {
  return {
    graph: EMPTY,
    problems: [{ code, severity: "error", message, hint, location: pointLocation("", 1, 1) }],
    hasErrors: true,
  };
}

/** Under tsx (tests, running from source) the worker registers tsx before importing this file. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * Loads `dir` in a worker. Config mistakes, a timeout, a crash or a blown heap come back as
 * problems (hasErrors true); like `loadConfig`, it rejects only when the dir cannot be loaded at all.
 */
export function loadConfigIsolated(dir: string, opts: IsolatedLoadOptions = {}): Promise<IsolatedLoadResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const limits = opts.resourceLimits ?? DEFAULT_LOAD_LIMITS;
  let worker: Worker;
  try {
    worker = startWorker(dir, opts, limits);
  } catch (e) {
    return Promise.reject(e);
  }
  return settle(worker, timeoutMs, limits);
}

function startWorker(dir: string, opts: IsolatedLoadOptions, limits: ResourceLimits): Worker {
  const job: Job = { kind: JOB_MARK, dir, env: opts.env };
  const worker = new Worker(threadSource(new URL(import.meta.url)), {
    eval: true,
    workerData: job,
    env: scrubEnv(opts.processEnv ?? process.env),
    resourceLimits: limits,
    ...(opts.execArgv !== undefined && { execArgv: opts.execArgv }),
    // Piped and dropped: config output must not reach (and forge lines in) the engine's log stream.
    stdout: true,
    stderr: true,
  });
  worker.stdout.resume();
  worker.stderr.resume();
  return worker;
}

/** Resolves with the worker's answer, or with a problem when it times out, crashes or runs out of heap. */
function settle(worker: Worker, timeoutMs: number, limits: ResourceLimits): Promise<IsolatedLoadResult> {
  return new Promise<IsolatedLoadResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void, graceMs = 0): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      // A worker that answered may end by itself (so its loop reaps esbuild's child); whatever
      // the config left running (timers, sockets) dies with it when the grace is up.
      if (graceMs === 0) void worker.terminate();
      else setTimeout(() => void worker.terminate(), graceMs).unref();
    };
    const timer = setTimeout(() => {
      finish(() =>
        resolve(
          failed(
            "MF-LOAD-TIMEOUT",
            `config did not finish loading within ${seconds(timeoutMs)}`,
            "Top-level config code must only declare; move loops and waits out of module scope.",
          ),
        ),
      );
    }, timeoutMs);
    worker.on("message", (reply: Reply) => {
      finish(() => {
        if (!reply.ok) return reject(new Error(reply.message));
        if (reply.json.length > MAX_RESULT_CHARS) {
          return resolve(
            failed(
              "MF-LOAD-LIMIT",
              `config produced a ${reply.json.length}-character graph; the limit is ${MAX_RESULT_CHARS}`,
              "Settings should be small values; keep large data in files the config reads at run time.",
            ),
          );
        }
        resolve(JSON.parse(reply.json) as IsolatedLoadResult);
      }, EXIT_GRACE_MS);
    });
    worker.on("error", (err: Error & { code?: string }) => {
      finish(() =>
        resolve(
          err.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? failed(
                "MF-LOAD-LIMIT",
                `config exceeded the loader's memory limit (${limits.maxOldGenerationSizeMb ?? "default"} MB heap)`,
                "Top-level config code must only declare; do not build large data at load time.",
              )
            : failed(
                "MF-LOAD-EXEC",
                `config threw while loading: ${err.message}`,
                "Declarations run at load time; keep top-level code to declarations and pure setup.",
              ),
        ),
      );
    });
    worker.on("exit", (code) => {
      finish(() =>
        resolve(
          failed(
            "MF-LOAD-EXEC",
            `config loading stopped (worker exit code ${code}) before it finished`,
            "Config code must not call process.exit().",
          ),
        ),
      );
    });
  });
}

/**
 * Remembers child processes this thread spawns (esbuild's service). esbuild unrefs its child, so a
 * worker that ends right after `esbuild.stop()` never reaps it and leaves a zombie per load.
 */
function trackChildren(): ChildProcess[] {
  const children: ChildProcess[] = [];
  const cp = createRequire(import.meta.url)("node:child_process") as typeof ChildProcessModule;
  const spawn = cp.spawn;
  cp.spawn = ((...args: Parameters<typeof spawn>) => {
    const child = spawn(...args);
    children.push(child);
    return child;
  }) as typeof spawn;
  return children;
}

async function reap(children: ChildProcess[]): Promise<void> {
  await (await import("esbuild")).stop().catch(() => undefined);
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? undefined
        : new Promise<void>((done) => {
            c.once("exit", () => done());
            c.ref(); // esbuild unrefs it; without this the thread would end before the exit
            c.kill();
          }),
    ),
  );
}

async function runJob(job: Job): Promise<void> {
  const children = trackChildren();
  let reply: Reply;
  try {
    const { loadConfig } = await import("./loader.js");
    const r = await loadConfig(job.dir, {
      ...(job.env !== undefined && { env: job.env }),
      processEnv: process.env,
    });
    reply = { ok: true, json: toJson(r) };
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  // Stop esbuild's service while this thread's loop can still reap it. (A load that times out
  // or crashes is terminated under it: that leaves one zombie entry until the engine exits.)
  await reap(children);
  parentPort?.postMessage(reply);
}

/** JSON, not structured clone: a function or symbol a config put into settings cannot break the reply. */
function toJson(r: IsolatedLoadResult): string {
  try {
    return JSON.stringify({ graph: r.graph, problems: r.problems, hasErrors: r.hasErrors });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return JSON.stringify(
      failed("MF-LOAD-EXEC", `config settings are not plain data: ${why}`, "Settings must be JSON values."),
    );
  }
}

function isJob(data: unknown): data is Job {
  return (data as Job | null)?.kind === JOB_MARK;
}

if (!isMainThread && isJob(workerData)) void runJob(workerData);
