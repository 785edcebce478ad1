/**
 * extract.ts over a load's sources. Imported by static-facts.ts in-process, or started as a worker
 * thread with the sources in its workerData: it posts the answer and ends.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { extractCalls } from "./extract.js";
import type { SourceText, StaticCallEntries } from "./static-call.js";

export function extractAll(files: readonly SourceText[]): StaticCallEntries {
  return files.map((f) => [f.rel, extractCalls(f.text, f.rel)]);
}

/** The workerData static-facts.ts starts this thread with (marked, as this module is also imported). */
export interface StaticFactsJob {
  staticFacts: SourceText[];
}

const job = workerData as Partial<StaticFactsJob> | undefined;
if (!isMainThread && parentPort && Array.isArray(job?.staticFacts)) {
  parentPort.postMessage(extractAll(job.staticFacts));
}
