/**
 * Offloaded delivery: each outbound's delivery worker and connector run in a worker thread of their
 * own (delivery-thread.ts). An MLLP destination takes one message at a time, so a lane's speed is
 * one round trip per message; on the main thread every round trip also waits for an event-loop turn
 * shared with intake, routing and transforms, which caps a lane at a few hundred messages a second
 * under load. In its own thread a lane runs at the destination's pace. Loopback outbounds stay on the
 * main thread (their hub is in-process), and so do outbounds with `reingressTo` (they hand each reply to
 * a loopback inbound through that hub), as do engines whose store codec cannot be rebuilt from keys.
 * The thread opens the engine's database itself: the SQLite file (sharing the write lock), or on
 * PostgreSQL a pool of THREAD_PG_POOL connections on the same schema.
 */
import { Worker } from "node:worker_threads";
import type { OutboundDef } from "../config/index.js";
import { DELIVERY_LEASE_MS, laneHandoff, type PipelineLog, workerOwner } from "../pipeline/index.js";
import type { Latencies } from "../pipeline/latency.js";
import type { OffloadedDelivery } from "../pipeline/runner.js";
import type { Running } from "../pipeline/supervisor.js";
import type { PgConnectionOptions, Store, WriteLock } from "../store/index.js";
import { threadSource } from "../thread-source.js";
import type { OutboundState } from "../transports/index.js";
import type { DeliveryThreadData, FromThread, ThreadDatabase, ToThread } from "./delivery-thread.js";

/** The engine's database, as each delivery thread opens it. */
export type OffloadDatabase =
  | {
      backend: "sqlite";
      path: string;
      /** The main connection's write lock, shared with each thread's connection. */
      writeLock: WriteLock;
      /** False when the engine's checkpoint thread copies the WAL back (see store/checkpointer.ts). */
      autoCheckpoint: boolean;
    }
  | {
      backend: "postgres";
      pg: PgConnectionOptions;
      /** Clustered: the main thread's leader fence, shared (store/fence.ts). */
      fence?: { owner: string; buffer: SharedArrayBuffer };
    };

export interface OffloadOptions {
  database: OffloadDatabase;
  keys: DeliveryThreadData["keys"];
  insecure: boolean;
  store: Pick<Store, "onWake" | "attachHandoff">;
  log: PipelineLog;
  workers?: { batchSize?: number; pollMs?: number };
  /** Where the threads' delivery latencies are added up (GET /metrics). */
  latencies?: Latencies;
}

const THREAD_URL = new URL(
  `./delivery-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

export function offloader(opts: OffloadOptions): (def: OutboundDef) => OffloadedDelivery | undefined {
  return (def) =>
    def.transport === "loopback" || reingresses(def) ? undefined : new ThreadedOutbound(def, opts);
}

/** True when the outbound hands replies to a loopback inbound (only the main thread's hub has them). */
function reingresses(def: OutboundDef): boolean {
  const to = (def.settings as { reingressTo?: unknown }).reingressTo;
  return typeof to === "string" && to !== "";
}

/** Plain data for the thread: the SQLite write lock travels as its shared buffer. */
function threadDatabase(db: OffloadDatabase): ThreadDatabase {
  if (db.backend === "postgres") return db;
  return {
    backend: "sqlite",
    path: db.path,
    writeLock: db.writeLock.buffer,
    autoCheckpoint: db.autoCheckpoint,
  };
}

class ThreadedOutbound implements OffloadedDelivery {
  #state: OutboundState = { status: "idle", sent: 0, failed: 0, bytesOut: 0, bytesIn: 0 };
  readonly #owner: string;

  constructor(
    private readonly def: OutboundDef,
    private readonly opts: OffloadOptions,
  ) {
    // Stable across restarts of the thread, so a restarted worker is recognisably the same lane owner.
    this.#owner = workerOwner("delivery-thread", def.name);
  }

  get state(): OutboundState {
    return this.#state;
  }

  start(): Promise<Running> {
    const { def, opts } = this;
    const data: DeliveryThreadData = {
      kind: "mf-delivery",
      database: threadDatabase(opts.database),
      keys: opts.keys,
      insecure: opts.insecure,
      name: def.name,
      transport: def.transport,
      settings: def.settings,
      retry: def.options.retry,
      ordered: def.options.ordering !== "unordered",
      owner: this.#owner,
      ...opts.workers,
    };
    const worker = new Worker(threadSource(THREAD_URL), { eval: true, workerData: data });
    const wake = () => worker.postMessage({ type: "wake" } satisfies ToThread);
    const unsubscribe = opts.store.onWake("outbound", def.name, wake);
    // The lane's rows are claimed for the thread's worker as the main thread writes them (no claim
    // transaction in the thread, no write lock taken from intake); a handed row wakes the thread.
    const detach = opts.store.attachHandoff?.(
      "outbound",
      def.name,
      laneHandoff(this.#owner, DELIVERY_LEASE_MS, wake),
    );
    let stopped: () => void = () => {};
    const stoppedP = new Promise<void>((r) => {
      stopped = r;
    });
    const done = new Promise<void>((resolve, reject) => {
      worker.on("error", reject);
      const threadId = worker.threadId;
      worker.on("exit", (code) => {
        // A thread stopped mid-transaction must not leave the database locked for everyone else.
        const db = opts.database;
        if (db.backend === "sqlite" && db.writeLock.breakIfHeldBy(threadId))
          opts.log.warn({ outbound: def.name }, "freed the write lock of an exited delivery thread");
        code === 0 ? resolve() : reject(new Error(`delivery thread exited with ${code}`));
      });
    }).finally(() => {
      detach?.();
      unsubscribe();
      stopped();
    });
    return new Promise<Running>((resolve, reject) => {
      worker.on("message", (m: FromThread) => {
        if (m.type === "ready") {
          // Rows queued before the thread subscribed: look once.
          worker.postMessage({ type: "wake" } satisfies ToThread);
          resolve({
            done,
            stop: async () => {
              // No more rows claimed for the thread; it gives back the ones it has not taken.
              detach?.();
              worker.postMessage({ type: "stop" } satisfies ToThread);
              await Promise.race([stoppedP, done.catch(() => undefined)]);
              await worker.terminate();
            },
          });
        } else if (m.type === "state") {
          this.#state = m.state as OutboundState;
          if (m.latency) opts.latencies?.merge("delivery", def.name, m.latency);
        } else if (m.type === "log") relayThreadLog(m, opts.log);
        else if (m.type === "stopped") stopped();
      });
      done.catch(reject);
    });
  }
}

/**
 * A delivery thread's log line, logged by the main thread — except the thread's view of a store outage
 * (it has its own connection and record): the main thread's workers and intake see the same outage and
 * log it once at warn, so a thread's start and end lines go at debug rather than repeat it per thread.
 */
function relayThreadLog(m: Extract<FromThread, { type: "log" }>, log: PipelineLog): void {
  const outage = m.obj.event === "store-unavailable" || m.obj.event === "store-available";
  log[outage ? "debug" : m.level](m.obj, m.msg);
}
