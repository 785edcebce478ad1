/**
 * Offloaded delivery: outbounds' delivery workers and connectors run in delivery threads, a few worker
 * threads shared by all outbounds (delivery-threads.ts, delivery-thread.ts). An MLLP destination takes
 * one message at a time, so a lane's speed is one round trip per message; on the main thread every
 * round trip also waits for an event-loop turn shared with intake, routing and transforms, which caps a
 * lane at a few hundred messages a second under load. In a delivery thread a lane runs at the
 * destination's pace. Loopback outbounds stay on the main thread (their hub is in-process), and so do
 * outbounds with `reingressTo` (they hand each reply to a loopback inbound through that hub), as do
 * engines whose store codec cannot be rebuilt from keys. Each thread opens the engine's database
 * itself: the SQLite file (sharing the write lock), or on PostgreSQL a pool of THREAD_PG_POOL
 * connections on the same schema.
 */
import type { OutboundDef } from "../config/index.js";
import { DELIVERY_LEASE_MS, laneHandoff, type PipelineLog, workerOwner } from "../pipeline/index.js";
import type { Latencies } from "../pipeline/latency.js";
import type { OffloadedDelivery } from "../pipeline/runner.js";
import type { Running } from "../pipeline/supervisor.js";
import type { PgConnectionOptions, Store, WriteLock } from "../store/index.js";
import type { OutboundState } from "../transports/index.js";
import type { DeliveryThreadData, ThreadDatabase } from "./delivery-thread.js";
import { DeliveryThreads } from "./delivery-threads.js";

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
  /** The engine's store: wake-ups and handoffs for the lanes; on SQLite it also runs their writes. */
  store: Pick<Store, "onWake" | "attachHandoff" | "completeDelivery" | "releaseClaims" | "releaseLane">;
  log: PipelineLog;
  workers?: { batchSize?: number; pollMs?: number };
  /** Where the threads' delivery latencies are added up (GET /metrics). */
  latencies?: Latencies;
  /** At most this many delivery threads, shared by the outbounds (default: delivery-threads.ts). */
  threads?: number;
}

export function offloader(opts: OffloadOptions): (def: OutboundDef) => OffloadedDelivery | undefined {
  const threads = new DeliveryThreads({
    data: {
      kind: "mf-delivery",
      database: threadDatabase(opts.database),
      keys: opts.keys,
      insecure: opts.insecure,
      debugLogs: opts.log.isLevelEnabled?.("debug") ?? true,
      ...opts.workers,
    },
    ...(opts.threads !== undefined ? { max: opts.threads } : {}),
    log: opts.log,
    ...(opts.database.backend === "sqlite" ? { writeLock: opts.database.writeLock, writes: opts.store } : {}),
  });
  return (def) =>
    def.transport === "loopback" || reingresses(def) ? undefined : new ThreadedOutbound(def, opts, threads);
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
    private readonly threads: DeliveryThreads,
  ) {
    // Stable across restarts of the lane, so a restarted worker is recognisably the same lane owner.
    this.#owner = workerOwner("delivery-thread", def.name);
  }

  get state(): OutboundState {
    return this.#state;
  }

  start(): Promise<Running> {
    const { def, opts } = this;
    let resolveDone: () => void = () => {};
    let rejectDone: (error: Error) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    let unsubscribe: () => void = () => {};
    let detach: (() => void) | undefined;
    const ended = () => {
      detach?.();
      unsubscribe();
    };
    return new Promise<Running>((resolve, reject) => {
      done.catch(reject);
      const lane = this.threads.start(
        {
          name: def.name,
          transport: def.transport,
          settings: def.settings,
          retry: def.options.retry,
          ordered: def.options.ordering !== "unordered",
          owner: this.#owner,
        },
        {
          ready: () => {
            // Rows queued before the lane subscribed: look once.
            lane.wake();
            resolve({
              done,
              stop: async () => {
                // No more rows claimed for the lane; it gives back the ones it has not taken.
                detach?.();
                lane.stop();
                await done.catch(() => undefined);
              },
            });
          },
          state: (m) => {
            this.#state = m.state as OutboundState;
            if (m.latency) opts.latencies?.merge("delivery", def.name, m.latency);
          },
          failed: (error) => {
            ended();
            rejectDone(error);
          },
          stopped: () => {
            ended();
            resolveDone();
          },
        },
      );
      unsubscribe = opts.store.onWake("outbound", def.name, () => lane.wake());
      // The lane's rows are claimed for its worker as the main thread writes them, and passed to it
      // with their payloads (no claim, no read-back and no decryption in the thread).
      detach = opts.store.attachHandoff?.(
        "outbound",
        def.name,
        laneHandoff(this.#owner, DELIVERY_LEASE_MS, (rows, claimedAt) => lane.hand(rows, claimedAt)),
      );
    });
  }
}
