/**
 * Static facts for a load: extract.ts over every TypeScript source that ran. In this thread, or — for
 * the engine — in a short-lived worker thread, so the TypeScript compiler (~50 MB resident once
 * loaded) is never part of the engine's process: it is loaded for the extraction and freed with the
 * thread. CLI commands and the language server run it in-process (one load per process, or TS loaded
 * anyway).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { threadSource } from "../thread-source.js";
import type { SourceText, StaticCall, StaticCallEntries } from "./static-call.js";
import type { StaticFactsJob } from "./static-facts-thread.js";

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

/** The extraction in a worker thread that ends once it answered (its heap, TypeScript and all, goes with it). */
function inThread(files: readonly SourceText[]): Promise<StaticCallEntries> {
  return new Promise((resolve, reject) => {
    const job: StaticFactsJob = { staticFacts: [...files] };
    const worker = new Worker(threadSource(THREAD_URL), { eval: true, workerData: job });
    let answer: StaticCallEntries | undefined;
    worker.once("message", (m: StaticCallEntries) => {
      answer = m;
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (answer) resolve(answer);
      else reject(new Error(`static facts thread exited with code ${code} before answering`));
    });
  });
}
