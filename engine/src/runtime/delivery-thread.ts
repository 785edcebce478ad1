/**
 * Worker-thread side of an offloaded outbound (see offload.ts). The thread opens its own store on the
 * engine's database (a connection to the same SQLite file, or a small pool on the same PostgreSQL
 * schema) and runs the ordinary delivery worker and connector, so a delivery's
 * round trip waits only for this thread's short event-loop turns, not for intake and transforms on
 * the main thread. Wake-ups ("rows were queued for this lane") arrive as messages from the main
 * thread; connector state and log lines go back the same way.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startDeliveryWorker } from "../pipeline/delivery-worker.js";
import { emptyHistogram, type HistogramData, observeInto } from "../pipeline/latency.js";
import { sendMeta } from "../pipeline/send-meta.js";
import type { PipelineLog, RetryPolicy } from "../pipeline/types.js";
import {
  type BodyCodec,
  codecFromEnv,
  LeaderFence,
  openPgStore,
  openSqliteStore,
  type PgConnectionOptions,
  type PgStore,
  type SqliteStore,
  type Store,
  WriteLock,
} from "../store/index.js";
import { connectors, LoopbackHub, type RawSettings } from "../transports/index.js";

/** Where a delivery thread opens its store: plain data, copied into the thread. */
export type ThreadDatabase =
  | {
      backend: "sqlite";
      path: string;
      /** The engine's write lock (write-lock.ts), shared with the main thread's connection. */
      writeLock: SharedArrayBuffer;
      autoCheckpoint: boolean;
    }
  | { backend: "postgres"; pg: PgConnectionOptions; fence?: { owner: string; buffer: SharedArrayBuffer } };

/** Connections of a delivery thread's PostgreSQL pool: its worker runs one transaction at a time. */
export const THREAD_PG_POOL = 2;

/** What the main thread hands to a delivery thread. */
export interface DeliveryThreadData {
  kind: "mf-delivery";
  database: ThreadDatabase;
  /** MEFOR_STORE_KEY / MEFOR_STORE_OLD_KEYS, or none with `insecure`. */
  keys: { MEFOR_STORE_KEY?: string; MEFOR_STORE_OLD_KEYS?: string };
  insecure: boolean;
  name: string;
  transport: string;
  settings: RawSettings;
  retry: RetryPolicy;
  /** False for `ordering = "unordered"` (see DeliveryWorkerOptions.ordered). */
  ordered: boolean;
  owner: string;
  batchSize?: number;
  pollMs?: number;
}

export type ToThread = { type: "wake" } | { type: "stop" };
export type FromThread =
  | { type: "ready" }
  | { type: "state"; state: unknown; latency?: HistogramData }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; obj: Record<string, unknown>; msg?: string }
  | { type: "stopped" };

async function run(data: DeliveryThreadData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: FromThread) => port.postMessage(m);
  const at = (level: "debug" | "info" | "warn" | "error") => (obj: Record<string, unknown>, msg?: string) =>
    post({ type: "log", level, obj, ...(msg !== undefined ? { msg } : {}) });
  const log: PipelineLog = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };

  const store = await openThreadStore(data.database, codecFromEnv(data.keys, { insecure: data.insecure }));
  const connector = connectors.createOutbound(data.transport, data.name, data.settings, {
    log,
    loopback: new LoopbackHub(),
  });
  // The delivery worker only claims, completes and sleeps; its wake-ups come from the main thread.
  const listeners = new Set<() => void>();
  const view = {
    claimOutbound: (n, o) => store.claimOutbound(n, o),
    completeDelivery: (o, r) => store.completeDelivery(o, r),
    releaseClaims: (o, ids) => store.releaseClaims(o, ids),
    laneHead: (n) => store.laneHead(n),
    // The store-outage probe (pipeline/store-outage.ts) reads a cursor to see the database back.
    getCursor: (k) => store.getCursor(k),
    releaseLane: (n, o) => store.releaseLane(n, o),
    onWake: (_stage, _conn, listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as Pick<
    Store,
    | "claimOutbound"
    | "completeDelivery"
    | "releaseClaims"
    | "laneHead"
    | "releaseLane"
    | "onWake"
    | "getCursor"
  >;
  // Delivery latencies since the last state report (the main thread adds them up for GET /metrics).
  let latency = emptyHistogram();
  const worker = startDeliveryWorker(
    data.name,
    async (_o, payload, meta) => {
      const start = performance.now();
      try {
        return await connector.send(payload, sendMeta(payload, meta));
      } finally {
        observeInto(latency, performance.now() - start);
      }
    },
    {
      store: view as Store,
      retry: data.retry,
      ordered: data.ordered,
      log,
      owner: data.owner,
      // Few, larger write transactions: each one briefly takes the database's write lock from intake.
      batchSize: data.batchSize ?? 256,
      flushMs: 100,
      ...(data.pollMs !== undefined ? { pollMs: data.pollMs } : {}),
    },
  );
  const report = () => {
    const delta = latency;
    latency = emptyHistogram();
    post({ type: "state", state: connector.state, ...(delta.count > 0 ? { latency: delta } : {}) });
  };
  const stateTimer = setInterval(report, 250);
  port.on("message", (m: ToThread) => {
    if (m.type === "wake") {
      for (const l of listeners) l();
    } else if (m.type === "stop") {
      void (async () => {
        clearInterval(stateTimer);
        await worker.stop();
        await connector.close();
        report();
        await store.close();
        post({ type: "stopped" });
        port.close();
      })();
    }
  });
  post({ type: "ready" });
}

async function openThreadStore(db: ThreadDatabase, codec: BodyCodec): Promise<SqliteStore | PgStore> {
  if (db.backend === "postgres") {
    const fence = db.fence ? { fence: new LeaderFence(db.fence.owner, db.fence.buffer) } : {};
    return openPgStore({ ...db.pg, poolSize: THREAD_PG_POOL, codec, ...fence });
  }
  return openSqliteStore({
    path: db.path,
    codec,
    writeLock: new WriteLock(db.writeLock),
    autoCheckpoint: db.autoCheckpoint,
  });
}

const data = workerData as DeliveryThreadData | undefined;
if (parentPort && data?.kind === "mf-delivery") {
  run(data).catch((error: unknown) => {
    // Surface as the worker's 'error' event: the main thread's supervisor restarts the thread.
    throw error;
  });
}
