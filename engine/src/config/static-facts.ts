/**
 * Static facts for a load: extract.ts over every TypeScript source that ran. In this thread, or — for
 * the engine — in a worker thread that ends when loads stop coming, so the TypeScript compiler (~50 MB
 * resident once loaded) does not stay in the engine's process: it is loaded for the extraction and
 * freed with the thread. CLI commands and the language server run it in-process (one load per
 * process, or TypeScript loaded anyway).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { threadSource } from "../thread-source.js";
import type { SourceText, StaticCall, StaticCallEntries } from "./static-call.js";
import type { StaticFactsAnswer, StaticFactsRequest, StaticFactsThreadData } from "./static-facts-thread.js";

/** Where a load extracts static facts: here (loads TypeScript into this process), or in a thread. */
export type StaticFactsIn = "process" | "thread";

const THREAD_URL = new URL(
  `./static-facts-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/** The static calls of each TypeScript source (of `sources`, relative to `configDir`) that exists. */
export async function staticCalls(
  configDir: string,
  sources: readonly string[],
  where: StaticFactsIn = "process",
): Promise<Map<string, StaticCall[]>> {
  const files: SourceText[] = [];
  for (const rel of sources) {
    const abs = join(configDir, rel);
    if (rel.endsWith(".ts") && existsSync(abs)) files.push({ rel, text: readFileSync(abs, "utf8") });
  }
  if (files.length === 0) return new Map();
  const entries = where === "thread" ? await inThread(files) : await inProcess(files);
  return new Map(entries);
}

async function inProcess(files: readonly SourceText[]): Promise<StaticCallEntries> {
  const { extractAll } = await import("./static-facts-thread.js");
  return extractAll(files);
}

/** How long the extraction thread waits for the next load before it ends, and its heap with it. */
export const STATIC_FACTS_IDLE_MS = 2_000;

let shared: ExtractionThread | undefined;

/** The extraction in the shared thread, started on first use and ended after STATIC_FACTS_IDLE_MS idle. */
function inThread(files: readonly SourceText[]): Promise<StaticCallEntries> {
  shared ??= new ExtractionThread();
  return shared.extract(files);
}

/**
 * One worker thread that loads the TypeScript compiler and answers extraction requests. Kept while
 * loads come together (repeated stages, a test suite's engines), so only the first pays for starting
 * it; gone 2 s after the last, so a running engine does not carry the compiler into its traffic (kept
 * 10 s, it raised peak RSS after a boot by ~30 MB). It never keeps the process alive by itself.
 */
class ExtractionThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(e: StaticCallEntries): void; reject(e: Error): void }>();
  #next = 1;
  #idle: NodeJS.Timeout | undefined;

  constructor() {
    const data: StaticFactsThreadData = { kind: "mf-static-facts" };
    this.#worker = new Worker(threadSource(THREAD_URL), { eval: true, workerData: data });
    this.#worker.on("message", (m: StaticFactsAnswer) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if ("error" in m) p?.reject(new Error(`static facts: ${m.error}`));
      else p?.resolve(m.entries);
      if (this.#pending.size === 0) this.#rest();
    });
    this.#worker.on("error", (error) => this.#gone(error));
    this.#worker.on("exit", (code) => this.#gone(new Error(`the static facts thread exited (code ${code})`)));
  }

  extract(files: readonly SourceText[]): Promise<StaticCallEntries> {
    clearTimeout(this.#idle);
    this.#worker.ref();
    const id = this.#next++;
    const request: StaticFactsRequest = { id, files: [...files] };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  /** Nothing pending: the thread no longer holds the process open, and ends after a quiet while. */
  #rest(): void {
    this.#worker.unref();
    this.#idle = setTimeout(() => {
      if (shared === this) shared = undefined;
      void this.#worker.terminate();
    }, STATIC_FACTS_IDLE_MS);
    this.#idle.unref();
  }

  #gone(error: Error): void {
    clearTimeout(this.#idle);
    if (shared === this) shared = undefined;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
