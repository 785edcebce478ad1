/** Starts the load run's sink thread (sink-thread.ts) and hands its arrivals to `onArrival`. */
import { Worker } from "node:worker_threads";
import { threadSource } from "../thread-source.js";
import type { SinkThreadData, SinkThreadMessage } from "./sink-thread.js";

const THREAD_URL = new URL(
  `./sink-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

export interface LoadSink {
  port: number;
  /** Stops the sink after every arrival so far has been handed over. */
  close(): Promise<void>;
}

export function startLoadSink(
  host: string,
  port: number,
  onArrival: (controlId: string, at: number) => void,
): Promise<LoadSink> {
  const worker = new Worker(threadSource(THREAD_URL), {
    eval: true,
    workerData: { host, port } satisfies SinkThreadData,
  });
  let closed: (() => void) | undefined;
  return new Promise((resolve, reject) => {
    worker.on("message", (m: SinkThreadMessage) => {
      if (m.type === "arrivals")
        for (let i = 0; i < m.ids.length; i++) onArrival(m.ids[i] as string, m.times[i] as number);
      else if (m.type === "listening")
        resolve({
          port: m.port,
          close: () =>
            new Promise<void>((done) => {
              closed = done;
              worker.postMessage({ type: "close" });
            }),
        });
      else if (m.type === "failed") {
        reject(new Error(`the sink cannot listen on ${host}:${port}: ${m.message}`));
        void worker.terminate();
      } else {
        void worker.terminate().then(() => closed?.());
      }
    });
    worker.once("error", reject);
  });
}
