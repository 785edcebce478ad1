/**
 * Worker-thread side of offloaded outbounds (see offload.ts). The thread opens its own store on the
 * engine's database (a connection to the same SQLite file, or a small pool on the same PostgreSQL
 * schema) and runs, for each lane the main thread starts in it, the ordinary delivery worker and
 * connector, so a delivery's
 * round trip waits only for this thread's short event-loop turns, not for intake and transforms on
 * the main thread. Wake-ups ("rows were queued for this lane") arrive as messages from the main
 * thread; connector state and log lines go back the same way.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startDeliveryWorker } from "../pipeline/delivery-worker.js";
import { emptyHistogram, type HistogramData, observeInto } from "../pipeline/latency.js";
import { sendMeta } from "../pipeline/send-meta.js";
import type { PipelineLog, RetryPolicy } from "../pipeline/types.js";
import type { WorkerHandle } from "../pipeline/worker-loop.js";
import {
  type BodyCodec,
  codecFromEnv,
  type HandoffTarget,
  LeaderFence,
  openPgStore,
  openSqliteStore,
  type PgConnectionOptions,
  type PgStore,
  type SqliteStore,
  type Store,
  WriteLock,
} from "../store/index.js";
import { connectors, LoopbackHub, type OutboundConnector, type RawSettings } from "../transports/index.js";
import { type HandedRows, receivedRows } from "./handed-rows.js";
import { MainWriter, type WriteCall, type WriteReply } from "./main-writes.js";

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

/**
 * Connections of a delivery thread's PostgreSQL pool: each of its lanes runs one transaction at a time,
 * and a few lanes share the pool.
 */
export const THREAD_PG_POOL = 4;

/** What the main thread hands to a delivery thread when it starts it: the database, never a lane. */
export interface DeliveryThreadData {
  kind: "mf-delivery";
  database: ThreadDatabase;
  /** MEFOR_STORE_KEY / MEFOR_STORE_OLD_KEYS, or none with `insecure`. */
  keys: { MEFOR_STORE_KEY?: string; MEFOR_STORE_OLD_KEYS?: string };
  insecure: boolean;
  batchSize?: number;
  pollMs?: number;
  /**
   * False when the engine's log drops debug lines: the thread then does not post them (a connector
   * logs one per delivery, and each post is a message the main thread must receive and decode).
   */
  debugLogs?: boolean;
}

/** One outbound's lane, started in a thread with `{ type: "start" }`. */
export interface LaneData {
  name: string;
  transport: string;
  settings: RawSettings;
  retry: RetryPolicy;
  /** False for `ordering = "unordered"` (see DeliveryWorkerOptions.ordered). */
  ordered: boolean;
  owner: string;
}

/** Messages posted before the thread has opened its store wait in its port until it has. */
export type ToThread =
  | { type: "start"; lane: LaneData }
  | { type: "wake"; lane: string }
  /** Rows the main thread's store wrote claimed for the lane (its handoff), payloads in the clear. */
  | { type: "rows"; lane: string; rows: HandedRows; claimedAt: number }
  /** The main thread committed a write this thread asked for (SQLite: main-writes.ts). */
  | WriteReply
  | { type: "stop"; lane: string }
  /** No lanes left: close the store, answer `closed`; the main thread then ends the thread. */
  | { type: "close" };
export type FromThread =
  | { type: "ready"; lane: string }
  | { type: "state"; lane: string; state: unknown; latency?: HistogramData }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; obj: Record<string, unknown>; msg?: string }
  /** The lane's worker ended with an error (the main thread's supervisor restarts the lane). */
  | { type: "failed"; lane: string; error: string }
  | { type: "stopped"; lane: string }
  | { type: "closed" }
  /** SQLite: a lane's write, for the main thread's connection to run (main-writes.ts). */
  | WriteCall;

/** A lane running in this thread. */
interface Lane {
  connector: OutboundConnector;
  worker: WorkerHandle;
  listeners: Set<() => void>;
  /** The lane's inbox, which its worker attaches as the store's handoff target. */
  handoff: { target?: HandoffTarget };
  /** Delivery latencies since the last state report (the main thread adds them up for GET /metrics). */
  stats: { latency: HistogramData };
  stopping: boolean;
}

async function run(data: DeliveryThreadData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: FromThread) => port.postMessage(m);
  const at = (level: "debug" | "info" | "warn" | "error") => (obj: Record<string, unknown>, msg?: string) =>
    post({ type: "log", level, obj, ...(msg !== undefined ? { msg } : {}) });
  const log: PipelineLog = {
    debug: data.debugLogs === false ? () => undefined : at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };

  const store = await openThreadStore(data.database, codecFromEnv(data.keys, { insecure: data.insecure }));
  // On SQLite the lanes' writes run on the main thread's connection; on PostgreSQL on this thread's pool.
  const writer = data.database.backend === "sqlite" ? new MainWriter(post) : undefined;
  const writes = writer ?? store;
  const lanes = new Map<string, Lane>();

  const report = (name: string, lane: Lane) => {
    const delta = lane.stats.latency;
    lane.stats.latency = emptyHistogram();
    post({
      type: "state",
      lane: name,
      state: lane.connector.state,
      ...(delta.count > 0 ? { latency: delta } : {}),
    });
  };
  const stateTimer = setInterval(() => {
    for (const [name, lane] of lanes) report(name, lane);
  }, 250);

  const start = (l: LaneData) => {
    try {
      if (lanes.has(l.name)) throw new Error("a lane of that name runs in this thread already");
      startLane(l);
    } catch (error) {
      // One lane that cannot start must not take the thread's other lanes with it.
      post({ type: "failed", lane: l.name, error: error instanceof Error ? error.message : String(error) });
    }
  };

  const startLane = (l: LaneData) => {
    const connector = connectors.createOutbound(l.transport, l.name, l.settings, {
      log,
      loopback: new LoopbackHub(),
    });
    // The delivery worker only claims, completes and sleeps; its wake-ups and handed rows come from
    // the main thread.
    const listeners = new Set<() => void>();
    const handoff: Lane["handoff"] = {};
    const view = {
      attachHandoff: (_stage, _conn, target) => {
        handoff.target = target;
        return () => {
          if (handoff.target === target) delete handoff.target;
        };
      },
      claimOutbound: (n, o) => store.claimOutbound(n, o),
      completeDelivery: (o, r) => writes.completeDelivery(o, r),
      releaseClaims: (o, ids) => writes.releaseClaims(o, ids),
      laneHead: (n) => store.laneHead(n),
      // The store-outage probe (pipeline/store-outage.ts) reads a cursor to see the database back.
      getCursor: (k) => store.getCursor(k),
      releaseLane: (n, o) => writes.releaseLane(n, o),
      requireLeader: () => store.requireLeader(),
      onWake: (_stage, _conn, listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as Pick<
      Store,
      | "attachHandoff"
      | "claimOutbound"
      | "completeDelivery"
      | "releaseClaims"
      | "laneHead"
      | "releaseLane"
      | "requireLeader"
      | "onWake"
      | "getCursor"
    >;
    const stats = { latency: emptyHistogram() };
    const worker = startDeliveryWorker(
      l.name,
      async (_o, payload, meta) => {
        const begun = performance.now();
        try {
          return await connector.send(payload, sendMeta(payload, meta));
        } finally {
          observeInto(stats.latency, performance.now() - begun);
        }
      },
      {
        store: view as Store,
        retry: l.retry,
        ordered: l.ordered,
        log,
        owner: l.owner,
        // Few, larger write transactions: on SQLite each runs on the main thread, between intake's commits.
        batchSize: data.batchSize ?? 256,
        flushMs: 100,
        ...(data.pollMs !== undefined ? { pollMs: data.pollMs } : {}),
      },
    );
    const lane: Lane = { connector, worker, listeners, handoff, stats, stopping: false };
    lanes.set(l.name, lane);
    // A lane whose worker fails goes: the main thread restarts it (in this thread or another).
    lane.worker.done.catch(async (error: unknown) => {
      if (lane.stopping) return;
      lanes.delete(l.name);
      await connector.close().catch(() => undefined);
      post({ type: "failed", lane: l.name, error: error instanceof Error ? error.message : String(error) });
    });
    post({ type: "ready", lane: l.name });
  };

  const stop = async (name: string) => {
    const lane = lanes.get(name);
    if (!lane) return post({ type: "stopped", lane: name });
    lane.stopping = true;
    await lane.worker.stop().catch(() => undefined);
    await lane.connector.close().catch(() => undefined);
    report(name, lane);
    lanes.delete(name);
    post({ type: "stopped", lane: name });
  };

  const close = async () => {
    clearInterval(stateTimer);
    writer?.failAll(new Error("the delivery thread is closing"));
    await store.close().catch(() => undefined);
    post({ type: "closed" });
  };

  port.on("message", (m: ToThread) => {
    if (m.type === "start") start(m.lane);
    else if (m.type === "wake") {
      for (const l of lanes.get(m.lane)?.listeners ?? []) l();
    } else if (m.type === "rows") lanes.get(m.lane)?.handoff.target?.take(receivedRows(m.rows), m.claimedAt);
    else if (m.type === "written") writer?.answer(m);
    else if (m.type === "stop") void stop(m.lane);
    else if (m.type === "close") void close();
  });
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
