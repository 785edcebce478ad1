/**
 * The embedded Store on better-sqlite3 (WAL). better-sqlite3 is synchronous, so every transaction
 * here is short: claims and handoffs take bounded batches, the group commit caps its batch size.
 *
 * Durability: the ingress group commit runs with synchronous=FULL (its fsync is what the ACK waits
 * for); worker handoffs run with synchronous=NORMAL — in WAL mode a power loss can only roll those back
 * to an earlier, consistent state that still holds every ACKed ingress row, and they simply re-run.
 *
 * Row ids are assigned here (from the `id_seq` table, inside the write transaction) because the row
 * identity is the associated data of each ciphertext and must be known before the insert. Ids are
 * never reused, even after a purge: audit entries name messages by id.
 */
import Database from "better-sqlite3";
import { type BodyCodec, BodyDecodeError } from "./crypto.js";
import { decideDisposition, type RowTally } from "./disposition.js";
import { CANCELLED, COUNTERS, FINAL_COUNTER, TxnEffects } from "./effects.js";
import { GroupCommitter } from "./group-commit.js";
import { Notifier } from "./notifier.js";
import { preparePrivateDb } from "./private-files.js";
import { eventDetail, openText, RECODE_PHASES, recodeText, sealText, textAad } from "./sealed-text.js";
import { readConnectionCounters, readDeadLetters, readMessageDetail, readMessages } from "./sqlite-read.js";
import { migrate } from "./sqlite-schema.js";
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
  RowState,
  Stage,
  StageRowInfo,
  Store,
  StoreStats,
  TransformResult,
  WakeListener,
} from "./types.js";
import type { WriteLock } from "./write-lock.js";

export interface SqliteStoreOptions {
  /** Database file. The auth tables may live in the same file (see `SqliteStore.db`). */
  path: string;
  /** Encrypts bodies at rest; the pass-through codec only when the engine was started insecure. */
  codec: BodyCodec;
  /** Arrivals per group-commit transaction (default 1000). */
  maxGroupSize?: number;
  /** How long a writer waits for another process's lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * Shared by the connections of one engine process (main and delivery threads), so a writer waits
   * for another thread's transaction without SQLite's sleeping busy handler (see write-lock.ts).
   */
  writeLock?: WriteLock;
  /**
   * SQLite's automatic WAL checkpoint in this connection's commits (default on). Off when a
   * Checkpointer thread does it (checkpointer.ts), so commits never stop to copy the WAL back.
   */
  autoCheckpoint?: boolean;
}

interface OpenRow {
  id: number;
  message_id: number;
  state: RowState;
  claimed_by: string | null;
  lease_until: number | null;
  next_attempt_at: number;
  handler: string | null;
  attempts: number;
  from_raw: 0 | 1;
  body: Buffer;
  inbound: string;
  content_type: string;
  control_id: string | null;
  message_type: string | null;
  received_at: number;
}

interface RowForComplete {
  message_id: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  state: RowState;
  claimed_by: string | null;
  attempts: number;
}

export class SqliteStore implements Store {
  /** The shared better-sqlite3 handle (the auth service keeps its own tables in the same file). */
  readonly db: Database.Database;
  readonly path: string;
  readonly #codec: BodyCodec;
  readonly #notifier = new Notifier();
  readonly #ingress: GroupCommitter<IngressInput | RejectedInput, IngressReceipt>;
  readonly #s: ReturnType<typeof prepare>;
  readonly #lock: WriteLock | undefined;
  /** Handoff targets by `stage\u0000conn` (see HandoffTarget). */
  readonly #handoffs = new Map<string, HandoffTarget>();
  /** Reads a sealed error/detail text back (see sealed-text.ts). */
  readonly #open = (stored: string | null, aad: string): string | null => openText(this.#codec, stored, aad);
  #closed = false;

  constructor(opts: SqliteStoreOptions) {
    this.path = opts.path;
    this.#codec = opts.codec;
    // Owner-only before SQLite creates anything (an in-memory database has no file).
    if (opts.path !== ":memory:") preparePrivateDb(opts.path);
    this.db = new Database(opts.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.#lock = opts.writeLock;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    this.db.pragma("cache_size = -32000");
    this.db.pragma("temp_store = MEMORY");
    if (opts.autoCheckpoint === false) this.db.pragma("wal_autocheckpoint = 0");
    migrate(this.db);
    this.#s = prepare(this.db);
    this.#ingress = new GroupCommitter((items) => this.#writeArrivals(items), opts.maxGroupSize ?? 1000);
  }

  // ---- intake ---------------------------------------------------------------------------------

  enqueueIngress(input: IngressInput): Promise<IngressReceipt> {
    return this.#ingress.submit(input);
  }

  recordRejected(input: RejectedInput): Promise<IngressReceipt> {
    return this.#ingress.submit(input);
  }

  #writeArrivals(items: readonly (IngressInput | RejectedInput)[]): IngressReceipt[] {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    this.db.pragma("synchronous = FULL");
    try {
      return this.#txn(fx, () => {
        const receipts: IngressReceipt[] = [];
        for (const item of items) {
          const id = this.#nextId("messages", fx);
          const error = "error" in item ? item.error : null;
          const disposition: Disposition = error === null ? "RECEIVED" : "ERROR";
          s.insertMessage.run(
            id,
            item.inbound,
            item.receivedAt ?? fx.now,
            item.controlId ?? null,
            item.messageType ?? null,
            item.contentType ?? "hl7v2",
            this.#codec.encode(item.raw, `messages:${id}`),
            disposition,
            sealText(this.#codec, error, textAad("messages", id)),
            fx.now,
          );
          fx.count(item.inbound, "received");
          if (error === null) {
            const rowId = this.#nextId("stage_rows", fx);
            const target = this.#handTarget("ingress", item.inbound, fx);
            s.insertRow.run(rowId, id, 1, "ingress", item.inbound, null, null, null, fx.now, target);
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
                contentType: item.contentType ?? "hl7v2",
                controlId: item.controlId ?? null,
                messageType: item.messageType ?? null,
                receivedAt: item.receivedAt ?? fx.now,
              });
            } else fx.wake("ingress", item.inbound);
          } else {
            fx.count(item.inbound, "errored");
            this.#event(id, null, "rejected", null, item.inbound, error, fx);
          }
          receipts.push({ messageId: id, disposition });
        }
        return receipts;
      });
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
  }

  // ---- claims -----------------------------------------------------------------------------------

  claimIngress(inbound: string, opts: ClaimOptions): Promise<ClaimedRow[]> {
    return Promise.resolve(this.#claim("ingress", inbound, opts, false));
  }

  claimRouted(inbound: string, opts: ClaimOptions): Promise<ClaimedRow[]> {
    return Promise.resolve(this.#claim("routed", inbound, opts, false));
  }

  claimOutbound(outbound: string, opts: ClaimOptions): Promise<ClaimedRow[]> {
    return Promise.resolve(this.#claim("outbound", outbound, opts, opts.ordered !== false));
  }

  #claim(stage: Stage, conn: string, opts: ClaimOptions, fifo: boolean): ClaimedRow[] {
    const now = opts.now ?? Date.now();
    const exclude = opts.excludeHandlers?.length ? JSON.stringify(opts.excludeHandlers) : null;
    // A read first, outside any transaction: an idle worker's poll, or a lane whose rows were all
    // claimed for it at insert, needs no write — and must not take the write lock from intake.
    const read = this.#claimRows(stage, conn, opts, fifo, exclude, now, undefined);
    if (read) return read;
    const fx = new TxnEffects(now);
    return this.#txn(fx, () => this.#claimRows(stage, conn, opts, fifo, exclude, now, fx) ?? []);
  }

  /**
   * The claimable rows in id order, decrypted. Without `fx` (read-only) it returns undefined at the
   * first row that needs a write (a claim to record, an undecryptable row to dead-letter).
   */
  #claimRows(
    stage: Stage,
    conn: string,
    opts: ClaimOptions,
    fifo: boolean,
    exclude: string | null,
    now: number,
    fx: TxnEffects | undefined,
  ): ClaimedRow[] | undefined {
    const args = [stage, conn, exclude, exclude, opts.limit] as const;
    // Read-only: iterate, so SQLite stops at the first row needing a write (writes need .all()).
    const rows = (
      fx ? this.#s.selectOpen.all(...args) : this.#s.selectOpen.iterate(...args)
    ) as Iterable<OpenRow>;
    const out: ClaimedRow[] = [];
    for (const r of rows) {
      // A lane's rows claimed for its owner at insert (handoff) are the owner's to take as they are.
      const mine = stage === "outbound" && r.state === "claimed" && r.claimed_by === opts.owner;
      const leased = !mine && r.state === "claimed" && (r.lease_until ?? 0) > now;
      if (fifo && (leased || r.next_attempt_at > now)) break; // the head blocks its lane
      if (leased || r.next_attempt_at > now) continue; // unordered: skip a row backing off
      if (!mine && !fx) return undefined;
      const aad = r.from_raw ? `messages:${r.message_id}` : `stage_rows:${r.id}`;
      let payload: Buffer;
      try {
        payload = this.#codec.decode(r.body, aad);
      } catch (error) {
        if (!(error instanceof BodyDecodeError)) throw error;
        if (!fx) return undefined;
        // One undecryptable row must not block its lane forever (a throw here would roll the claim
        // back and retry it every poll): dead-letter it and go on.
        this.#deadUndecryptable({ id: r.id, messageId: r.message_id, stage, conn }, error, fx);
        continue;
      }
      if (!mine) this.#s.claimRow.run(opts.owner, now + opts.leaseMs, now, r.id);
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
    return out;
  }

  #deadUndecryptable(
    row: { id: number; messageId: number; stage: Stage; conn: string },
    cause: BodyDecodeError,
    fx: TxnEffects,
  ): void {
    const error = `undecryptable: ${cause.message}`;
    this.#s.deadRow.run(this.#seal(error, "stage_rows", row.id), fx.now, row.id);
    this.#setMessageError(error, fx.now, row.messageId);
    this.#event(row.messageId, row.id, "dead-letter", row.stage, row.conn, error, fx);
    if (row.stage === "outbound") fx.count(row.conn, "failed");
    this.#finalize(row.messageId, fx);
  }

  releaseClaims(owner: string, rowIds: number[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return Promise.resolve(
      this.#txn(fx, () => {
        let n = 0;
        for (const id of rowIds) n += this.#s.releaseRow.run(fx.now, id, owner).changes;
        return n;
      }),
    );
  }

  releaseLane(outbound: string, owner: string): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return Promise.resolve(
      this.#txn(fx, () => {
        const n = this.#s.releaseLane.run(fx.now, outbound, owner).changes;
        if (n > 0) fx.wake("outbound", outbound);
        return n;
      }),
    );
  }

  laneHead(outbound: string): Promise<LaneHead | undefined> {
    const r = this.#s.laneHead.get(outbound) as
      | { id: number; state: RowState; next_attempt_at: number; lease_until: number | null }
      | undefined;
    return Promise.resolve(
      r && { rowId: r.id, state: r.state, nextAttemptAt: r.next_attempt_at, leaseUntil: r.lease_until },
    );
  }

  recoverLeases(opts: { all?: boolean; now?: number } = {}): Promise<number> {
    const now = opts.now ?? Date.now();
    const n = this.#s.recoverLeases.run(now, opts.all ? 1 : 0, now).changes;
    if (n > 0) this.#notifier.notifyAll();
    return Promise.resolve(n);
  }

  // ---- handoffs (each call: one transaction) -----------------------------------------------------

  completeRouting(owner: string, results: RoutingResult[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    return Promise.resolve(
      this.#txn(fx, () => {
        let applied = 0;
        for (const res of results) {
          const failed = "error" in res;
          const row = this.#closeHeld(
            res.rowId,
            owner,
            failed ? "dead" : "done",
            0,
            failed ? res.error : null,
            fx.now,
          );
          if (!row) continue;
          applied++;
          if ("error" in res) {
            this.#failed(res.rowId, row, "route-error", res.error, fx);
            this.#finalize(row.message_id, fx);
          } else {
            const handlers = [...new Set(res.handlers)];
            for (const h of handlers) {
              const id = this.#nextId("stage_rows", fx);
              // Handed on only with the claimed source row in hand (its payload is the routed rows' body).
              const target = res.source && this.#handTarget("routed", row.conn, fx);
              s.insertRow.run(
                id,
                row.message_id,
                row.run,
                "routed",
                row.conn,
                h,
                res.rowId,
                null,
                fx.now,
                target,
              );
              if (target && res.source) {
                this.#hand(target, fx, {
                  ...res.source,
                  rowId: id,
                  stage: "routed",
                  handler: h,
                  attempts: 0,
                });
              } else fx.wake("routed", row.conn);
            }
            this.#event(row.message_id, res.rowId, "routed", "ingress", row.conn, handlers.join(","), fx);
            // The run's only other row is the ingress row just closed, so the finalizer's answer is
            // known without reading: ROUTED, or UNROUTED when no handler was selected.
            this.#setDisposition(row.message_id, row.conn, handlers.length > 0 ? "ROUTED" : "UNROUTED", fx);
          }
        }
        return applied;
      }),
    );
  }

  completeTransform(owner: string, results: TransformResult[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    return Promise.resolve(
      this.#txn(fx, () => {
        let applied = 0;
        for (const res of results) {
          const failed = "error" in res;
          const row = this.#closeHeld(
            res.rowId,
            owner,
            failed ? "dead" : "done",
            0,
            failed ? res.error : null,
            fx.now,
          );
          if (!row) continue;
          applied++;
          if ("error" in res) {
            this.#failed(res.rowId, row, "transform-error", res.error, fx);
          } else {
            for (const send of res.sends) {
              const id = this.#nextId("stage_rows", fx);
              const payload = this.#codec.encode(send.payload, `stage_rows:${id}`);
              const target = res.source && this.#handTarget("outbound", send.outbound, fx);
              s.insertRow.run(
                id,
                row.message_id,
                row.run,
                "outbound",
                send.outbound,
                row.handler,
                res.rowId,
                payload,
                fx.now,
                target,
              );
              if (target && res.source) {
                this.#hand(target, fx, {
                  ...res.source,
                  rowId: id,
                  stage: "outbound",
                  conn: send.outbound,
                  payload: send.payload,
                  attempts: 0,
                });
              } else fx.wake("outbound", send.outbound);
            }
            const sent = res.sends.length === 0 ? "filtered" : res.sends.map((x) => x.outbound).join(",");
            this.#event(
              row.message_id,
              res.rowId,
              "transformed",
              "routed",
              row.conn,
              `${row.handler}: ${sent}`,
              fx,
            );
          }
          // Rows were just queued for delivery: the finalizer's answer is ROUTED, which completeRouting
          // already set for this run (a replay or cancel would have closed this row first).
          if ("error" in res || res.sends.length === 0) this.#finalize(row.message_id, fx);
        }
        return applied;
      }),
    );
  }

  completeDelivery(owner: string, results: DeliveryResult[]): Promise<number> {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    return Promise.resolve(
      this.#txn(fx, () => {
        let applied = 0;
        for (const res of results) {
          const row =
            res.status === "retry"
              ? (s.retryHeld.get(
                  res.nextAttemptAt,
                  this.#seal(res.error, "stage_rows", res.rowId),
                  fx.now,
                  res.rowId,
                  owner,
                ) as RowForComplete | undefined)
              : this.#closeHeld(
                  res.rowId,
                  owner,
                  res.status === "ok" ? "done" : "dead",
                  1,
                  res.status === "ok" ? null : res.error,
                  fx.now,
                );
          if (!row) continue;
          applied++;
          const attempt = row.attempts;
          if (res.status === "ok") {
            this.#event(
              row.message_id,
              res.rowId,
              "delivered",
              "outbound",
              row.conn,
              `attempt ${attempt}`,
              fx,
              res.reply,
            );
            fx.count(row.conn, "delivered");
            this.#finalize(row.message_id, fx);
          } else if (res.status === "retry") {
            this.#event(
              row.message_id,
              res.rowId,
              "delivery-retry",
              "outbound",
              row.conn,
              `attempt ${attempt}: ${res.error}`,
              fx,
              res.reply,
            );
          } else {
            this.#setMessageError(res.error, fx.now, row.message_id);
            this.#event(
              row.message_id,
              res.rowId,
              "dead-letter",
              "outbound",
              row.conn,
              `attempt ${attempt}: ${res.error}`,
              fx,
              res.reply,
            );
            fx.count(row.conn, "failed");
            this.#finalize(row.message_id, fx);
          }
        }
        return applied;
      }),
    );
  }

  /**
   * Closes a claimed row — only while `owner` still holds the claim, so a stale worker's late
   * completion is a no-op — and returns its context (attempts after the increment).
   */
  #closeHeld(
    rowId: number,
    owner: string,
    state: "done" | "dead",
    attemptInc: 0 | 1,
    error: string | null,
    now: number,
  ): RowForComplete | undefined {
    const sealed = this.#seal(error, "stage_rows", rowId);
    return this.#s.closeHeld.get(state, attemptInc, sealed, now, rowId, owner) as RowForComplete | undefined;
  }

  /** History and message error for a row that `#closeHeld` just dead-lettered. */
  #failed(rowId: number, row: RowForComplete, kind: EventKind, error: string, fx: TxnEffects): void {
    this.#setMessageError(error, fx.now, row.message_id);
    const detail = row.stage === "routed" ? `${row.handler}: ${error}` : error;
    this.#event(row.message_id, rowId, kind, row.stage, row.conn, detail, fx);
  }

  // ---- the finalizer ----------------------------------------------------------------------------

  /** The one place a message's disposition changes after intake. */
  #finalize(messageId: number, fx: TxnEffects): void {
    const tallies = this.#s.tallies.all(messageId) as (RowTally & {
      disposition: Disposition;
      inbound: string;
    })[];
    const m = tallies[0];
    if (!m) return;
    const next = decideDisposition(tallies);
    if (next !== m.disposition) this.#setDisposition(messageId, m.inbound, next, fx);
  }

  #setDisposition(messageId: number, inbound: string, next: Disposition, fx: TxnEffects): void {
    this.#s.setDisposition.run(next, fx.now, messageId);
    const counter = FINAL_COUNTER[next];
    if (counter) {
      fx.count(inbound, counter);
      this.#event(messageId, null, "disposition", null, inbound, next, fx);
    }
  }

  // ---- operator actions -------------------------------------------------------------------------

  replayMessage(messageId: number): Promise<boolean> {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    return Promise.resolve(
      this.#txn(fx, () => {
        const m = s.messageState.get(messageId) as { run: number; inbound: string } | undefined;
        if (!m) return false;
        s.replaceOpenRows.run(fx.now, messageId);
        const run = m.run + 1;
        s.startRun.run(run, fx.now, messageId);
        const rowId = this.#nextId("stage_rows", fx);
        s.insertRow.run(rowId, messageId, run, "ingress", m.inbound, null, null, null, fx.now);
        this.#event(messageId, rowId, "replayed", "ingress", m.inbound, `run ${run}`, fx);
        fx.wake("ingress", m.inbound);
        return true;
      }),
    );
  }

  resendOutbound(rowId: number): Promise<number | undefined> {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    return Promise.resolve(
      this.#txn(fx, () => {
        const row = s.rowForResend.get(rowId) as
          | {
              message_id: number;
              stage: Stage;
              conn: string;
              handler: string | null;
              state: RowState;
              payload: Buffer | null;
              parent_id: number | null;
              current_run: number;
            }
          | undefined;
        if (row?.stage !== "outbound" || row.payload === null) return undefined;
        if (row.state === "pending" || row.state === "claimed") return undefined;
        const plain = this.#codec.decode(row.payload, `stage_rows:${rowId}`);
        const id = this.#nextId("stage_rows", fx);
        const payload = this.#codec.encode(plain, `stage_rows:${id}`);
        s.insertRow.run(
          id,
          row.message_id,
          row.current_run,
          "outbound",
          row.conn,
          row.handler,
          row.parent_id,
          payload,
          fx.now,
        );
        s.markReplaced.run(fx.now, rowId);
        this.#event(row.message_id, id, "resent", "outbound", row.conn, `copy of row ${rowId}`, fx);
        s.clearMessageError.run(fx.now, row.message_id);
        this.#finalize(row.message_id, fx);
        fx.wake("outbound", row.conn);
        return id;
      }),
    );
  }

  cancelMessage(messageId: number): Promise<number> {
    const fx = new TxnEffects(Date.now());
    return Promise.resolve(
      this.#txn(fx, () => {
        const rows = this.#s.openRowsOfMessage.all(messageId) as { id: number; stage: Stage; conn: string }[];
        for (const r of rows) this.#cancel(messageId, r, fx);
        if (rows.length > 0) this.#finalize(messageId, fx);
        return rows.length;
      }),
    );
  }

  cancelRow(rowId: number): Promise<boolean> {
    const fx = new TxnEffects(Date.now());
    return Promise.resolve(
      this.#txn(fx, () => {
        const r = this.#s.rowForComplete.get(rowId) as RowForComplete | undefined;
        if (!r || (r.state !== "pending" && r.state !== "claimed")) return false;
        this.#cancel(r.message_id, { id: rowId, stage: r.stage, conn: r.conn }, fx);
        this.#finalize(r.message_id, fx);
        return true;
      }),
    );
  }

  #cancel(messageId: number, r: { id: number; stage: Stage; conn: string }, fx: TxnEffects): void {
    this.#s.cancelRow.run(this.#seal(CANCELLED, "stage_rows", r.id), fx.now, r.id);
    this.#setMessageError(CANCELLED, fx.now, messageId);
    this.#event(messageId, r.id, "cancelled", r.stage, r.conn, null, fx);
    // A delivery worker may be sleeping on this row's backoff: wake it so the lane moves on.
    fx.wake(r.stage, r.conn);
  }

  // ---- reads --------------------------------------------------------------------------------------

  getMessage(messageId: number): Promise<MessageDetail | undefined> {
    return Promise.resolve(readMessageDetail(this.db, messageId, this.#open));
  }

  listMessages(filter: MessageFilter = {}): Promise<MessageSummary[]> {
    return Promise.resolve(readMessages(this.db, filter, this.#open));
  }

  async getMessageRaw(messageId: number): Promise<Buffer | undefined> {
    const raw = this.#s.messageRaw.get(messageId) as Buffer | undefined;
    return raw && this.#codec.decode(raw, `messages:${messageId}`);
  }

  async getRowPayload(rowId: number): Promise<Buffer | undefined> {
    const r = this.#s.rowPayload.get(rowId) as { message_id: number; payload: Buffer | null } | undefined;
    if (!r) return undefined;
    if (r.payload === null) return this.getMessageRaw(r.message_id);
    return this.#codec.decode(r.payload, `stage_rows:${rowId}`);
  }

  async getRowReply(rowId: number): Promise<Buffer | undefined> {
    const r = this.#s.lastReply.get(rowId, rowId) as { id: number; reply: Buffer } | undefined;
    return r && this.#codec.decode(r.reply, `events:${r.id}`);
  }

  async getEventReply(eventId: number): Promise<Buffer | undefined> {
    const reply = this.#s.eventReply.get(eventId) as Buffer | null | undefined;
    return reply ? this.#codec.decode(reply, `events:${eventId}`) : undefined;
  }

  listDeadLetters(filter: DeadLetterFilter = {}): Promise<StageRowInfo[]> {
    return Promise.resolve(readDeadLetters(this.db, filter, this.#open));
  }

  stats(): Promise<StoreStats> {
    const depth = new Map<string, QueueDepth>();
    for (const r of this.#s.depth.all() as { stage: Stage; conn: string; state: RowState; n: number }[]) {
      const key = `${r.stage}\u0000${r.conn}`;
      let d = depth.get(key);
      if (!d) {
        d = { stage: r.stage, conn: r.conn, pending: 0, claimed: 0 };
        depth.set(key, d);
      }
      if (r.state === "claimed") d.claimed += r.n;
      else d.pending += r.n;
    }
    return Promise.resolve({ connections: readConnectionCounters(this.db), depth: [...depth.values()] });
  }

  // ---- connector cursors -------------------------------------------------------------------------

  getCursor(conn: string): Promise<string | undefined> {
    return Promise.resolve(this.#s.getCursor.get(conn) as string | undefined);
  }

  setCursor(conn: string, value: string): Promise<void> {
    const fx = new TxnEffects(Date.now());
    this.#txn(fx, () => this.#s.setCursor.run(conn, value, fx.now));
    return Promise.resolve();
  }

  // ---- retention and key rotation ----------------------------------------------------------------

  purgeBatch(opts: PurgeOptions): Promise<number> {
    const fx = new TxnEffects(Date.now());
    const s = this.#s;
    return Promise.resolve(
      this.#txn(fx, () => {
        const ids = s.purgeable.all(opts.before, opts.batchSize ?? 200) as number[];
        for (const id of ids) {
          s.deleteEvents.run(id);
          s.deleteRows.run(id);
          s.deleteMessage.run(id);
        }
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
    const select = this.db.prepare(
      `SELECT id, ${column} AS body FROM ${table} WHERE id > ? AND ${column} IS NOT NULL ORDER BY id LIMIT ?`,
    );
    const update = this.db.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ?`);
    const fx = new TxnEffects(Date.now());
    return Promise.resolve(
      this.#txn(fx, () => {
        const rows = select.all(Number(after), limit) as { id: number; body: Buffer | string }[];
        for (const r of rows) {
          const next =
            typeof r.body === "string"
              ? recodeText(r.body, textAad(table, r.id), recode)
              : recode(r.body, `${table}:${r.id}`);
          if (next) update.run(next, r.id);
        }
        const last = rows[rows.length - 1];
        if (last && rows.length === limit) return `${phase.name}:${last.id}`;
        const nextPhase = RECODE_PHASES[t + 1];
        return nextPhase ? `${nextPhase.name}:0` : undefined;
      }),
    );
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  onWake(stage: Stage, conn: string, listener: WakeListener): () => void {
    return this.#notifier.on(stage, conn, listener);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#ingress.close();
    this.db.close();
    return Promise.resolve();
  }

  /**
   * Runs `body` in one transaction, then applies counters inside it and wakes workers after commit.
   * BEGIN IMMEDIATE: every transaction here writes, and a deferred one that reads first (max id,
   * claims) cannot be upgraded once another connection (a delivery thread, the CLI) has committed —
   * SQLite answers SQLITE_BUSY at once instead of waiting out busy_timeout.
   */
  #txn<T>(fx: TxnEffects, body: () => T): T {
    this.#lock?.acquire();
    let result: T;
    try {
      result = this.db
        .transaction(() => {
          const r = body();
          for (const [table, next] of fx.ids) this.#s.saveSeq.run(table, next - 1);
          for (const [conn, c] of fx.counters) {
            this.#s.bumpCounters.run(conn, ...COUNTERS.map((k) => c[k]), fx.now);
          }
          return r;
        })
        .immediate();
    } finally {
      this.#lock?.release();
    }
    // After commit nothing may throw out of here: a caller that saw an error would write again
    // (the group commit retries arrivals one by one). A target that cannot take its rows is told
    // that rows went past it, so its worker claims from the store (the rows wait out their lease).
    for (const [target, rows] of fx.handed) {
      try {
        target.take(rows, fx.now);
      } catch {
        target.overflow();
      }
    }
    for (const key of fx.wakes) {
      const [stage, conn] = key.split("\u0000") as [Stage, string];
      this.#notifier.notify(stage, conn);
    }
    return result;
  }

  // ---- handoff (see HandoffTarget) ----------------------------------------------------------------

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
      // -1: this transaction already told the target that rows go pending.
      if (room === 0) target.overflow();
      fx.room.set(target, -1);
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

  #nextId(table: "messages" | "stage_rows" | "events", fx: TxnEffects): number {
    let next = fx.ids.get(table);
    if (next === undefined) {
      // max() as well: rows written by an engine from before the sequence existed.
      const seq = (this.#s.readSeq.get(table) as number | undefined) ?? 0;
      const max = (this.#s.maxId[table].get() as number | null) ?? 0;
      next = Math.max(seq, max) + 1;
    }
    fx.ids.set(table, next + 1);
    return next;
  }

  #event(
    messageId: number,
    rowId: number | null,
    kind: EventKind,
    stage: Stage | null,
    conn: string | null,
    detail: string | null,
    fx: TxnEffects,
    reply?: Buffer,
  ): void {
    const id = this.#nextId("events", fx);
    const stored = reply && reply.length > 0 ? this.#codec.encode(reply, `events:${id}`) : null;
    const text = eventDetail(this.#codec, kind, detail, id);
    this.#s.insertEvent.run(id, messageId, rowId, fx.now, kind, stage, conn, text, stored);
  }

  /** Error and detail texts can quote patient data: sealed like bodies, under their own AAD. */
  #seal(text: string | null, table: "messages" | "stage_rows" | "events", id: number): string | null {
    return sealText(this.#codec, text, textAad(table, id));
  }

  #setMessageError(error: string, now: number, messageId: number): void {
    this.#s.setMessageError.run(this.#seal(error, "messages", messageId), now, messageId);
  }
}

/**
 * Inserts a stage row, pending — or already claimed for a handoff target; `now` is both its created
 * and updated time (and the claim's start).
 */
function insertRow(db: Database.Database) {
  const stmt = db.prepare(
    `INSERT INTO stage_rows (id, message_id, run, stage, conn, handler, parent_id, payload, state,
       created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );
  const claimed = db.prepare(
    `INSERT INTO stage_rows (id, message_id, run, stage, conn, handler, parent_id, payload, state,
       claimed_by, lease_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'claimed', ?, ?, ?, ?)`,
  );
  return {
    run(
      id: number,
      messageId: number,
      run: number,
      stage: Stage,
      conn: string,
      handler: string | null,
      parentId: number | null,
      payload: Buffer | null,
      now: number,
      claimFor?: HandoffTarget,
    ) {
      if (claimFor) {
        const lease = now + claimFor.leaseMs;
        return claimed.run(
          id,
          messageId,
          run,
          stage,
          conn,
          handler,
          parentId,
          payload,
          claimFor.owner,
          lease,
          now,
          now,
        );
      }
      return stmt.run(id, messageId, run, stage, conn, handler, parentId, payload, now, now);
    },
  };
}

function prepare(db: Database.Database) {
  const maxId = (table: string) => db.prepare(`SELECT max(id) FROM ${table}`).pluck();
  return {
    maxId: { messages: maxId("messages"), stage_rows: maxId("stage_rows"), events: maxId("events") },
    readSeq: db.prepare("SELECT last FROM id_seq WHERE name = ?").pluck(),
    getCursor: db.prepare("SELECT value FROM connector_cursors WHERE conn = ?").pluck(),
    setCursor: db.prepare(
      `INSERT INTO connector_cursors (conn, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (conn) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ),
    saveSeq: db.prepare(
      `INSERT INTO id_seq (name, last) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET last = max(last, excluded.last)`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (id, inbound, received_at, control_id, message_type, content_type, raw,
         disposition, error, run, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
    ),
    insertRow: insertRow(db),
    insertEvent: db.prepare(
      `INSERT INTO events (id, message_id, row_id, at, kind, stage, conn, detail, reply)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    selectOpen: db.prepare(
      `SELECT r.id, r.message_id, r.state, r.claimed_by, r.lease_until, r.next_attempt_at, r.handler, r.attempts,
         r.payload IS NULL AS from_raw, coalesce(r.payload, m.raw) AS body, m.inbound, m.content_type,
         m.control_id, m.message_type, m.received_at
       FROM stage_rows r JOIN messages m ON m.id = r.message_id
       WHERE r.stage = ? AND r.conn = ? AND r.state IN ('pending', 'claimed')
         AND (? IS NULL OR r.handler IS NULL OR r.handler NOT IN (SELECT value FROM json_each(?)))
       ORDER BY r.id LIMIT ?`,
    ),
    claimRow: db.prepare(
      `UPDATE stage_rows SET state = 'claimed', claimed_by = ?, lease_until = ?, updated_at = ? WHERE id = ?`,
    ),
    releaseRow: db.prepare(
      `UPDATE stage_rows SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND claimed_by = ? AND state = 'claimed'`,
    ),
    releaseLane: db.prepare(
      `UPDATE stage_rows SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE stage = 'outbound' AND conn = ? AND state = 'claimed' AND claimed_by = ?`,
    ),
    laneHead: db.prepare(
      `SELECT id, state, next_attempt_at, lease_until FROM stage_rows
       WHERE stage = 'outbound' AND conn = ? AND state IN ('pending', 'claimed') ORDER BY id LIMIT 1`,
    ),
    recoverLeases: db.prepare(
      `UPDATE stage_rows SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE state IN ('pending', 'claimed') AND state = 'claimed' AND (? = 1 OR lease_until <= ?)`,
    ),
    rowForComplete: db.prepare(
      `SELECT message_id, run, stage, conn, handler, state, claimed_by, attempts FROM stage_rows WHERE id = ?`,
    ),
    closeHeld: db.prepare(
      `UPDATE stage_rows SET state = ?, attempts = attempts + ?, error = ?, claimed_by = NULL,
         lease_until = NULL, updated_at = ?
       WHERE id = ? AND state = 'claimed' AND claimed_by = ?
       RETURNING message_id, run, stage, conn, handler, state, claimed_by, attempts`,
    ),
    retryHeld: db.prepare(
      `UPDATE stage_rows SET state = 'pending', attempts = attempts + 1, next_attempt_at = ?, error = ?,
         claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND state = 'claimed' AND claimed_by = ?
       RETURNING message_id, run, stage, conn, handler, state, claimed_by, attempts`,
    ),
    cancelRow: db.prepare(
      `UPDATE stage_rows SET state = 'cancelled', error = ?, claimed_by = NULL, lease_until = NULL,
         updated_at = ? WHERE id = ?`,
    ),
    deadRow: db.prepare(
      `UPDATE stage_rows SET state = 'dead', error = ?, claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ?`,
    ),
    markReplaced: db.prepare(`UPDATE stage_rows SET state = 'replaced', updated_at = ? WHERE id = ?`),
    // Dead letters too: a replay supersedes them, so a later bulk replay of /dead-letters cannot
    // deliver the same message again from an earlier run.
    replaceOpenRows: db.prepare(
      `UPDATE stage_rows SET state = 'replaced', claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE message_id = ? AND state IN ('pending', 'claimed', 'dead')`,
    ),
    openRowsOfMessage: db.prepare(
      `SELECT r.id, r.stage, r.conn FROM stage_rows r JOIN messages m ON m.id = r.message_id
       WHERE r.message_id = ? AND r.run = m.run AND r.state IN ('pending', 'claimed')`,
    ),
    rowForResend: db.prepare(
      `SELECT r.message_id, r.stage, r.conn, r.handler, r.state, r.payload, r.parent_id, m.run AS current_run
       FROM stage_rows r JOIN messages m ON m.id = r.message_id WHERE r.id = ?`,
    ),
    messageState: db.prepare(`SELECT run, disposition, inbound FROM messages WHERE id = ?`),
    tallies: db.prepare(
      `SELECT m.disposition, m.inbound, r.stage, r.state, count(r.id) AS n
       FROM messages m LEFT JOIN stage_rows r ON r.message_id = m.id AND r.run = m.run
       WHERE m.id = ? GROUP BY r.stage, r.state`,
    ),
    setDisposition: db.prepare(`UPDATE messages SET disposition = ?, updated_at = ? WHERE id = ?`),
    setMessageError: db.prepare(`UPDATE messages SET error = ?, updated_at = ? WHERE id = ?`),
    clearMessageError: db.prepare(`UPDATE messages SET error = NULL, updated_at = ? WHERE id = ?`),
    startRun: db.prepare(
      `UPDATE messages SET run = ?, disposition = 'RECEIVED', error = NULL, updated_at = ? WHERE id = ?`,
    ),
    messageRaw: db.prepare(`SELECT raw FROM messages WHERE id = ?`).pluck(),
    rowPayload: db.prepare(`SELECT message_id, payload FROM stage_rows WHERE id = ?`),
    lastReply: db.prepare(
      `SELECT id, reply FROM events WHERE message_id = (SELECT message_id FROM stage_rows WHERE id = ?)
         AND row_id = ? AND reply IS NOT NULL ORDER BY id DESC LIMIT 1`,
    ),
    eventReply: db.prepare(`SELECT reply FROM events WHERE id = ?`).pluck(),
    depth: db.prepare(
      `SELECT stage, conn, state, count(*) AS n FROM stage_rows
       WHERE state IN ('pending', 'claimed') GROUP BY stage, conn, state`,
    ),
    bumpCounters: db.prepare(
      `INSERT INTO conn_stats (conn, received, processed, errored, filtered, unrouted, delivered, failed,
         last_activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (conn) DO UPDATE SET received = received + excluded.received,
         processed = processed + excluded.processed, errored = errored + excluded.errored,
         filtered = filtered + excluded.filtered, unrouted = unrouted + excluded.unrouted,
         delivered = delivered + excluded.delivered, failed = failed + excluded.failed,
         last_activity = max(last_activity, excluded.last_activity)`,
    ),
    purgeable: db
      .prepare(
        `SELECT id FROM messages INDEXED BY messages_received WHERE received_at < ?
           AND disposition IN ('UNROUTED', 'FILTERED', 'PROCESSED', 'ERROR') ORDER BY received_at LIMIT ?`,
      )
      .pluck(),
    deleteEvents: db.prepare(`DELETE FROM events WHERE message_id = ?`),
    deleteRows: db.prepare(`DELETE FROM stage_rows WHERE message_id = ?`),
    deleteMessage: db.prepare(`DELETE FROM messages WHERE id = ?`),
  };
}

/** Opens (creating and migrating when needed) the SQLite store. */
export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}
