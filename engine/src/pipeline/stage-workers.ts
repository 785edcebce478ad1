/**
 * Per inbound: the router worker (ingress → routed) and the transform worker (routed → outbound).
 * Each claims a batch, runs the user's pure function per row, and hands the batch off in one
 * transaction. A throwing, failing or hung router/handler errors only its own message.
 *
 * The transform worker runs each handler's rows as its own sequence (in order), concurrently with the
 * other handlers, and claims no new rows for a handler still busy: a hung handler stalls only itself.
 * No row is started unless its call (bounded by `callTimeoutMs`) ends before the batch's lease does;
 * the rest of the batch is given back and claimed again.
 */
import type { ClaimedRow, RoutingResult, Store, TransformResult } from "../store/index.js";
import { HandoffInbox } from "./handoff-inbox.js";
import { isStoreUnavailable, outageOf } from "./store-outage.js";
import type { PayloadEnvelope, PipelineLog, RouteFn, TransformFn } from "./types.js";
import {
  afterLoop,
  describeError,
  OwedClaims,
  type StepResult,
  startLoop,
  type WorkerHandle,
  workerOwner,
} from "./worker-loop.js";

export interface StageWorkerOptions {
  store: Store;
  signal?: AbortSignal;
  /** Rows per claim/handoff transaction (default STAGE_BATCH, 256). */
  batchSize?: number;
  /**
   * Claim lease (default 60 s, at least callTimeoutMs + 2 × min(5 s, callTimeoutMs)); a crashed worker's rows become
   * claimable after it. A batch never runs past it: rows that could not finish in time are released.
   */
  leaseMs?: number;
  /** Poll fallback (default 1000 ms). */
  pollMs?: number;
  /** A router/handler call that has not settled by then errors its message (default 30 s). */
  callTimeoutMs?: number;
  log?: PipelineLog;
  /** Worker identity for claims (default: unique per process). */
  owner?: string;
  /** Rows held in memory from the store's handoff at most (default 1024; see handoff-inbox.ts). */
  inboxCapacity?: number;
  /**
   * The inbound's router and transform workers share one: the router then runs a synchronous
   * handler's transform in its own step while the transform worker holds nothing of that handler's.
   */
  link?: TransformLink;
}

/**
 * Joins an inbound's router worker to its transform worker. The router may run a handler's transform
 * in the routing step — one transaction, the routed row written closed, no claim or handoff between —
 * only while the transform worker holds nothing of that handler's: it has caught up with the store,
 * is not claiming, and has no row of the handler queued or running. Then no routed row of that
 * handler is older than the router's batch, so the outbound rows it writes overtake none.
 */
export class TransformLink {
  #idle: ((handler: string) => boolean) | undefined;

  /** The transform worker's check, while it runs; returns the detach. */
  attach(idle: (handler: string) => boolean): () => void {
    this.#idle = idle;
    return () => {
      if (this.#idle === idle) this.#idle = undefined;
    };
  }

  /** Whether `handler`'s transform may run in the routing step now (false with no transform worker). */
  fusable(handler: string): boolean {
    return this.#idle?.(handler) ?? false;
  }
}

/**
 * Rows per claim and handoff transaction at most. Each transaction costs a commit (on PostgreSQL a
 * round trip to the server) whatever its size, so a worker that falls behind catches up in few large
 * ones; with 64 a router on PostgreSQL fell behind intake for good at 64 senders (docs/PERFORMANCE.md).
 * A quiet engine's batches are as small as what arrived.
 */
export const STAGE_BATCH = 256;

const noLog: PipelineLog = { debug() {}, info() {}, warn() {}, error() {} };

export function envelopeOf(row: ClaimedRow): PayloadEnvelope {
  return {
    messageId: row.messageId,
    inbound: row.inbound,
    contentType: row.contentType,
    body: row.payload,
    receivedAt: row.receivedAt,
    controlId: row.controlId,
    messageType: row.messageType,
  };
}

/** Awaits `p`, failing with a timeout error after `ms` (the late result is ignored). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the handoff; if it fails (disk full, database busy or away) the claims are given back at once
 * (or, while the store is away, as soon as it answers: OwedClaims), so the rows are retried on a later
 * step instead of waiting out their lease.
 */
async function handOff(owed: OwedClaims, rows: ClaimedRow[], complete: () => Promise<number>) {
  try {
    await complete();
  } catch (error) {
    await owed.giveBack(rows.map((r) => r.rowId));
    throw error;
  }
}

function timing(opts: StageWorkerOptions) {
  const callTimeoutMs = opts.callTimeoutMs ?? 30_000;
  // A row may start only while a call started now ends this long before the lease does (time for
  // the handoff); the lease always has room for at least one call.
  const marginMs = Math.min(5_000, callTimeoutMs);
  const leaseMs = Math.max(opts.leaseMs ?? 60_000, callTimeoutMs + 2 * marginMs);
  return { callTimeoutMs, leaseMs, marginMs };
}

/**
 * A batch's calls run on the thread that also takes in messages: after this much work in a row they
 * give the event loop a turn, so a large batch does not hold back intake's ACKs.
 */
const SLICE_MS = 2;
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `call` for the rows in order while each would end within the lease taken at `claimedAt`
 * (the first row always runs: the lease is at least one call long); returns the results and the rows
 * left unstarted (to release).
 */
async function runWithinLease<R>(
  rows: ClaimedRow[],
  claimedAt: number,
  t: { callTimeoutMs: number; leaseMs: number; marginMs: number },
  signal: AbortSignal,
  call: (row: ClaimedRow) => Promise<R>,
): Promise<{ results: R[]; unstarted: ClaimedRow[] }> {
  const lastStart = claimedAt + t.leaseMs - t.callTimeoutMs - t.marginMs;
  const results: R[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && (signal.aborted || Date.now() > lastStart)) return { results, unstarted: rows.slice(i) };
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldTurn();
      sliceStart = performance.now();
    }
    results.push(await call(rows[i] as ClaimedRow));
  }
  return { results, unstarted: [] };
}

function release(owed: OwedClaims, rows: ClaimedRow[]): Promise<void> {
  return owed.giveBack(rows.map((r) => r.rowId));
}

/**
 * Attaches a handoff inbox when the store offers the fast path; `stop` gives back what is still
 * queued (claimed for this worker) so the next owner need not wait out the lease.
 */
function openInbox(
  store: Store,
  stage: "ingress" | "routed",
  conn: string,
  owner: string,
  leaseMs: number,
  capacity: number,
  wake: () => void,
) {
  const inbox = new HandoffInbox(owner, leaseMs, capacity, wake);
  const owed = new OwedClaims(store, owner);
  const handoff = store.attachHandoff?.(stage, conn, inbox.target);
  // Whether the store may hold rows for us that were not handed over: written pending (a replay,
  // an overflow: the store wakes us), given back, or left by a worker that died (the poll).
  let storeMayHaveRows = true;
  let claiming = false;
  let lastClaim = 0;
  const unsubscribe = store.onWake(stage, conn, () => {
    storeMayHaveRows = true;
  });
  const detach = () => {
    handoff?.();
    unsubscribe();
  };
  return {
    inbox,
    owed,
    /**
     * Before a step: gives back what is owed, and the rows handed over after the inbox fell behind
     * (the claim must find them pending, in id order with the rows given back before them).
     */
    async settle(): Promise<void> {
      await owed.giveBack(inbox.stale());
      await owed.settle();
    },
    /** False while every row came by handoff: the claim (a read) can be skipped. */
    shouldClaim(pollMs: number): boolean {
      return !handoff || inbox.behind || storeMayHaveRows || Date.now() - lastClaim >= pollMs;
    },
    /**
     * Every row of this stage is in memory: none pending in the store (caught up, nothing written
     * since without a handoff, nothing to give back) and no claim under way.
     */
    idle(): boolean {
      return handoff !== undefined && !inbox.behind && !storeMayHaveRows && !claiming;
    },
    /**
     * Wraps a claim: a full batch means there may be more. `take` gets the rows before the claim
     * counts as over, so no check of `idle` in between finds rows held nowhere it looks.
     */
    async claim(
      run: () => Promise<ClaimedRow[]>,
      limit: number,
      take?: (rows: ClaimedRow[]) => void,
    ): Promise<ClaimedRow[]> {
      storeMayHaveRows = false;
      lastClaim = Date.now();
      claiming = true;
      try {
        const rows = await run();
        if (rows.length >= limit) storeMayHaveRows = true;
        take?.(rows);
        return rows;
      } finally {
        claiming = false;
      }
    },
    /**
     * Rows went back to the store (released or a failed handoff): the queued ones follow them, so
     * that from now on every row is claimed from the store in id order until the worker catches up.
     */
    async giveBack(): Promise<void> {
      inbox.markBehind();
      await release(owed, inbox.drain());
    },
    async close(): Promise<void> {
      detach();
      await owed.giveBack(inbox.stale());
      await release(owed, inbox.drain());
    },
  };
}

/**
 * One router batch's transforms in the routing step: each handler asked once (at its first message in
 * the batch: nothing the transform worker could take for it appears while the batch runs, as only
 * this worker writes the inbound's routed rows); once a message of a handler goes to the transform
 * worker — refused, or a handler that is not synchronous — the rest of the batch's do too, in order.
 */
function fusion(link: TransformLink | undefined) {
  if (!link) return undefined;
  const decided = new Map<string, boolean>();
  return {
    allows: (handler: string): boolean => {
      let ok = decided.get(handler);
      if (ok === undefined) {
        ok = link.fusable(handler);
        decided.set(handler, ok);
      }
      return ok;
    },
    ran(handlers: readonly string[], transformed: ReadonlyMap<string, unknown> | undefined): void {
      for (const h of handlers) if (!transformed?.has(h)) decided.set(h, false);
    },
  };
}

export function startRouterWorker(inbound: string, route: RouteFn, opts: StageWorkerOptions): WorkerHandle {
  const store = opts.store;
  const owner = opts.owner ?? workerOwner("router", inbound);
  const limit = opts.batchSize ?? STAGE_BATCH;
  const t = timing(opts);
  let wakeLoop: () => void = () => {};
  const pollMs = opts.pollMs ?? 1000;
  const { inbox, owed, settle, giveBack, close, shouldClaim, claim } = openInbox(
    store,
    "ingress",
    inbound,
    owner,
    t.leaseMs,
    opts.inboxCapacity ?? 1024,
    () => wakeLoop(),
  );
  const step = async (signal: AbortSignal): Promise<StepResult> => {
    await settle();
    let batch = inbox.next(limit);
    if (!batch) {
      if (!shouldClaim(pollMs)) return { busy: false };
      const claimedAt = Date.now();
      const since = inbox.claimStarts();
      const rows = await claim(
        () => store.claimIngress(inbound, { owner, limit, leaseMs: t.leaseMs }),
        limit,
      );
      if (rows.length < limit) inbox.caughtUp(since);
      if (rows.length === 0) return { busy: false };
      batch = { rows, claimedAt };
    }
    const { rows, claimedAt } = batch;
    const fuse = fusion(opts.link);
    const { results, unstarted } = await runWithinLease(
      rows,
      claimedAt,
      t,
      signal,
      async (row): Promise<RoutingResult> => {
        try {
          const out = await withTimeout(
            route(inbound, envelopeOf(row), fuse?.allows),
            t.callTimeoutMs,
            "router",
          );
          if ("error" in out) return { rowId: row.rowId, error: out.error };
          fuse?.ran(out.handlers, out.transformed);
          return out.transformed
            ? { rowId: row.rowId, handlers: out.handlers, source: row, transformed: out.transformed }
            : { rowId: row.rowId, handlers: out.handlers, source: row };
        } catch (error) {
          return { rowId: row.rowId, error: `router failed: ${describeError(error)}` };
        }
      },
    );
    // Commit what ran before giving the rest back, so nothing released can overtake it.
    let gaveBack = unstarted.length > 0;
    try {
      await handOff(owed, rows.slice(0, results.length), () => store.completeRouting(owner, results));
    } catch (error) {
      gaveBack = true;
      throw error;
    } finally {
      await release(owed, unstarted);
      if (gaveBack) await giveBack();
    }
    return { busy: true };
  };
  const loop = startLoop({
    name: `router:${inbound}`,
    store,
    stage: "ingress",
    conn: inbound,
    step,
    pollMs,
    log: opts.log ?? noLog,
    bindWake: (wake) => {
      wakeLoop = wake;
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return afterLoop(loop, close);
}

export function startTransformWorker(
  inbound: string,
  transform: TransformFn,
  opts: StageWorkerOptions,
): WorkerHandle {
  const store = opts.store;
  const owner = opts.owner ?? workerOwner("transform", inbound);
  const limit = opts.batchSize ?? STAGE_BATCH;
  const t = timing(opts);
  const log = opts.log ?? noLog;
  /** Handlers with a batch in flight: their newer rows wait, so each handler's output stays in order. */
  const busy = new Map<string, Promise<void>>();
  let wakeLoop: () => void = () => {};
  const pollMs = opts.pollMs ?? 1000;
  const {
    inbox,
    owed,
    settle,
    giveBack,
    close: closeInbox,
    shouldClaim,
    claim,
    idle,
  } = openInbox(store, "routed", inbound, owner, t.leaseMs, opts.inboxCapacity ?? 1024, () => wakeLoop());
  const detachLink = opts.link?.attach((handler) => idle() && !busy.has(handler) && !inbox.holds(handler));

  const runHandler = async (handler: string, rows: ClaimedRow[], claimedAt: number, signal: AbortSignal) => {
    const { results, unstarted } = await runWithinLease(
      rows,
      claimedAt,
      t,
      signal,
      async (row): Promise<TransformResult> => {
        try {
          const out = await withTimeout(
            transform(handler, envelopeOf(row)),
            t.callTimeoutMs,
            `handler ${handler}`,
          );
          return "error" in out
            ? { rowId: row.rowId, error: out.error }
            : { rowId: row.rowId, sends: out.sends, source: row };
        } catch (error) {
          return { rowId: row.rowId, error: `handler failed: ${describeError(error)}` };
        }
      },
    );
    try {
      await handOff(owed, rows.slice(0, results.length), () => store.completeTransform(owner, results));
    } finally {
      await release(owed, unstarted);
      if (unstarted.length > 0) await giveBack();
    }
  };

  const outage = outageOf(store);
  const start = (handler: string, rows: ClaimedRow[], claimedAt: number, signal: AbortSignal) => {
    const startedAt = Date.now();
    const run = runHandler(handler, rows, claimedAt, signal)
      .catch(async (error: unknown) => {
        // The claims were given back (handOff); the rows run again on a later step, in order.
        await giveBack().catch(() => undefined);
        if (isStoreUnavailable(error)) outage.failed(error, startedAt, log);
        else
          log.error({ worker: `transform:${inbound}`, handler, err: describeError(error) }, "handoff failed");
      })
      .finally(() => {
        busy.delete(handler);
        wakeLoop();
      });
    busy.set(handler, run);
  };

  const step = async (signal: AbortSignal): Promise<StepResult> => {
    await settle();
    // Rows handed over in memory first (each idle handler its oldest), then the store's pending rows.
    for (const [handler, batch] of inbox.nextByHandler(limit, new Set(busy.keys()))) {
      start(handler, batch.rows, batch.claimedAt, signal);
    }
    if (!shouldClaim(pollMs)) return { busy: false };
    const claimedAt = Date.now();
    const excluded = [...busy.keys()];
    const since = inbox.claimStarts();
    // The rows start (their handlers busy) as the claim returns: the router's TransformLink check
    // must never see them held by neither.
    const startAll = (rows: ClaimedRow[]) => {
      const byHandler = new Map<string, ClaimedRow[]>();
      for (const row of rows) {
        const h = row.handler ?? "";
        let list = byHandler.get(h);
        if (!list) {
          list = [];
          byHandler.set(h, list);
        }
        list.push(row);
      }
      for (const [handler, list] of byHandler) start(handler, list, claimedAt, signal);
    };
    const rows = await claim(
      () =>
        store.claimRouted(inbound, {
          owner,
          limit,
          leaseMs: t.leaseMs,
          ...(excluded.length > 0 ? { excludeHandlers: excluded } : {}),
        }),
      limit,
      startAll,
    );
    if (excluded.length === 0 && rows.length < limit) inbox.caughtUp(since);
    return { busy: rows.length > 0 };
  };
  const loop = startLoop({
    name: `transform:${inbound}`,
    store,
    stage: "routed",
    conn: inbound,
    step,
    pollMs,
    log,
    bindWake: (wake) => {
      wakeLoop = wake;
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  // Stopping waits for every handler's in-flight call and handoff, not only the claiming loop.
  const handle = afterLoop(loop, async () => {
    detachLink?.();
    while (busy.size > 0) await Promise.all(busy.values());
    await closeInbox();
  });
  return {
    ...handle,
    stop() {
      detachLink?.();
      return handle.stop();
    },
  };
}
