/**
 * The load run's destination in a worker thread of its own: the harness sink (AA to everything),
 * reporting each arrival's control id and time to the main thread in small batches. A real
 * destination does not share an event loop with the systems sending to the engine; here its answers
 * would otherwise wait behind the generator's sends. Started by sink-client.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startSink } from "../harness/index.js";

export interface SinkThreadData {
  host: string;
  port: number;
}

export type SinkThreadMessage =
  | { type: "listening"; port: number }
  | { type: "arrivals"; ids: string[]; times: number[] }
  | { type: "failed"; message: string }
  | { type: "closed" };

const port = parentPort;
if (port) {
  const data = workerData as SinkThreadData;
  let ids: string[] = [];
  let times: number[] = [];
  const flush = (): void => {
    if (ids.length === 0) return;
    port.postMessage({ type: "arrivals", ids, times } satisfies SinkThreadMessage);
    ids = [];
    times = [];
  };
  const timer = setInterval(flush, 5);
  startSink({
    host: data.host,
    port: data.port,
    keepRecords: false,
    onRecord: (r) => {
      ids.push(r.controlId);
      times.push(r.receivedAt);
    },
  }).then(
    (sink) => {
      port.postMessage({ type: "listening", port: sink.port } satisfies SinkThreadMessage);
      port.on("message", (m: { type: "close" }) => {
        if (m.type !== "close") return;
        void sink.close().finally(() => {
          clearInterval(timer);
          flush();
          port.postMessage({ type: "closed" } satisfies SinkThreadMessage);
          port.close();
        });
      });
    },
    (error: Error) => {
      clearInterval(timer);
      port.postMessage({ type: "failed", message: error.message } satisfies SinkThreadMessage);
      port.close();
    },
  );
}
