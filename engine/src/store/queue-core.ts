/**
 * The queue's state machine, written once for every dialect: intake (group commit), claims and
 * handoffs, completions, the finalizer, replay / resend / cancel, retention purge, key re-encryption,
 * stats and connector cursors. Each transaction body is a script (statements.ts) that yields named
 * statements; a dialect (sqlite-store.ts, pg-store.ts) holds only their SQL, its connections and its
 * locking primitive. No SQL text here; no disposition or event kind in a dialect.
 *
 * Row ids are assigned before the insert: the row identity is the associated data of each ciphertext
 * (`messages:42`). Ids are never reused, even after a purge: audit entries name messages by id.
 */
import { type BodyCodec, BodyDecodeError } from "./crypto.js";
import { decideDisposition, type RowTally } from "./disposition.js";
import { CANCELLED, COUNTERS, FINAL_COUNTER, TxnEffects } from "./effects.js";
import { FencedError, type LeaderFence } from "./fence.js";
import { GroupCommitter } from "./group-commit.js";
import { Notifier } from "./notifier.js";
import { type OpenText, pageSize, toCounters, toHistory, toRowInfo, toSummary } from "./records.js";
import { eventDetail, openText, RECODE_PHASES, recodeText, sealText, textAad } from "./sealed-text.js";
import {
  type ClosedRow,
  type Driver,
  type Durability,
  type HeldClose,
  type IdTable,
  type Request,
  type Result,
  run,
  type Script,
  stmt,
  type TallyRecord,
} from "./statements.js";
import type {
  ClaimedRow,
  ClaimOptions,
  DeadLetterFilter,
  DeliveryResult,
  Disposition,
  EventKind,
  HandoffTarget,
  IngressInput,
  IngressReceipt,
  LaneHead,
  MessageDetail,
  MessageFilter,
  MessageSummary,
  PurgeOptions,
  QueueDepth,
  RejectedInput,
  RoutingResult,
  Send,
  Stage,
  StageRowInfo,
  Store,
  StoreStats,
  Transformed,
  TransformResult,
  WakeListener,
} from "./types.js";
import { FINAL_DISPOSITIONS } from "./types.js";

/** A value now (SQLite) or later (PostgreSQL), continued with `f` the same way. */
function then<T, U>(v: T | Promise<T>, f: (value: T) => U | Promise<U>): U | Promise<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** The Store's promise: a synchronous driver's throw becomes a rejection, as callers expect. */
function promise<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (error) {
    return Promise.reject(error);
  }
}

export interface QueueCoreOptions {
  codec: BodyCodec;
  /** Arrivals per group-commit transaction (default 1000). */
  maxGroupSize?: number;
  /** The group commit's window (default: the driver's; see GroupCommitter). */
  commitWindowMs?: number;
  /**
   * Clustered: the leader token every write transaction checks (fence.ts); absent on a single node.
   * A write without a current token throws FencedError before it begins; one whose token no longer
   * matches the lease row rolls back (`holdsLease`), so a superseded leader commits (and ACKs) nothing.
   */
  fence?: LeaderFence;
}

export class QueueCore implements Store {
  readonly #driver: Driver;
  readonly #codec: BodyCodec;
  readonly #notifier = new Notifier();
  readonly #ingress: GroupCommitter<IngressInput | RejectedInput, IngressReceipt>;
  /** Handoff targets by `stage\u0000conn` (see HandoffTarget). */
  readonly #handoffs = new Map<string, HandoffTarget>();
  readonly #open: OpenText;
  readonly #fence: LeaderFence | undefined;
  #closed = false;

  constructor(driver: Driver, opts: QueueCoreOptions) {
    this.#driver = driver;
    this.#codec = opts.codec;
    this.#fence = opts.fence;
    this.#open = (stored, aad) => openText(this.#codec, stored, aad);
    this.#ingress = new GroupCommitter(
      (items) => this.#writeArrivals(items),
      opts.maxGroupSize ?? 1000,
      driver.concurrentBatches,
      opts.commitWindowMs ?? driver.commitWindowMs,
    );
  }

  // ---- transactions -------------------------------------------------------------------------------

  /**
   * Runs `body` in one transaction with the counters it collected, then (after commit) hands rows to
   * their targets and wakes workers. After commit nothing may throw out of here: a caller that saw an
   * error would write again (the group commit retries arrivals one by one). A target that cannot take
   * its rows is told that rows went past it, so its worker claims from the store.
   */
  #write<T>(fx: TxnEffects, body: () => Script<T>, durability: Durability = "relaxed"): T | Promise<T> {
    // The counters go in an epilogue script, not a wrapper around `body`: a `yield*` wrapper would
    // resume one more generator for every statement of the transaction.
    // The fence check runs last, just before COMMIT: it locks the lease row (shared), so a standby
    // taking the lease waits for this transaction, or this transaction sees the new epoch and rolls back.
    const token = this.#fence?.require();
    const bumps = function* (): Script<void> {
      for (const [conn, c] of fx.counters) {
        yield stmt("bumpCounters", { conn, deltas: COUNTERS.map((k) => c[k]), now: fx.now });
      }
      if (token && !((yield stmt("holdsLease", token)) as Result<"holdsLease">))
        throw new FencedError(
          `node ${token.owner} lost the leader lease (epoch ${token.epoch} superseded): nothing was written`,
        );
    };
    return then(this.#driver.transaction(body, durability, bumps), (result) => {
      const orphans: { owner: string; ids: number[] }[] = [];
      for (const [target, rows] of fx.handed) {
        const first = rows[0];
        if (first && this.#handoffs.get(`${first.stage}\u0000${first.conn}`) !== target) {
          // Detached while this transaction was in flight (a networked database): its worker is
          // stopping and already gave back what it held, so these rows go back to pending too.
          orphans.push({ owner: target.owner, ids: rows.map((r) => r.rowId) });
          continue;
        }
        try {
          target.take(rows, fx.now);
        } catch {
          target.overflow();
        }
      }
      for (const target of fx.overflowed) target.overflow();
      for (const key of fx.wakes) {
        const [stage, conn] = key.split("\u0000") as [Stage, string];
        this.#notifier.notify(stage, conn);
      }
      if (orphans.length === 0) return result;
      // A failed give-back only delays the rows until their lease ends (recoverLeases).
      return Promise.all(orphans.map((o) => this.releaseClaims(o.owner, o.ids).catch(() => 0))).then(
        () => result,
      );
    });
  }

  #read<T>(body: () => Script<T>): Promise<T> {
    return promise(() => this.#driver.read(body));
  }

  // ---- intake ---------------------------------------------------------------------------------------

  enqueueIngress(input: IngressInput): Promise<IngressReceipt> {
    return this.#ingress.submit(input);
  }

  recordRejected(input: RejectedInput): Promise<IngressReceipt> {
    return this.#ingress.submit(input);
  }

  /** One group-commit batch: durable before any arrival is acknowledged. */
  #writeArrivals(
    items: readonly (IngressInput | RejectedInput)[],
  ): IngressReceipt[] | Promise<IngressReceipt[]> {
    const fx = new TxnEffects(Date.now());
    return this.#write(fx, () => this.#arrivals(items, fx), "durable");
  }

  *#arrivals(items: readonly (IngressInput | RejectedInput)[], fx: TxnEffects): Script<IngressReceipt[]> {
    const messageIds = (yield stmt("nextIds", { table: "messages", n: items.length })) as Result<"nextIds">;
    const accepted = items.filter((item) => !("error" in item)).length;
    // A "rejected" event each, and a "duplicate" event for each arrival that may turn out a repeat.
    const maybeDuplicates = items.filter(
      (item) => !("error" in item) && item.dedupe && item.controlId,
    ).length;
    yield* this.#reserveEvents(fx, items.length - accepted + maybeDuplicates);
    const rowIds =
      accepted > 0
        ? ((yield stmt("nextIds", { table: "stage_rows", n: accepted })) as Result<"nextIds">)
        : [];
    const receipts: IngressReceipt[] = [];
    let r = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as IngressInput | RejectedInput;
      const id = messageIds[i] as number;
      const error = "error" in item ? item.error : null;
      const receivedAt = item.receivedAt ?? fx.now;
      let duplicateOf: number | undefined;
      if (error === null && item.dedupe && item.controlId) {
        yield stmt("lockDuplicates", { inbound: item.inbound });
        duplicateOf = (yield stmt("findOriginal", {
          inbound: item.inbound,
          controlId: item.controlId,
          sender: item.dedupe.sender,
          since: receivedAt - item.dedupe.windowMs,
        })) as Result<"findOriginal">;
      }
      const disposition: Disposition =
        error !== null ? "ERROR" : duplicateOf !== undefined ? "DUPLICATE" : "RECEIVED";
      const contentType = item.contentType ?? "hl7v2";
      yield stmt("insertMessage", {
        id,
        inbound: item.inbound,
        receivedAt,
        controlId: item.controlId ?? null,
        messageType: item.messageType ?? null,
        contentType,
        raw: this.#codec.encode(item.raw, `messages:${id}`),
        disposition,
        error: this.#seal(error, "messages", id),
        sender: item.dedupe?.sender ?? null,
        now: fx.now,
      });
      if (item.identifiers !== undefined && item.identifiers.length > 0)
        yield stmt("insertIdentifiers", { messageId: id, tokens: item.identifiers });
      fx.count(item.inbound, "received");
      if (duplicateOf !== undefined) {
        // Recorded and counted, never routed again (no stage row).
        fx.count(item.inbound, "duplicates");
        yield this.#event(fx, id, null, "duplicate", null, item.inbound, `of message ${duplicateOf}`);
        receipts.push({ messageId: id, disposition, duplicateOf });
        continue;
      }
      if (error === null) {
        const rowId = rowIds[r++] as number;
        const target = this.#handTarget("ingress", item.inbound, fx);
        yield this.#insertRow(fx, target, rowId, id, 1, "ingress", item.inbound, null, null, null);
        if (target) {
          this.#hand(target, fx, {
            rowId,
            messageId: id,
            stage: "ingress",
            conn: item.inbound,
            handler: null,
            payload: item.raw,
            attempts: 0,
            inbound: item.inbound,
            contentType,
            controlId: item.controlId ?? null,
            messageType: item.messageType ?? null,
            receivedAt,
          });
        } else fx.wake("ingress", item.inbound);
      } else {
        fx.count(item.inbound, "errored");
        yield this.#event(fx, id, null, "rejected", null, item.inbound, error);
      }
      receipts.push({ messageId: id, disposition });
    }
    return receipts;
  }

  // ---- claims -----------------------------------------------------------------------------------------

  claimIngress(inbound: string, opts: ClaimOptions): Promise<ClaimedRow[]> {
    return this.#claim("ingress", inbound, opts, false);
  }

  claimRouted(inbound: string, opts: ClaimOptions): Promise<ClaimedRow[]> {
    return this.#claim("routed", inbound, opts, false);
  }

  claimOutbound(outbound: string, opts: ClaimOptions): Promise<ClaimedRow[]> {
    return this.#claim("outbound", outbound, opts, opts.ordered !== false);
  }

  #claim(stage: Stage, conn: string, opts: ClaimOptions, fifo: boolean): Promise<ClaimedRow[]> {
    const now = opts.now ?? Date.now();
    // A fenced node claims nothing, not even rows already claimed for it at insert (no delivery).
    try {
      this.#fence?.require();
    } catch (error) {
      return Promise.reject(error);
    }
    // A read first, outside any transaction: an idle worker's poll, or a lane whose rows were all
    // claimed for it at insert, needs no write — and must not take the write lock from intake.
    return promise(() =>
      then(
        this.#driver.read(() => this.#claimRows(stage, conn, opts, fifo, now, undefined)),
        (read) => {
          if (read) return read;
          const fx = new TxnEffects(now);
          return then(
            this.#write(fx, () => this.#claimRows(stage, conn, opts, fifo, now, fx)),
            (rows) => rows ?? [],
          );
        },
      ),
    );
  }

  /**
   * The claimable rows in id order, decrypted. Without `fx` (read-only) it returns undefined at the
   * first row that needs a write (a claim to record, an undecryptable row to dead-letter).
   */
  *#claimRows(
    stage: Stage,
    conn: string,
    opts: ClaimOptions,
    fifo: boolean,
    now: number,
    fx: TxnEffects | undefined,
  ): Script<ClaimedRow[] | undefined> {
    // A lane is claimed by one transaction at a time, so its head rule holds across engines.
    if (fx && fifo) yield stmt("lockLane", { conn });
    const rows = (yield stmt("selectOpen", {
      stage,
      conn,
      exclude: opts.excludeHandlers ?? [],
      limit: opts.limit,
      lazy: fx === undefined,
      skipLocked: fx !== undefined && !fifo,
      // Only an outbound lane's rows can be this worker's already (claimed at insert): a probe of
      // another stage stops at its first claimable row without reading a body.
      bodies: fx !== undefined || stage === "outbound",
    })) as Result<"selectOpen">;
    const out: ClaimedRow[] = [];
    const toClaim: number[] = [];
    const undecryptable: { id: number; messageId: number; cause: BodyDecodeError }[] = [];
    for (const r of rows) {
      // A lane's rows claimed for its owner at insert (handoff) are the owner's to take as they are.
      const mine = stage === "outbound" && r.state === "claimed" && r.claimed_by === opts.owner;
      const leased = !mine && r.state === "claimed" && (r.lease_until ?? 0) > now;
      if (fifo && (leased || r.next_attempt_at > now)) break; // the head blocks its lane
      if (leased || r.next_attempt_at > now) continue; // unordered: skip a row backing off
      if (!mine && !fx) return undefined;
      let payload: Buffer;
      try {
        payload = this.#codec.decode(r.body, r.from_raw ? `messages:${r.message_id}` : `stage_rows:${r.id}`);
      } catch (error) {
        if (!(error instanceof BodyDecodeError)) throw error;
        if (!fx) return undefined;
        // One undecryptable row must not block its lane forever (a throw here would roll the claim
        // back and retry it every poll): dead-letter it and go on.
        undecryptable.push({ id: r.id, messageId: r.message_id, cause: error });
        continue;
      }
      if (!mine) toClaim.push(r.id);
      out.push({
        rowId: r.id,
        messageId: r.message_id,
        stage,
        conn,
        handler: r.handler,
        payload,
        attempts: r.attempts,
        inbound: r.inbound,
        contentType: r.content_type,
        controlId: r.control_id,
        messageType: r.message_type,
        receivedAt: r.received_at,
      });
    }
    if (fx && toClaim.length > 0) {
      yield stmt("claimRows", { ids: toClaim, owner: opts.owner, leaseUntil: now + opts.leaseMs, now });
    }
    if (fx && undecryptable.length > 0) {
      yield stmt("lockMessages", { ids: undecryptable.map((u) => u.messageId).sort((a, b) => a - b) });
      yield* this.#reserveEvents(fx, undecryptable.length);
      for (const u of undecryptable) {
        const error = `undecryptable: ${u.cause.message}`;
        yield stmt("closeRow", {
          id: u.id,
          state: "dead",
          error: this.#seal(error, "stage_rows", u.id),
          now,
        });
        yield this.#setMessageError(fx, u.messageId, error);
        yield this.#event(fx, u.messageId, u.id, "dead-letter", stage, conn, error);
        if (stage === "outbound") fx.count(conn, "failed");
      }
      yield* this.#finalize(
        fx,
        undecryptable.map((u) => u.messageId),
      );
    }
    return out;
  }

  releaseClaims(owner: string, rowIds: number[]): Promise<number> {
    if (rowIds.length === 0) return Promise.resolve(0);
    const fx = new TxnEffects(Date.now());
    return promise(() => this.#write(fx, () => run("releaseRows", { ids: rowIds, owner, now: fx.now })));
  }

  requireLeader(): void {
    this.#fence?.require();
  }

  releaseLane(outbound: string, owner: string): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return promise(() =>
      this.#write(fx, function* () {
        const n = (yield stmt("releaseLane", {
          conn: outbound,
          owner,
          now: fx.now,
        })) as Result<"releaseLane">;
        if (n > 0) fx.wake("outbound", outbound);
        return n;
      }),
    );
  }

  laneHead(outbound: string): Promise<LaneHead | undefined> {
    return this.#read(function* () {
      const r = (yield stmt("laneHead", { conn: outbound })) as Result<"laneHead">;
      return (
        r && { rowId: r.id, state: r.state, nextAttemptAt: r.next_attempt_at, leaseUntil: r.lease_until }
      );
    });
  }

  recoverLeases(opts: { all?: boolean; now?: number } = {}): Promise<number> {
    const fx = new TxnEffects(opts.now ?? Date.now());
    return promise(() =>
      then(
        this.#write(fx, () => run("recoverLeases", { all: opts.all === true, now: fx.now })),
        (n) => {
          if (n > 0) this.#notifier.notifyAll();
          return n;
        },
      ),
    );
  }

  // ---- completions (each call: one transaction) ----------------------------------------------------

  completeRouting(owner: string, results: RoutingResult[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return promise(() => this.#write(fx, () => this.#routing(owner, results, fx)));
  }

  *#routing(owner: string, results: RoutingResult[], fx: TxnEffects): Script<number> {
    const closed = yield* this.#closeHeld(
      fx,
      owner,
      results.map((res) => this.#close(res.rowId, "error" in res ? res.error : null, 0)),
    );
    // An event per closed row, the UNROUTED disposition's event where no handler was selected, and a
    // "transformed" (or "transform-error") event per handler that ran in this step. Ids for the
    // transaction's rows in one statement, not one per message (an upper bound: duplicates are dropped
    // below; an id left over is never used).
    let events = closed.size;
    let rows = 0;
    for (const res of results) {
      if ("error" in res || !closed.has(res.rowId)) continue;
      if (res.handlers.length === 0) events++;
      rows += res.handlers.length;
      if (res.transformed) {
        events += res.transformed.size;
        for (const t of res.transformed.values()) if ("sends" in t) rows += t.sends.length;
      }
    }
    yield* this.#reserveEvents(fx, events);
    const ids =
      rows > 0 ? ((yield stmt("nextIds", { table: "stage_rows", n: rows })) as Result<"nextIds">) : [];
    let next = 0;
    const finalize: number[] = [];
    let applied = 0;
    for (const res of results) {
      const row = take(closed, res.rowId);
      if (!row) continue;
      applied++;
      if ("error" in res) {
        yield* this.#failed(fx, row, "route-error", res.error);
        finalize.push(row.message_id);
        continue;
      }
      const handlers = [...new Set(res.handlers)];
      // Handlers that ran in the routing step, with their routed rows' ids: written after the
      // "routed" event, so the history reads as if a transform worker had run them.
      let ranHere: { handler: string; id: number; done: Transformed }[] | undefined;
      for (let i = 0; i < handlers.length; i++) {
        const handler = handlers[i] as string;
        const id = ids[next++] as number;
        const done = res.transformed?.get(handler);
        if (done) {
          ranHere = ranHere ?? [];
          ranHere.push({ handler, id, done });
          continue;
        }
        // Handed on only with the claimed source row in hand (its payload is the routed rows' body).
        const target = res.source && this.#handTarget("routed", row.conn, fx);
        yield this.#insertRow(
          fx,
          target,
          id,
          row.message_id,
          row.run,
          "routed",
          row.conn,
          handler,
          res.rowId,
          null,
        );
        if (target && res.source) {
          this.#hand(target, fx, { ...res.source, rowId: id, stage: "routed", handler, attempts: 0 });
        } else fx.wake("routed", row.conn);
      }
      yield this.#event(fx, row.message_id, res.rowId, "routed", "ingress", row.conn, handlers.join(","));
      // The finalizer shortcut: the run's only other row is the ingress row just closed, so the
      // answer is known without reading the tallies — ROUTED, or UNROUTED when no handler was selected.
      const routed = handlers.length > 0 ? "ROUTED" : "UNROUTED";
      yield this.#setDisposition(fx, row.message_id, routed);
      const event = this.#dispositionEvent(fx, row.message_id, row.conn, routed);
      if (event) yield event;
      if (ranHere)
        for (const { handler, id, done } of ranHere) {
          next = yield* this.#transformedHere(fx, row, res.source, handler, id, done, ids, next);
          // Filtered or failed: the disposition is then read from the tallies.
          if ("error" in done || done.sends.length === 0) finalize.push(row.message_id);
        }
    }
    yield* this.#finalize(fx, finalize);
    return applied;
  }

  /**
   * A handler that ran in the routing step: its routed row (`id`) written closed, its sends queued
   * (handed to their lanes) and its event — what `#transform` writes for a claimed routed row. Returns
   * the next unused id.
   */
  *#transformedHere(
    fx: TxnEffects,
    ingress: ClosedRow,
    source: ClaimedRow | undefined,
    handler: string,
    id: number,
    done: Transformed,
    ids: readonly number[],
    next: number,
  ): Script<number> {
    const routed = { ...ingress, id, stage: "routed" as const, handler };
    if ("error" in done) {
      yield this.#insertTransformedRow(fx, id, ingress, handler, done.error);
      yield* this.#failed(fx, routed, "transform-error", done.error);
      return next;
    }
    yield this.#insertTransformedRow(fx, id, ingress, handler, null);
    return yield* this.#queueSends(fx, routed, source, done.sends, ids, next);
  }

  /**
   * A routed row's sends as outbound rows (handed to their lanes' owners with `source`'s identity and
   * the payload in the clear, or their lanes woken) and its "transformed" event. Returns the next
   * unused id.
   */
  *#queueSends(
    fx: TxnEffects,
    routed: Pick<ClosedRow, "id" | "message_id" | "run" | "conn" | "handler">,
    source: ClaimedRow | undefined,
    sends: readonly Send[],
    ids: readonly number[],
    next: number,
  ): Script<number> {
    for (const send of sends) {
      const id = ids[next++] as number;
      const target = source && this.#handTarget("outbound", send.outbound, fx);
      yield this.#insertRow(
        fx,
        target,
        id,
        routed.message_id,
        routed.run,
        "outbound",
        send.outbound,
        routed.handler,
        routed.id,
        this.#codec.encode(send.payload, `stage_rows:${id}`),
      );
      if (target && source) {
        this.#hand(target, fx, {
          ...source,
          rowId: id,
          stage: "outbound",
          conn: send.outbound,
          handler: routed.handler,
          payload: send.payload,
          attempts: 0,
        });
      } else fx.wake("outbound", send.outbound);
    }
    const sent = sends.length === 0 ? "filtered" : sends.map((x) => x.outbound).join(",");
    yield this.#event(
      fx,
      routed.message_id,
      routed.id,
      "transformed",
      "routed",
      routed.conn,
      `${routed.handler}: ${sent}`,
    );
    return next;
  }

  completeTransform(owner: string, results: TransformResult[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return promise(() => this.#write(fx, () => this.#transform(owner, results, fx)));
  }

  *#transform(owner: string, results: TransformResult[], fx: TxnEffects): Script<number> {
    const closed = yield* this.#closeHeld(
      fx,
      owner,
      results.map((res) => this.#close(res.rowId, "error" in res ? res.error : null, 0)),
    );
    yield* this.#reserveEvents(fx, closed.size); // "transformed" or "transform-error"
    let rows = 0;
    for (const res of results) if (!("error" in res) && closed.has(res.rowId)) rows += res.sends.length;
    const ids =
      rows > 0 ? ((yield stmt("nextIds", { table: "stage_rows", n: rows })) as Result<"nextIds">) : [];
    let next = 0;
    const finalize: number[] = [];
    let applied = 0;
    for (const res of results) {
      const row = take(closed, res.rowId);
      if (!row) continue;
      applied++;
      if ("error" in res) {
        yield* this.#failed(fx, row, "transform-error", res.error);
        finalize.push(row.message_id);
        continue;
      }
      next = yield* this.#queueSends(fx, row, res.source, res.sends, ids, next);
      // Rows were just queued for delivery: the finalizer's answer is ROUTED, which completeRouting
      // already set for this run (a replay or cancel would have closed this row first).
      if (res.sends.length === 0) finalize.push(row.message_id);
    }
    yield* this.#finalize(fx, finalize);
    return applied;
  }

  completeDelivery(owner: string, results: DeliveryResult[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return promise(() => this.#write(fx, () => this.#delivery(owner, results, fx)));
  }

  *#delivery(owner: string, results: DeliveryResult[], fx: TxnEffects): Script<number> {
    // The close and the finalizer's tallies in one step (one round trip on a networked database): a
    // lane waits for this transaction before it claims on.
    yield stmt("lockMessagesOfRows", { rowIds: results.map((r) => r.rowId) });
    const answer = (yield stmt("closeHeldTallied", {
      owner,
      now: fx.now,
      rows: results.map((res) => {
        if (res.status === "ok") return this.#close(res.rowId, null, 1);
        const close = this.#close(res.rowId, res.error, 1);
        return res.status === "retry"
          ? { ...close, state: "pending", nextAttemptAt: res.nextAttemptAt }
          : close;
      }),
    })) as Result<"closeHeldTallied">;
    const closed = byRowId(answer.closed);
    yield* this.#reserveEvents(fx, closed.size); // one event per closed row
    const finalize: number[] = [];
    let applied = 0;
    for (const res of results) {
      const row = take(closed, res.rowId);
      if (!row) continue;
      applied++;
      const attempt = row.attempts;
      if (res.status === "ok") {
        yield this.#event(
          fx,
          row.message_id,
          res.rowId,
          "delivered",
          "outbound",
          row.conn,
          `attempt ${attempt}`,
          res.reply,
        );
        fx.count(row.conn, "delivered");
        finalize.push(row.message_id);
      } else if (res.status === "retry") {
        const detail = `attempt ${attempt}: ${res.error}`;
        yield this.#event(
          fx,
          row.message_id,
          res.rowId,
          "delivery-retry",
          "outbound",
          row.conn,
          detail,
          res.reply,
        );
      } else {
        yield this.#setMessageError(fx, row.message_id, res.error);
        const detail = `attempt ${attempt}: ${res.error}`;
        yield this.#event(
          fx,
          row.message_id,
          res.rowId,
          "dead-letter",
          "outbound",
          row.conn,
          detail,
          res.reply,
        );
        fx.count(row.conn, "failed");
        finalize.push(row.message_id);
      }
    }
    yield* this.#finalize(fx, finalize, answer.tallies);
    return applied;
  }

  /** A claimed row to close: `done`, or `dead` with its (sealed) error. */
  #close(rowId: number, error: string | null, attemptInc: 0 | 1): HeldClose {
    return {
      id: rowId,
      state: error === null ? "done" : "dead",
      attemptInc,
      error: this.#seal(error, "stage_rows", rowId),
      nextAttemptAt: null,
    };
  }

  /**
   * Closes claimed rows — only while `owner` still holds each claim, so a stale worker's late
   * completion is a no-op — after locking their messages. Returns the rows it changed by id.
   */
  *#closeHeld(fx: TxnEffects, owner: string, rows: HeldClose[]): Script<Map<number, ClosedRow>> {
    yield stmt("lockMessagesOfRows", { rowIds: rows.map((r) => r.id) });
    return byRowId((yield stmt("closeHeld", { owner, now: fx.now, rows })) as Result<"closeHeld">);
  }

  /** History and message error for a row that `#closeHeld` just dead-lettered. */
  *#failed(
    fx: TxnEffects,
    row: Pick<ClosedRow, "id" | "message_id" | "stage" | "conn" | "handler">,
    kind: EventKind,
    error: string,
  ): Script<void> {
    yield this.#setMessageError(fx, row.message_id, error);
    const detail = row.stage === "routed" ? `${row.handler}: ${error}` : error;
    yield this.#event(fx, row.message_id, row.id, kind, row.stage, row.conn, detail);
  }

  // ---- the finalizer ------------------------------------------------------------------------------

  /**
   * The one place a message's disposition changes after intake (besides the routing shortcut above,
   * which knows the answer): each message's tallies, decided by `decideDisposition`. The caller holds
   * the messages' locks.
   */
  *#finalize(fx: TxnEffects, messageIds: number[], known?: TallyRecord[]): Script<void> {
    if (messageIds.length === 0) return;
    const ids = messageIds.length === 1 ? messageIds : [...new Set(messageIds)];
    // `known`: read with the close (they may cover more messages than these).
    const tallies = known ?? ((yield stmt("tallies", { messageIds: ids })) as Result<"tallies">);
    // One message read for one message (a delivery batch's usual case per message) needs no grouping.
    const byMessage = ids.length === 1 && !known ? undefined : groupByMessage(tallies);
    yield* this.#reserveEvents(fx, ids.length); // at most one disposition event per message
    for (const id of ids) {
      const list = byMessage ? byMessage.get(id) : tallies;
      const m = list?.[0];
      if (!list || !m) continue;
      // A message without rows in its run comes back as one row with n = 0, which the rule skips.
      const next = decideDisposition(list as readonly RowTally[]);
      if (next === m.disposition) continue;
      yield this.#setDisposition(fx, id, next);
      const event = this.#dispositionEvent(fx, id, m.inbound, next);
      if (event) yield event;
    }
  }

  /**
   * A disposition change: the update, then (`#dispositionEvent`) its history entry when it is final.
   * Two plain statements, not a nested script: this runs for nearly every message twice.
   */
  #setDisposition(fx: TxnEffects, messageId: number, next: Disposition): Request {
    return stmt("setDisposition", { id: messageId, disposition: next, now: fx.now });
  }

  /** The final disposition's counter and event (from the reservation), or undefined when not final. */
  #dispositionEvent(
    fx: TxnEffects,
    messageId: number,
    inbound: string,
    next: Disposition,
  ): Request | undefined {
    const counter = FINAL_COUNTER[next];
    if (!counter) return undefined;
    fx.count(inbound, counter);
    return this.#event(fx, messageId, null, "disposition", null, inbound, next);
  }

  // ---- operator actions -----------------------------------------------------------------------------

  replayMessage(messageId: number): Promise<boolean> {
    const fx = new TxnEffects(Date.now());
    const core = this;
    return promise(() =>
      this.#write(fx, function* () {
        const m = (yield stmt("messageForReplay", { id: messageId })) as Result<"messageForReplay">;
        if (!m) return false;
        yield stmt("replaceOpenRows", { messageId, now: fx.now });
        const runNo = m.run + 1;
        yield stmt("startRun", { id: messageId, run: runNo, disposition: "RECEIVED", now: fx.now });
        const [rowId = 0] = (yield stmt("nextIds", { table: "stage_rows", n: 1 })) as Result<"nextIds">;
        yield core.#insertRow(fx, undefined, rowId, messageId, runNo, "ingress", m.inbound, null, null, null);
        yield* core.#reserveEvents(fx, 1);
        yield core.#event(fx, messageId, rowId, "replayed", "ingress", m.inbound, `run ${runNo}`);
        fx.wake("ingress", m.inbound);
        return true;
      }),
    );
  }

  resendOutbound(rowId: number): Promise<number | undefined> {
    const fx = new TxnEffects(Date.now());
    const core = this;
    return promise(() =>
      this.#write(fx, function* (): Script<number | undefined> {
        yield stmt("lockMessagesOfRows", { rowIds: [rowId] });
        const row = (yield stmt("rowForResend", { rowId })) as Result<"rowForResend">;
        if (row?.stage !== "outbound" || row.payload === null) return undefined;
        if (row.state === "pending" || row.state === "claimed") return undefined;
        const plain = core.#codec.decode(row.payload, `stage_rows:${rowId}`);
        const [id = 0] = (yield stmt("nextIds", { table: "stage_rows", n: 1 })) as Result<"nextIds">;
        yield core.#insertRow(
          fx,
          undefined,
          id,
          row.message_id,
          row.current_run,
          "outbound",
          row.conn,
          row.handler,
          row.parent_id,
          core.#codec.encode(plain, `stage_rows:${id}`),
        );
        yield stmt("markReplaced", { id: rowId, now: fx.now });
        yield* core.#reserveEvents(fx, 1);
        yield core.#event(fx, row.message_id, id, "resent", "outbound", row.conn, `copy of row ${rowId}`);
        yield stmt("setMessageError", { id: row.message_id, error: null, now: fx.now });
        yield* core.#finalize(fx, [row.message_id]);
        fx.wake("outbound", row.conn);
        return id;
      }),
    );
  }

  cancelMessage(messageId: number): Promise<number> {
    const fx = new TxnEffects(Date.now());
    const core = this;
    return promise(() =>
      this.#write(fx, function* () {
        yield stmt("lockMessages", { ids: [messageId] });
        const rows = (yield stmt("openRowsOfMessage", { messageId })) as Result<"openRowsOfMessage">;
        yield* core.#reserveEvents(fx, rows.length);
        for (const r of rows) yield* core.#cancel(fx, messageId, r);
        yield* core.#finalize(fx, rows.length > 0 ? [messageId] : []);
        return rows.length;
      }),
    );
  }

  cancelRow(rowId: number): Promise<boolean> {
    const fx = new TxnEffects(Date.now());
    const core = this;
    return promise(() =>
      this.#write(fx, function* () {
        yield stmt("lockMessagesOfRows", { rowIds: [rowId] });
        const r = (yield stmt("rowState", { rowId })) as Result<"rowState">;
        if (!r || (r.state !== "pending" && r.state !== "claimed")) return false;
        yield* core.#reserveEvents(fx, 1);
        yield* core.#cancel(fx, r.message_id, { id: rowId, stage: r.stage, conn: r.conn });
        yield* core.#finalize(fx, [r.message_id]);
        return true;
      }),
    );
  }

  *#cancel(fx: TxnEffects, messageId: number, r: { id: number; stage: Stage; conn: string }): Script<void> {
    yield stmt("closeRow", {
      id: r.id,
      state: "cancelled",
      error: this.#seal(CANCELLED, "stage_rows", r.id),
      now: fx.now,
    });
    yield this.#setMessageError(fx, messageId, CANCELLED);
    yield this.#event(fx, messageId, r.id, "cancelled", r.stage, r.conn, null);
    // A delivery worker may be sleeping on this row's backoff: wake it so the lane moves on.
    fx.wake(r.stage, r.conn);
  }

  // ---- reads ------------------------------------------------------------------------------------------

  getMessage(messageId: number): Promise<MessageDetail | undefined> {
    const open = this.#open;
    return this.#read(function* () {
      const m = (yield stmt("message", { id: messageId })) as Result<"message">;
      if (!m) return undefined;
      const rows = (yield stmt("rowsOfMessage", { messageId })) as Result<"rowsOfMessage">;
      const events = (yield stmt("eventsOfMessage", { messageId })) as Result<"eventsOfMessage">;
      return {
        ...toSummary(m, open),
        rows: rows.map((r) => toRowInfo(r, open)),
        history: events.map((e) => toHistory(e, open)),
      };
    });
  }

  listMessages(f: MessageFilter = {}): Promise<MessageSummary[]> {
    const open = this.#open;
    return this.#read(function* () {
      const rows = (yield stmt("listMessages", { ...f, limit: pageSize(f.limit) })) as Result<"listMessages">;
      return rows.map((m) => toSummary(m, open));
    });
  }

  getMessageRaw(messageId: number): Promise<Buffer | undefined> {
    const codec = this.#codec;
    return this.#read(function* () {
      const raw = (yield stmt("messageRaw", { id: messageId })) as Result<"messageRaw">;
      return raw && codec.decode(raw, `messages:${messageId}`);
    });
  }

  getRowPayload(rowId: number): Promise<Buffer | undefined> {
    const codec = this.#codec;
    return this.#read(function* () {
      const r = (yield stmt("rowPayload", { rowId })) as Result<"rowPayload">;
      if (!r) return undefined;
      if (r.payload !== null) return codec.decode(r.payload, `stage_rows:${rowId}`);
      const raw = (yield stmt("messageRaw", { id: r.message_id })) as Result<"messageRaw">;
      return raw && codec.decode(raw, `messages:${r.message_id}`);
    });
  }

  getRowReply(rowId: number): Promise<Buffer | undefined> {
    const codec = this.#codec;
    return this.#read(function* () {
      const r = (yield stmt("lastReply", { rowId })) as Result<"lastReply">;
      return r && codec.decode(r.reply, `events:${r.id}`);
    });
  }

  getEventReply(eventId: number): Promise<Buffer | undefined> {
    const codec = this.#codec;
    return this.#read(function* () {
      const reply = (yield stmt("eventReply", { id: eventId })) as Result<"eventReply">;
      return reply ? codec.decode(reply, `events:${eventId}`) : undefined;
    });
  }

  listDeadLetters(f: DeadLetterFilter = {}): Promise<StageRowInfo[]> {
    const open = this.#open;
    return this.#read(function* () {
      const rows = (yield stmt("deadLetters", { ...f, limit: pageSize(f.limit) })) as Result<"deadLetters">;
      return rows.map((r) => toRowInfo(r, open));
    });
  }

  stats(): Promise<StoreStats> {
    return this.#read(function* () {
      const depth = new Map<string, QueueDepth>();
      for (const r of (yield stmt("depth", {})) as Result<"depth">) {
        const key = `${r.stage}\u0000${r.conn}`;
        let d = depth.get(key);
        if (!d) {
          d = { stage: r.stage, conn: r.conn, pending: 0, claimed: 0, oldestAt: r.oldest };
          depth.set(key, d);
        }
        d.oldestAt = Math.min(d.oldestAt, r.oldest);
        if (r.state === "claimed") d.claimed += r.n;
        else d.pending += r.n;
      }
      const counters = (yield stmt("counters", {})) as Result<"counters">;
      return { connections: counters.map(toCounters), depth: [...depth.values()] };
    });
  }

  // ---- connector cursors ------------------------------------------------------------------------------

  getCursor(conn: string): Promise<string | undefined> {
    return this.#read(() => run("getCursor", { conn }));
  }

  setCursor(conn: string, value: string): Promise<void> {
    const fx = new TxnEffects(Date.now());
    return promise(() => this.#write(fx, () => run("setCursor", { conn, value, now: fx.now })));
  }

  // ---- retention and key rotation --------------------------------------------------------------------

  purgeBatch(opts: PurgeOptions): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return promise(() =>
      this.#write(fx, function* () {
        const ids = (yield stmt("purgeable", {
          before: opts.before,
          limit: opts.batchSize ?? 200,
          dispositions: [...FINAL_DISPOSITIONS],
        })) as Result<"purgeable">;
        if (ids.length > 0) yield stmt("deleteMessages", { ids });
        return ids.length;
      }),
    );
  }

  recodeBodies(
    cursor: string | undefined,
    limit: number,
    recode: (stored: Buffer, aad: string) => Buffer | undefined,
  ): Promise<string | undefined> {
    const [phaseName = "messages", after = "0"] = (cursor ?? "messages:0").split(":");
    const t = RECODE_PHASES.findIndex((p) => p.name === phaseName);
    const phase = RECODE_PHASES[t];
    if (!phase) return Promise.reject(new Error(`bad rotation cursor ${cursor}`));
    const { table, column } = phase;
    const fx = new TxnEffects(Date.now());
    return promise(() =>
      this.#write(fx, function* (): Script<string | undefined> {
        const rows = (yield stmt("recodeSelect", {
          table,
          column,
          after: Number(after),
          limit,
        })) as Result<"recodeSelect">;
        for (const r of rows) {
          const next =
            typeof r.body === "string"
              ? recodeText(r.body, textAad(table, r.id), recode)
              : recode(r.body, `${table}:${r.id}`);
          if (next) yield stmt("recodeUpdate", { table, column, id: r.id, value: next });
        }
        const last = rows[rows.length - 1];
        if (last && rows.length === limit) return `${phase.name}:${last.id}`;
        const nextPhase = RECODE_PHASES[t + 1];
        return nextPhase ? `${nextPhase.name}:0` : undefined;
      }),
    );
  }

  // ---- plumbing -------------------------------------------------------------------------------------

  onWake(stage: Stage, conn: string, listener: WakeListener): () => void {
    return this.#notifier.on(stage, conn, listener);
  }

  /** Flushes pending group commits, then closes the driver. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const flushed = this.#ingress.close();
    await flushed;
    await this.#driver.close();
  }

  // ---- handoff (see HandoffTarget) ------------------------------------------------------------------

  attachHandoff(stage: Stage, conn: string, target: HandoffTarget): () => void {
    const key = `${stage}\u0000${conn}`;
    this.#handoffs.set(key, target);
    return () => {
      if (this.#handoffs.get(key) === target) this.#handoffs.delete(key);
    };
  }

  /** The target a new row of (stage, conn) is inserted claimed for, while its room lasts. */
  #handTarget(stage: Stage, conn: string, fx: TxnEffects): HandoffTarget | undefined {
    const target = this.#handoffs.get(`${stage}\u0000${conn}`);
    if (!target) return undefined;
    const room = fx.room.get(target) ?? target.room();
    if (room <= 0) {
      // Told after commit, not now: a worker that catches up (claims fewer rows than it asked for)
      // while this transaction is still in flight on a networked database has not seen these
      // pending rows yet, and must fall behind again once they are there.
      fx.overflowed.add(target);
      fx.room.set(target, 0);
      return undefined;
    }
    fx.room.set(target, room - 1);
    return target;
  }

  #hand(target: HandoffTarget, fx: TxnEffects, row: ClaimedRow): void {
    let rows = fx.handed.get(target);
    if (!rows) {
      rows = [];
      fx.handed.set(target, rows);
    }
    rows.push(row);
  }

  // ---- row writers --------------------------------------------------------------------------------

  /**
   * A stage row, pending — or already claimed for a handoff target (owner, lease from now).
   * Positional, not an object: this runs for every row of every message.
   */
  #insertRow(
    fx: TxnEffects,
    target: HandoffTarget | undefined,
    id: number,
    messageId: number,
    run: number,
    stage: Stage,
    conn: string,
    handler: string | null,
    parentId: number | null,
    payload: Buffer | null,
  ): Request {
    return stmt("insertRow", {
      id,
      messageId,
      run,
      stage,
      conn,
      handler,
      parentId,
      payload,
      state: target ? "claimed" : "pending",
      claimedBy: target ? target.owner : null,
      leaseUntil: target ? fx.now + target.leaseMs : null,
      error: null,
      now: fx.now,
    });
  }

  /** A routed row whose handler already ran (in the routing step): written closed, never claimable. */
  #insertTransformedRow(
    fx: TxnEffects,
    id: number,
    ingress: ClosedRow,
    handler: string,
    error: string | null,
  ): Request {
    return stmt("insertRow", {
      id,
      messageId: ingress.message_id,
      run: ingress.run,
      stage: "routed",
      conn: ingress.conn,
      handler,
      parentId: ingress.id,
      payload: null,
      state: error === null ? "done" : "dead",
      claimedBy: null,
      leaseUntil: null,
      error: this.#seal(error, "stage_rows", id),
      now: fx.now,
    });
  }

  /**
   * Event ids come from a reservation the script made beforehand (`#reserveEvents`): one statement
   * per transaction step instead of one per event, and no generator per event.
   */
  *#reserveEvents(fx: TxnEffects, n: number): Script<void> {
    if (n <= 0 || fx.eventIds.length - fx.eventNext >= n) return;
    fx.eventIds = (yield stmt("nextIds", { table: "events", n })) as Result<"nextIds">;
    fx.eventNext = 0;
  }

  #event(
    fx: TxnEffects,
    messageId: number,
    rowId: number | null,
    kind: EventKind,
    stage: Stage | null,
    conn: string | null,
    detail: string | null,
    reply?: Buffer,
  ): Request {
    const id = fx.eventIds[fx.eventNext++];
    if (id === undefined) throw new Error(`store: no event id reserved for a ${kind} event`);
    return stmt("insertEvent", {
      id,
      messageId,
      rowId,
      at: fx.now,
      kind,
      stage,
      conn,
      detail: eventDetail(this.#codec, kind, detail, id),
      reply: reply && reply.length > 0 ? this.#codec.encode(reply, `events:${id}`) : null,
    });
  }

  #setMessageError(fx: TxnEffects, messageId: number, error: string): Request {
    return stmt("setMessageError", {
      id: messageId,
      error: this.#seal(error, "messages", messageId),
      now: fx.now,
    });
  }

  /** Error and detail texts can quote patient data: sealed like bodies, under their own AAD. */
  #seal(text: string | null, table: IdTable, id: number): string | null {
    return sealText(this.#codec, text, textAad(table, id));
  }
}

function byRowId(rows: readonly ClosedRow[]): Map<number, ClosedRow> {
  const byId = new Map<number, ClosedRow>();
  for (const r of rows) byId.set(r.id, r);
  return byId;
}

function groupByMessage(tallies: TallyRecord[]): Map<number, TallyRecord[]> {
  const byMessage = new Map<number, TallyRecord[]>();
  for (const t of tallies) {
    let list = byMessage.get(t.message_id);
    if (!list) {
      list = [];
      byMessage.set(t.message_id, list);
    }
    list.push(t);
  }
  return byMessage;
}

/** The closed row of `id`, once: a result listed twice is applied once. */
function take(closed: Map<number, ClosedRow>, id: number): ClosedRow | undefined {
  const row = closed.get(id);
  closed.delete(id);
  return row;
}
