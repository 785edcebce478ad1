/**
 * Per outbound: the delivery worker drains its FIFO lane. It delivers claimed rows strictly in order;
 * a transient failure puts the head back with a backoff and releases the rest of the batch (nothing
 * behind the head may overtake it), a permanent failure dead-letters the row and the lane moves on.
 * Results are committed in small groups, so a crash re-sends at most the last few (at-least-once).
 */
import type { ClaimedRow, DeliveryResult, LaneHead, Store } from "../store/index.js";
import { errorClass } from "./error-class.js";
import { LaneInbox } from "./lane-inbox.js";

import { afterFailure, checkRetryPolicy, DEFAULT_RETRY } from "./retry.js";
import type { DeliverFn, DeliverOutcome, PipelineLog, RetryPolicy } from "./types.js";
import {
  afterLoop,
  describeError,
  OwedClaims,
  type StepResult,
  startLoop,
  type WorkerHandle,
  workerOwner,
} from "./worker-loop.js";

export interface DeliveryWorkerOptions {
  store: Store;
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Rows per claim (default 64). */
  batchSize?: number;
  /** Claim lease (default 5 min: a batch to a slow destination can take a while). */
  leaseMs?: number;
  /** Poll fallback (default 1000 ms). */
  pollMs?: number;
  /** Commit delivery results at least this often within a batch (default 20 ms). */
  flushMs?: number;
  /** Handed rows held in memory at most (default LANE_INBOX_CAPACITY; see lane-inbox.ts). */
  inboxCapacity?: number;
  log?: PipelineLog;
  owner?: string;
  /**
   * Strict per-destination order (default). False (`ordering = "unordered"`): a message backing off
   * is passed by the ones behind it, so one retrying message does not hold up the destination.
   */
  ordered?: boolean;
}

const noLog: PipelineLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Delivery claim lease: a batch to a slow destination can take a while. */
export const DELIVERY_LEASE_MS = 300_000;

/** Rows a lane holds in memory from the store's handoff at most (see lane-inbox.ts). */
export const LANE_INBOX_CAPACITY = 1024;

export function startDeliveryWorker(
  outbound: string,
  deliver: DeliverFn,
  opts: DeliveryWorkerOptions,
): WorkerHandle {
  const store = opts.store;
  const owner = opts.owner ?? workerOwner("delivery", outbound);
  const policy = checkRetryPolicy(opts.retry ?? DEFAULT_RETRY);
  const limit = opts.batchSize ?? 64;
  const leaseMs = opts.leaseMs ?? DELIVERY_LEASE_MS;
  const flushMs = opts.flushMs ?? 20;
  const ordered = opts.ordered !== false;
  const log = opts.log ?? noLog;

  const attemptOne = async (row: ClaimedRow): Promise<DeliverOutcome> => {
    try {
      const meta = {
        messageId: String(row.messageId),
        rowId: row.rowId,
        attempt: row.attempts + 1,
        ...(row.controlId !== null ? { controlId: row.controlId } : {}),
        ...(row.handler !== null ? { handler: row.handler } : {}),
      };
      return await deliver(outbound, row.payload, meta);
    } catch (error) {
      // A connector that throws is a transport failure: transient.
      return { status: "retry", error: describeError(error) };
    }
  };

  const owed = new OwedClaims(store, owner);
  let wakeLoop: () => void = () => {};
  const pollMs = opts.pollMs ?? 1000;
  const inbox = new LaneInbox(owner, leaseMs, opts.inboxCapacity ?? LANE_INBOX_CAPACITY, pollMs, () =>
    wakeLoop(),
  );
  const step = async (signal: AbortSignal): Promise<StepResult> => {
    await owed.settle();
    let rows = inbox.next(limit);
    let head: LaneHead | undefined;
    if (rows) {
      // A fenced node delivers nothing, not even rows it holds in memory (a claim would refuse them);
      // should it lead again, these come from the store, in order.
      try {
        store.requireLeader?.();
      } catch (error) {
        inbox.markBehind();
        throw error;
      }
    } else {
      if (!inbox.mustClaim()) return { busy: false };
      rows = await inbox.claim(
        () => store.claimOutbound(outbound, { owner, limit, leaseMs, ordered }),
        limit,
        async () => {
          head = await store.laneHead(outbound);
          return head !== undefined;
        },
      );
    }
    try {
      if (rows.length === 0) return idle(head);
      return await deliverBatch(rows, signal);
    } catch (error) {
      // A failed commit must not leave the lane's head leased to us: give the claims back, now or as
      // soon as the store answers again (rows already committed are unaffected; delivered-but-
      // unrecorded ones are re-sent: at-least-once). The rows behind them come from the store too.
      inbox.markBehind();
      await owed.giveBack(rows.map((r) => r.rowId));
      throw error;
    }
  };

  /** Nothing to deliver: sleep until the head's backoff ends (or another holder's lease runs out). */
  const idle = (head: LaneHead | undefined): StepResult => {
    if (!head) return { busy: false };
    const wakeAt = head.state === "pending" ? head.nextAttemptAt : (head.leaseUntil ?? Date.now() + 1000);
    return { busy: false, wakeAt };
  };

  const deliverBatch = async (rows: ClaimedRow[], signal: AbortSignal): Promise<StepResult> => {
    let pending: DeliveryResult[] = [];
    let lastFlush = Date.now();
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      lastFlush = Date.now();
      await store.completeDelivery(owner, batch);
    };
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as ClaimedRow;
      if (signal.aborted) {
        await flush();
        inbox.markBehind();
        await store.releaseClaims(
          owner,
          rows.slice(i).map((r) => r.rowId),
        );
        return { busy: false };
      }
      const out = await attemptOne(row);
      const attempt = row.attempts + 1;
      const error = out.error ?? (out.status === "ok" ? "" : `delivery ${out.status}`);
      const reply = out.reply ? { reply: out.reply } : {};
      // Info+ logs get the error's class only (the text may quote patient data); debug has the text.
      const where = { outbound, messageId: row.messageId, rowId: row.rowId, attempt };
      if (out.status !== "ok") log.debug({ ...where, error }, "delivery error");
      const logged = { ...where, errorClass: errorClass(error) };
      if (out.status === "ok") {
        pending.push({ rowId: row.rowId, status: "ok", ...reply });
      } else if (out.status === "permanent") {
        log.warn(logged, "dead-lettered");
        pending.push({ rowId: row.rowId, status: "dead", error, ...reply });
      } else {
        const next = afterFailure(policy, attempt, Date.now());
        if ("giveUp" in next) {
          log.warn(logged, "retries exhausted");
          pending.push({ rowId: row.rowId, status: "dead", error: `retries exhausted: ${error}`, ...reply });
        } else {
          log.info(logged, "delivery will retry");
          pending.push({ rowId: row.rowId, status: "retry", error, nextAttemptAt: next.retryAt, ...reply });
          // Unordered: the rows behind it go on; the claim skips this one until its backoff ends.
          if (!ordered) continue;
          await flush();
          // Nothing behind the head may overtake it: the rest of the batch goes back, and the rows
          // after it come from the store in order once the head is through.
          inbox.markBehind();
          await store.releaseClaims(
            owner,
            rows.slice(i + 1).map((r) => r.rowId),
          );
          return { busy: false, wakeAt: next.retryAt };
        }
      }
      if (Date.now() - lastFlush >= flushMs) await flush();
    }
    await flush();
    return { busy: true };
  };

  const detach = store.attachHandoff?.("outbound", outbound, inbox.target);
  // Rows the store wrote without handing them over (a replay, a resend): claim before taking more.
  const unsubscribe = store.onWake("outbound", outbound, () => inbox.storeMayHaveRows());
  const loop = startLoop({
    name: `delivery:${outbound}`,
    store,
    stage: "outbound",
    conn: outbound,
    step,
    pollMs,
    log,
    bindWake: (wake) => {
      wakeLoop = wake;
    },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return afterLoop(loop, async () => {
    detach?.();
    unsubscribe();
    inbox.clear();
    // Rows claimed for this lane at insert and not yet taken go back to pending, so whichever worker
    // runs the lane next (another owner after a promote) need not wait out their lease.
    await store.releaseLane?.(outbound, owner).catch(() => 0);
  });
}
