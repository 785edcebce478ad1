/**
 * A promote or rollback that removes a connection with rows still queued for it asks what to do with
 * them, instead of leaving them pending for a name that no longer runs:
 *
 * - `drain`: the swap waits until those rows are delivered (the old config keeps running them); if
 *   they are not gone within the timeout the promote fails cleanly — nothing was swapped.
 * - `dead-letter`: after the swap the rows become dead letters (error "connection removed by …"), so
 *   they show in the dead-letter views and can be replayed once a connection serves them again.
 * - `keep`: they stay queued; GET /connections lists the connection as `removed` with its queue, and a
 *   later config that brings the name back delivers them.
 *
 * Without a decision for every such connection the swap is refused (`REMOVED_QUEUED`, listing them).
 * The decisions travel with the request through an AsyncLocalStorage, so ConfigVersions' promote and
 * rollback stay as they are: this module wraps only the swap function the engine gives them.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Registry } from "../config/index.js";
import type { PipelineLog } from "../pipeline/index.js";
import type { Stage, Store } from "../store/index.js";

export const REMOVED_QUEUED_ACTIONS = ["drain", "dead-letter", "keep"] as const;
export type RemovedQueuedAction = (typeof REMOVED_QUEUED_ACTIONS)[number];

export interface RemovedQueuedPolicy {
  /** Per removed connection with queued rows: what to do with them. */
  removedQueued?: Record<string, RemovedQueuedAction>;
  /** How long `drain` may wait before the promote fails (default {@link DEFAULT_DRAIN_TIMEOUT_MS}). */
  drainTimeoutMs?: number;
}

export interface QueuedForRemoved {
  connection: string;
  queued: number;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;

/** The swap was refused or failed for queued rows; nothing was swapped. */
export class RemovedQueuedError extends Error {
  override name = "RemovedQueuedError";
  constructor(
    readonly code: "REMOVED_QUEUED" | "DRAIN_TIMEOUT",
    message: string,
    readonly items: QueuedForRemoved[],
  ) {
    super(message);
  }
}

interface Context {
  policy: RemovedQueuedPolicy;
  /** Set when the swap refused: ConfigVersions wraps swap errors, this keeps the real one. */
  refusal?: RemovedQueuedError;
}

const context = new AsyncLocalStorage<Context>();

/** Connection names `running` has and `next` does not. */
export function removedConnections(
  running: Pick<Registry, "inbounds" | "outbounds"> | undefined,
  next: Pick<Registry, "inbounds" | "outbounds">,
): string[] {
  if (!running) return [];
  const names = [...running.inbounds.keys(), ...running.outbounds.keys()];
  return names.filter((n) => !next.inbounds.has(n) && !next.outbounds.has(n));
}

/** Open rows (pending + claimed) per named connection, only those with any. */
export async function queuedFor(
  store: Pick<Store, "stats">,
  names: readonly string[],
): Promise<QueuedForRemoved[]> {
  if (names.length === 0) return [];
  const wanted = new Set(names);
  const counts = new Map<string, number>();
  for (const q of (await store.stats()).depth) {
    if (wanted.has(q.conn)) counts.set(q.conn, (counts.get(q.conn) ?? 0) + q.pending + q.claimed);
  }
  return names
    .map((connection) => ({ connection, queued: counts.get(connection) ?? 0 }))
    .filter((q) => q.queued > 0);
}

function listed(items: QueuedForRemoved[]): string {
  return items.map((i) => `${i.connection} (${i.queued} queued)`).join(", ");
}

/**
 * Runs a promote/rollback with the caller's decisions; a refusal inside the swap comes out as the
 * RemovedQueuedError itself rather than ConfigVersions' generic PROMOTE_FAILED.
 */
export async function withRemovedQueued<T>(policy: RemovedQueuedPolicy, run: () => Promise<T>): Promise<T> {
  const ctx: Context = { policy };
  try {
    return await context.run(ctx, run);
  } catch (error) {
    throw ctx.refusal ?? error;
  }
}

export interface GuardedSwapDeps {
  store: Store;
  swap: (next: Registry) => Promise<void>;
  running: () => Registry | undefined;
  log: PipelineLog;
  /** Poll interval while draining. */
  pollMs?: number;
}

/** The swap ConfigVersions calls, guarded for rows queued for the connections it removes. */
export function guardedSwap(deps: GuardedSwapDeps): (next: Registry) => Promise<void> {
  return async (next) => {
    const ctx = context.getStore();
    const queued = await queuedFor(deps.store, removedConnections(deps.running(), next));
    if (queued.length === 0) return deps.swap(next);
    const decisions = ctx?.policy.removedQueued ?? {};
    const refuse = (error: RemovedQueuedError): never => {
      if (ctx) ctx.refusal = error;
      throw error;
    };
    const undecided = queued.filter((q) => decisions[q.connection] === undefined);
    if (undecided.length > 0) {
      refuse(
        new RemovedQueuedError(
          "REMOVED_QUEUED",
          `this config removes connections with queued rows: ${listed(undecided)}; choose drain, dead-letter or keep for each (removedQueued)`,
          undecided,
        ),
      );
    }
    const by = (action: RemovedQueuedAction) => queued.filter((q) => decisions[q.connection] === action);
    const drain = by("drain");
    if (drain.length > 0) {
      const timeoutMs = ctx?.policy.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
      const left = await waitDrained(
        deps,
        drain.map((d) => d.connection),
        timeoutMs,
      );
      if (left.length > 0) {
        refuse(
          new RemovedQueuedError(
            "DRAIN_TIMEOUT",
            `rows still queued after ${Math.round(timeoutMs / 1000)} s of draining: ${listed(left)}; nothing was swapped`,
            left,
          ),
        );
      }
      deps.log.info(
        { event: "removed-drained", connections: drain.map((d) => d.connection) },
        "drained removed connections",
      );
    }
    await deps.swap(next);
    for (const { connection } of by("dead-letter")) {
      const rows = await deadLetterAll(
        deps.store,
        connection,
        `connection ${connection} was removed by a config promote; dead-lettered at the deployer's request`,
      );
      deps.log.info(
        { event: "removed-dead-lettered", connection, rows },
        "queued rows of a removed connection dead-lettered",
      );
    }
    const kept = by("keep");
    if (kept.length > 0)
      deps.log.warn({ event: "removed-kept", connections: kept }, "rows kept queued for removed connections");
  };
}

async function waitDrained(
  deps: GuardedSwapDeps,
  names: string[],
  timeoutMs: number,
): Promise<QueuedForRemoved[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await queuedFor(deps.store, names);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 100));
  }
}

/** Far enough ahead that every lease and back-off of the removed connection has run out. */
const FAR_FUTURE = 8.64e15;
const OWNER = "promote:removed-connection";
const BATCH = 200;

/**
 * Claims every open row of `conn` in each stage (its workers are gone after the swap, so nobody else
 * holds them: claiming "in the far future" takes rows still leased or backing off too) and completes
 * them as failed — the store's own dead-letter path, so dispositions and history follow as usual.
 */
export async function deadLetterAll(store: Store, conn: string, error: string): Promise<number> {
  let total = 0;
  const opts = { owner: OWNER, limit: BATCH, leaseMs: 60_000, ordered: false, now: FAR_FUTURE };
  const stages: Record<Stage, () => Promise<number>> = {
    ingress: async () => {
      const rows = await store.claimIngress(conn, opts);
      if (rows.length > 0)
        await store.completeRouting(
          OWNER,
          rows.map((r) => ({ rowId: r.rowId, error })),
        );
      return rows.length;
    },
    routed: async () => {
      const rows = await store.claimRouted(conn, opts);
      if (rows.length > 0)
        await store.completeTransform(
          OWNER,
          rows.map((r) => ({ rowId: r.rowId, error })),
        );
      return rows.length;
    },
    outbound: async () => {
      const rows = await store.claimOutbound(conn, opts);
      if (rows.length > 0)
        await store.completeDelivery(
          OWNER,
          rows.map((r) => ({ rowId: r.rowId, status: "dead" as const, error })),
        );
      return rows.length;
    },
  };
  for (const take of Object.values(stages)) {
    for (let n = await take(); n > 0; n = await take()) total += n;
  }
  return total;
}
