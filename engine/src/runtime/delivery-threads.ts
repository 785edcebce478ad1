/**
 * The delivery threads: a few worker threads (delivery-thread.ts), each running the lanes of several
 * outbounds. A thread costs ~30 MB and, on PostgreSQL, a connection pool; a lane costs a connector and
 * a delivery worker. One thread per outbound made an engine with the samples' nine outbounds take
 * 455 MB idle against 171 MB without threads — a hospital's hundred outbounds would take gigabytes.
 * Lanes go to the thread with the fewest; a thread ends when its last lane stops, and when it dies,
 * each of its lanes fails (the runner's supervisor restarts them, in a new thread).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { PipelineLog } from "../pipeline/index.js";
import type { ClaimedRow, WriteLock } from "../store/index.js";
import { threadSource } from "../thread-source.js";
import type { DeliveryThreadData, FromThread, LaneData, ToThread } from "./delivery-thread.js";
import { handedRows } from "./handed-rows.js";
import { applyWrite } from "./main-writes.js";

const THREAD_URL = new URL(
  `./delivery-thread${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/** How long a thread with no lanes gets to close its store before it is ended anyway. */
const CLOSE_GRACE_MS = 5000;

/**
 * The young generation of a delivery thread's heap. V8's default grows it to 32 MB per isolate; a
 * lane's garbage is short-lived (a batch of rows, a frame, an ACK), and with 12 MB the thread's peak
 * heap under load falls by ~24 MB at no measured cost in msg/s or CPU (docs/PERFORMANCE.md, footprint).
 */
export const DELIVERY_YOUNG_GENERATION_MB = 12;

/** Delivery threads by default: one per core, at least 2 (a slow lane's CPU never starves all others), at most 8. */
export function defaultDeliveryThreads(): number {
  return Math.min(8, Math.max(2, availableParallelism()));
}

/** What a lane hears from the thread it runs in. */
export interface LaneEvents {
  /** Its connector and worker run; rows queued before now need a wake. */
  ready(): void;
  state(m: Extract<FromThread, { type: "state" }>): void;
  /** Its worker failed, or its thread died: the lane is gone. */
  failed(error: Error): void;
  /** It stopped when asked. */
  stopped(): void;
}

export interface LaneHandle {
  wake(): void;
  /** Rows written claimed for the lane (the store's handoff), passed to its inbox in the thread. */
  hand(rows: ClaimedRow[], claimedAt: number): void;
  /** Asks the lane to stop; the thread ends once its last lane has. */
  stop(): void;
}

export interface DeliveryThreadsOptions {
  data: DeliveryThreadData;
  /** At most this many threads (default `defaultDeliveryThreads()`). */
  max?: number;
  log: PipelineLog;
  /** The SQLite write lock the threads share, freed when a thread dies holding it. */
  writeLock?: WriteLock;
  /** SQLite: the store whose (main-thread) connection runs the lanes' writes (main-writes.ts). */
  writes?: Parameters<typeof applyWrite>[0];
}

export class DeliveryThreads {
  readonly #threads = new Set<DeliveryThread>();
  readonly #max: number;

  constructor(private readonly opts: DeliveryThreadsOptions) {
    this.#max = Math.max(1, opts.max ?? defaultDeliveryThreads());
  }

  /** Starts `lane` in the thread with the fewest lanes, or in a new one while fewer than the maximum run. */
  start(lane: LaneData, events: LaneEvents): LaneHandle {
    let thread: DeliveryThread | undefined;
    for (const t of this.#threads) if (!thread || t.lanes.size < thread.lanes.size) thread = t;
    if (!thread || (thread.lanes.size > 0 && this.#threads.size < this.#max)) {
      thread = new DeliveryThread(this.opts, (t) => this.#threads.delete(t));
      this.#threads.add(thread);
    }
    return thread.start(lane, events);
  }
}

/** One worker thread and the lanes in it. */
class DeliveryThread {
  readonly lanes = new Map<string, LaneEvents>();
  readonly #worker: Worker;
  #closed: () => void = () => {};
  #ended = false;

  constructor(
    private readonly opts: DeliveryThreadsOptions,
    private readonly gone: (t: DeliveryThread) => void,
  ) {
    this.#worker = new Worker(threadSource(THREAD_URL), {
      eval: true,
      workerData: opts.data,
      resourceLimits: { maxYoungGenerationSizeMb: DELIVERY_YOUNG_GENERATION_MB },
    });
    const threadId = this.#worker.threadId;
    this.#worker.on("message", (m: FromThread) => this.#onMessage(m));
    this.#worker.on("error", (error) => this.#died(error));
    this.#worker.on("exit", (code) => {
      this.#ended = true;
      // A thread stopped mid-transaction must not leave the database locked for everyone else.
      if (opts.writeLock?.breakIfHeldBy(threadId))
        opts.log.warn({}, "freed the write lock of an exited delivery thread");
      this.#died(new Error(`delivery thread exited with ${code}`));
    });
  }

  start(lane: LaneData, events: LaneEvents): LaneHandle {
    this.lanes.set(lane.name, events);
    this.#post({ type: "start", lane });
    return {
      wake: () => this.#post({ type: "wake", lane: lane.name }),
      hand: (rows, claimedAt) => {
        const handed = handedRows(rows);
        this.#worker.postMessage(
          { type: "rows", lane: lane.name, rows: handed.rows, claimedAt } satisfies ToThread,
          handed.transfer,
        );
      },
      stop: () => this.#post({ type: "stop", lane: lane.name }),
    };
  }

  #post(m: ToThread): void {
    this.#worker.postMessage(m);
  }

  #onMessage(m: FromThread): void {
    switch (m.type) {
      case "log":
        relayThreadLog(m, this.opts.log);
        return;
      case "ready":
        this.lanes.get(m.lane)?.ready();
        return;
      case "state":
        this.lanes.get(m.lane)?.state(m);
        return;
      case "failed":
      case "stopped": {
        const events = this.lanes.get(m.lane);
        this.lanes.delete(m.lane);
        if (m.type === "failed") events?.failed(new Error(`delivery lane ${m.lane} failed: ${m.error}`));
        else events?.stopped();
        if (this.lanes.size === 0) void this.#close();
        return;
      }
      case "closed":
        this.#closed();
        return;
      case "write": {
        const writes = this.opts.writes;
        if (!writes) return;
        void applyWrite(writes, m).then((reply) => {
          // A thread ended meanwhile has nobody left to answer.
          if (!this.#ended) this.#worker.postMessage(reply satisfies ToThread);
        });
        return;
      }
    }
  }

  /** No lanes left: leave the pool at once (new lanes get a new thread), close the store, end the thread. */
  async #close(): Promise<void> {
    this.gone(this);
    const closed = new Promise<void>((resolve) => {
      this.#closed = resolve;
    });
    this.#post({ type: "close" });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    await this.#worker.terminate();
  }

  #died(error: Error): void {
    this.gone(this);
    const lanes = [...this.lanes.values()];
    this.lanes.clear();
    for (const events of lanes) events.failed(error);
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
