/**
 * extract.ts over a load's sources. Imported by static-facts.ts in-process, or started as its
 * extraction thread: then it answers each request posted to it until the main thread ends it.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { extractCalls } from "./extract.js";
import type { SourceText, StaticCallEntries } from "./static-call.js";

export function extractAll(files: readonly SourceText[]): StaticCallEntries {
  return files.map((f) => [f.rel, extractCalls(f.text, f.rel)]);
}

/** The workerData static-facts.ts starts the thread with (a mark: this module is also imported). */
export interface StaticFactsThreadData {
  kind: "mf-static-facts";
}

export interface StaticFactsRequest {
  id: number;
  files: SourceText[];
}

export type StaticFactsAnswer = { id: number; entries: StaticCallEntries } | { id: number; error: string };

const data = workerData as Partial<StaticFactsThreadData> | undefined;
const port = parentPort;
if (!isMainThread && port && data?.kind === "mf-static-facts") {
  port.on("message", (req: StaticFactsRequest) => {
    let answer: StaticFactsAnswer;
    try {
      answer = { id: req.id, entries: extractAll(req.files) };
    } catch (error) {
      answer = { id: req.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(answer);
  });
}
