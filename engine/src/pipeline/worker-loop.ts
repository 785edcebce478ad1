/**
 * The loop every queue worker shares: do a step, and when there was nothing to do, sleep until a
 * wake-up (rows committed in this process), a deadline (a backoff ends), the poll fallback, or stop.
 * Between busy steps it yields to the event loop so intake and sibling workers always get a turn.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Stage, Store } from "../store/index.js";
import { isStoreUnavailable, OUTAGE_RETRY_MS, outageOf } from "./store-outage.js";
import type { PipelineLog } from "./types.js";

/** What one step reports: it did work (loop again soon), or it is idle until `wakeAt` / a wake-up. */
export type StepResult = { busy: true } | { busy: false; wakeAt?: number };

export interface WorkerHandle {
  readonly name: string;
  /** Asks the worker to stop after its in-flight item, and waits for it. */
  stop(): Promise<void>;
  /** Settles when the loop has ended. */
  readonly done: Promise<void>;
}

export interface LoopOptions {
  name: string;
  store: Store;
  stage: Stage;
  conn: string;
  step: (signal: AbortSignal) => Promise<StepResult>;
  signal?: AbortSignal;
  /** Poll fallback when no wake-up arrives (another process wrote, a lease ran out). */
  pollMs: number;
  log: PipelineLog;
  /** Receives the loop's wake function (work finishing outside a step can end the loop's sleep). */
  bindWake?: (wake: () => void) => void;
}

const PROCESS_TAG = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

/** A worker identity for `claimed_by`: unique per process and worker. */
export function workerOwner(role: string, conn: string): string {
  return `${PROCESS_TAG}:${role}:${conn}`;
}

export function startLoop(opts: LoopOptions): WorkerHandle {
  const ctrl = new AbortController();
  const outer = opts.signal;
  const onOuterAbort = () => ctrl.abort();
  if (outer) {
    if (outer.aborted) ctrl.abort();
    else outer.addEventListener("abort", onOuterAbort, { once: true });
  }
  const signal = ctrl.signal;

  let woken = false;
  let wakeSleeper: (() => void) | undefined;
  const wake = () => {
    woken = true;
    wakeSleeper?.();
  };
  const unsubscribe = opts.store.onWake(opts.stage, opts.conn, wake);
  opts.bindWake?.(wake);
  signal.addEventListener("abort", wake, { once: true });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        wakeSleeper = undefined;
        resolve();
      }
      wakeSleeper = done;
    });
  const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  const outage = outageOf(opts.store);
  const run = async () => {
    let errorDelay = 100;
    let awayDelay = OUTAGE_RETRY_MS.first;
    while (!signal.aborted) {
      woken = false;
      const startedAt = Date.now();
      try {
        const r = await opts.step(signal);
        errorDelay = 100;
        awayDelay = OUTAGE_RETRY_MS.first;
        if (r.busy) {
          await yieldTurn();
          continue;
        }
        const until = r.wakeAt === undefined ? opts.pollMs : Math.min(opts.pollMs, r.wakeAt - Date.now());
        await sleep(until);
      } catch (error) {
        if (isStoreUnavailable(error)) {
          // The store is away: logged once per outage (not per worker or row); probe about once a second.
          outage.failed(error, startedAt, opts.log);
          await sleep(awayDelay);
          awayDelay = Math.min(awayDelay * 2, OUTAGE_RETRY_MS.cap);
          continue;
        }
        // A store error (disk full, busy) must not kill the worker: log, back off, try again.
        opts.log.error({ worker: opts.name, err: describeError(error) }, "worker step failed; retrying");
        await sleep(errorDelay);
        errorDelay = Math.min(errorDelay * 2, 5000);
      }
    }
  };

  const done = run().finally(() => {
    unsubscribe();
    outer?.removeEventListener("abort", onOuterAbort);
  });
  return {
    name: opts.name,
    done,
    stop() {
      ctrl.abort();
      return done;
    },
  };
}

/**
 * Claims a failed step could not give back because the store was away: without this they stay leased
 * to this worker (up to the lease, minutes for a delivery lane) after the store returns. `giveBack`
 * never throws; `settle` (at the start of each step) returns them once the store answers again.
 */
export class OwedClaims {
  readonly #ids = new Set<number>();
  constructor(
    private readonly store: Store,
    private readonly owner: string,
  ) {}

  async giveBack(rowIds: readonly number[]): Promise<void> {
    if (rowIds.length === 0) return;
    try {
      await this.store.releaseClaims(this.owner, [...rowIds]);
    } catch {
      for (const id of rowIds) this.#ids.add(id);
    }
  }

  /** Releases what is owed (only rows still claimed by this owner change); throws while the store is away. */
  async settle(): Promise<void> {
    if (this.#ids.size === 0) return;
    const ids = [...this.#ids];
    await this.store.releaseClaims(this.owner, ids);
    for (const id of ids) this.#ids.delete(id);
  }
}

/** The loop's handle, whose `done` (and `stop`) also wait for `finish` after the loop has ended. */
export function afterLoop(loop: WorkerHandle, finish: () => Promise<void>): WorkerHandle {
  const done = loop.done.then(finish);
  return {
    name: loop.name,
    done,
    stop() {
      void loop.stop();
      return done;
    },
  };
}

/** A short, body-free description of something thrown by user code or a connector. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
