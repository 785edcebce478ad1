/**
 * Per inbound: the router worker (ingress → routed) and the transform worker (routed → outbound).
 * Each claims a batch, runs the user's pure function per row, and hands the whole batch off in one
 * transaction. A throwing, failing or hung router/handler errors only its own message.
 */
import type { ClaimedRow, RoutingResult, Store, TransformResult } from "../store/index.js";
import type { PayloadEnvelope, PipelineLog, RouteFn, TransformFn } from "./types.js";
import { describeError, type StepResult, startLoop, type WorkerHandle, workerOwner } from "./worker-loop.js";

export interface StageWorkerOptions {
  store: Store;
  signal?: AbortSignal;
  /** Rows per claim/handoff transaction (default 64). */
  batchSize?: number;
  /** Claim lease (default 60 s); a crashed worker's rows become claimable after it. */
  leaseMs?: number;
  /** Poll fallback (default 1000 ms). */
  pollMs?: number;
  /** A router/handler call that has not settled by then errors its message (default 30 s). */
  callTimeoutMs?: number;
  log?: PipelineLog;
  /** Worker identity for claims (default: unique per process). */
  owner?: string;
}

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
 * Runs the handoff; if it fails (disk full, database busy) the claims are given back at once, so the
 * rows are retried on the next step instead of waiting out their lease.
 */
async function handOff(store: Store, owner: string, rows: ClaimedRow[], complete: () => Promise<number>) {
  try {
    await complete();
  } catch (error) {
    await store
      .releaseClaims(
        owner,
        rows.map((r) => r.rowId),
      )
      .catch(() => 0);
    throw error;
  }
}

export function startRouterWorker(inbound: string, route: RouteFn, opts: StageWorkerOptions): WorkerHandle {
  const store = opts.store;
  const owner = opts.owner ?? workerOwner("router", inbound);
  const limit = opts.batchSize ?? 64;
  const leaseMs = opts.leaseMs ?? 60_000;
  const callTimeoutMs = opts.callTimeoutMs ?? 30_000;
  const step = async (): Promise<StepResult> => {
    const rows = await store.claimIngress(inbound, { owner, limit, leaseMs });
    if (rows.length === 0) return { busy: false };
    const results: RoutingResult[] = [];
    for (const row of rows) {
      try {
        const out = await withTimeout(route(inbound, envelopeOf(row)), callTimeoutMs, "router");
        results.push(
          "error" in out
            ? { rowId: row.rowId, error: out.error }
            : { rowId: row.rowId, handlers: out.handlers },
        );
      } catch (error) {
        results.push({ rowId: row.rowId, error: `router failed: ${describeError(error)}` });
      }
    }
    await handOff(store, owner, rows, () => store.completeRouting(owner, results));
    return { busy: true };
  };
  return startLoop({
    name: `router:${inbound}`,
    store,
    stage: "ingress",
    conn: inbound,
    step,
    pollMs: opts.pollMs ?? 1000,
    log: opts.log ?? noLog,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

export function startTransformWorker(
  inbound: string,
  transform: TransformFn,
  opts: StageWorkerOptions,
): WorkerHandle {
  const store = opts.store;
  const owner = opts.owner ?? workerOwner("transform", inbound);
  const limit = opts.batchSize ?? 64;
  const leaseMs = opts.leaseMs ?? 60_000;
  const callTimeoutMs = opts.callTimeoutMs ?? 30_000;
  const step = async (): Promise<StepResult> => {
    const rows = await store.claimRouted(inbound, { owner, limit, leaseMs });
    if (rows.length === 0) return { busy: false };
    const results: TransformResult[] = [];
    for (const row of rows) {
      const handler = row.handler ?? "";
      try {
        const out = await withTimeout(
          transform(handler, envelopeOf(row)),
          callTimeoutMs,
          `handler ${handler}`,
        );
        results.push(
          "error" in out ? { rowId: row.rowId, error: out.error } : { rowId: row.rowId, sends: out.sends },
        );
      } catch (error) {
        results.push({ rowId: row.rowId, error: `handler failed: ${describeError(error)}` });
      }
    }
    await handOff(store, owner, rows, () => store.completeTransform(owner, results));
    return { busy: true };
  };
  return startLoop({
    name: `transform:${inbound}`,
    store,
    stage: "routed",
    conn: inbound,
    step,
    pollMs: opts.pollMs ?? 1000,
    log: opts.log ?? noLog,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}
