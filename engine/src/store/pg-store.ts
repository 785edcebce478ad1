/**
 * The Store on PostgreSQL, behind the same contract and the same tests as SQLite. Claims use
 * `FOR UPDATE … SKIP LOCKED` (ingress/routed) or a per-lane advisory lock (outbound, so the FIFO head
 * rule holds across engines); every handoff is one transaction; the group commit is one transaction
 * per batch of arrivals (synchronous_commit on: the WAL is flushed before the ACK).
 * Wake-ups are in-process; other processes' rows are found by the workers' poll fallback.
 */
import pg from "pg";
import { type BodyCodec, BodyDecodeError } from "./crypto.js";
import { decideDisposition, type RowTally } from "./disposition.js";
import { CANCELLED, COUNTERS, FINAL_COUNTER, TxnEffects } from "./effects.js";
import { AsyncGroupCommitter } from "./group-commit.js";
import { Notifier } from "./notifier.js";
import { migratePg } from "./pg-schema.js";
import { eventDetail, openText, RECODE_PHASES, recodeText, sealText, textAad } from "./sealed-text.js";
import type {
  ClaimedRow,
  ClaimOptions,
  ConnectionCounters,
  DeadLetterFilter,
  DeliveryResult,
  Disposition,
  EventKind,
  HistoryEvent,
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

export interface PgStoreOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/messagefoundry` */
  connectionString: string;
  /** Schema holding the tables (created when missing); default `public`. */
  schema?: string;
  codec: BodyCodec;
  /** Pool size (default 4). */
  poolSize?: number;
  maxGroupSize?: number;
  /**
   * Told about a connection that failed while idle in the pool (the database restarted, a network
   * blip). The pool drops that connection and opens a new one on demand; without a listener the error
   * would crash the process. Default: ignored.
   */
  onPoolError?: (error: Error) => void;
}

type Client = pg.PoolClient;

interface RowCtx {
  message_id: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  attempts: number;
}

const ROW_RETURNING = "RETURNING message_id, run, stage, conn, handler, attempts";
const MESSAGE_COLUMNS = `id, inbound, received_at, control_id, message_type, content_type, disposition, error,
  run, updated_at`;
const ROW_COLUMNS = `id, message_id, run, stage, conn, handler, parent_id, state, attempts, next_attempt_at,
  claimed_by, lease_until, error, created_at, updated_at`;

/** BIGINT and count(*) come back as strings by default; every id and time here fits a double. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded getTypeParser signature
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

export class PgStore implements Store {
  readonly pool: pg.Pool;
  readonly #codec: BodyCodec;
  readonly #notifier = new Notifier();
  readonly #ingress: AsyncGroupCommitter<IngressInput | RejectedInput, IngressReceipt>;
  #closed = false;

  private constructor(opts: PgStoreOptions) {
    this.#codec = opts.codec;
    const schema = opts.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.poolSize ?? 4,
      options: `-c search_path=${schema}`,
      types,
    });
    const onPoolError = opts.onPoolError ?? (() => undefined);
    this.pool.on("error", (error) => onPoolError(error));
    this.#ingress = new AsyncGroupCommitter((items) => this.#writeArrivals(items), opts.maxGroupSize ?? 1000);
  }

  static async open(opts: PgStoreOptions): Promise<PgStore> {
    const store = new PgStore(opts);
    const c = await store.pool.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema ?? "public"}`);
      await migratePg(c);
    } finally {
      c.release();
    }
    return store;
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  async #tx<T>(body: (c: Client, fx: TxnEffects) => Promise<T>): Promise<T> {
    const fx = new TxnEffects(Date.now());
    const c = await this.pool.connect();
    // A connection lost between two statements emits 'error' on the client; the next query rejects
    // anyway, so the event only needs a listener (an unheard 'error' event would crash the process).
    const onClientError = () => undefined;
    c.on("error", onClientError);
    let result: T;
    let broken: Error | undefined;
    try {
      await c.query("BEGIN");
      result = await body(c, fx);
      for (const [conn, n] of fx.counters) {
        await c.query(
          `INSERT INTO conn_stats (conn, received, processed, errored, filtered, unrouted, delivered, failed,
             last_activity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (conn) DO UPDATE SET received = conn_stats.received + excluded.received,
             processed = conn_stats.processed + excluded.processed, errored = conn_stats.errored + excluded.errored,
             filtered = conn_stats.filtered + excluded.filtered, unrouted = conn_stats.unrouted + excluded.unrouted,
             delivered = conn_stats.delivered + excluded.delivered, failed = conn_stats.failed + excluded.failed,
             last_activity = GREATEST(conn_stats.last_activity, excluded.last_activity)`,
          [conn, ...COUNTERS.map((k) => n[k]), fx.now],
        );
      }
      await c.query("COMMIT");
    } catch (error) {
      // A failed ROLLBACK leaves the connection in an unknown state: destroy it, never reuse it.
      await c.query("ROLLBACK").catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw error;
    } finally {
      c.removeListener("error", onClientError);
      c.release(broken);
    }
    for (const key of fx.wakes) {
      const [stage, conn] = key.split("\u0000") as [Stage, string];
      this.#notifier.notify(stage, conn);
    }
    return result;
  }

  /**
   * Locks the messages (in id order, so two transactions never deadlock) before any of their rows
   * change. Every transaction that closes, cancels, replaces or adds rows of a message holds this lock
   * through the finalizer, so under READ COMMITTED the tally of the second of two concurrent
   * completions sees the first one's committed row: no message stays ROUTED forever.
   */
  async #lockMessages(c: Client, messageIds: number[]): Promise<void> {
    if (messageIds.length === 0) return;
    await c.query("SELECT id FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", [
      messageIds,
    ]);
  }

  /** `#lockMessages` for the messages owning these stage rows (a row's message never changes). */
  async #lockMessagesOfRows(c: Client, rowIds: number[]): Promise<void> {
    if (rowIds.length === 0) return;
    await c.query(
      `SELECT id FROM messages WHERE id IN (SELECT message_id FROM stage_rows WHERE id = ANY($1::bigint[]))
       ORDER BY id FOR UPDATE`,
      [rowIds],
    );
  }

  /** Error and detail texts can quote patient data: sealed like bodies, under their own AAD. */
  #seal(text: string | null, table: "messages" | "stage_rows" | "events", id: number): string | null {
    return sealText(this.#codec, text, textAad(table, id));
  }

  readonly #open = (stored: string | null, aad: string): string | null => openText(this.#codec, stored, aad);

  async #setMessageError(c: Client, error: string, now: number, messageId: number): Promise<void> {
    await c.query("UPDATE messages SET error = $1, updated_at = $2 WHERE id = $3", [
      this.#seal(error, "messages", messageId),
      now,
      messageId,
    ]);
  }

  async #nextId(c: Client, table: "messages" | "stage_rows" | "events"): Promise<number> {
    const r = await c.query<{ id: number }>(`SELECT nextval('${table}_id_seq') AS id`);
    return r.rows[0]?.id as number;
  }

  /** `n` ids in one round trip (the group commit's batch). */
  async #nextIds(c: Client, table: "messages" | "stage_rows", n: number): Promise<number[]> {
    const r = await c.query<{ id: number }>(
      `SELECT nextval('${table}_id_seq') AS id FROM generate_series(1, $1::int)`,
      [n],
    );
    return r.rows.map((x) => x.id);
  }

  async #insertRow(
    c: Client,
    fx: TxnEffects,
    row: {
      id?: number;
      messageId: number;
      run: number;
      stage: Stage;
      conn: string;
      handler: string | null;
      parentId: number | null;
      payload?: Buffer;
    },
  ): Promise<number> {
    const id = row.id ?? (await this.#nextId(c, "stage_rows"));
    const payload = row.payload ? this.#codec.encode(row.payload, `stage_rows:${id}`) : null;
    await c.query(
      `INSERT INTO stage_rows (id, message_id, run, stage, conn, handler, parent_id, payload, state, created_at,
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $9)`,
      [id, row.messageId, row.run, row.stage, row.conn, row.handler, row.parentId, payload, fx.now],
    );
    return id;
  }

  async #event(
    c: Client,
    fx: TxnEffects,
    messageId: number,
    rowId: number | null,
    kind: EventKind,
    stage: Stage | null,
    conn: string | null,
    detail: string | null,
    reply?: Buffer,
  ): Promise<void> {
    const id = await this.#nextId(c, "events");
    const stored = reply && reply.length > 0 ? this.#codec.encode(reply, `events:${id}`) : null;
    await c.query(
      `INSERT INTO events (id, message_id, row_id, at, kind, stage, conn, detail, reply)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, messageId, rowId, fx.now, kind, stage, conn, eventDetail(this.#codec, kind, detail, id), stored],
    );
  }

  // ---- intake ---------------------------------------------------------------------------------

  enqueueIngress(input: IngressInput): Promise<IngressReceipt> {
    return this.#ingress.submit(input);
  }

  recordRejected(input: RejectedInput): Promise<IngressReceipt> {
    return this.#ingress.submit(input);
  }

  #writeArrivals(items: readonly (IngressInput | RejectedInput)[]): Promise<IngressReceipt[]> {
    return this.#tx(async (c, fx) => {
      const receipts: IngressReceipt[] = [];
      const messageIds = await this.#nextIds(c, "messages", items.length);
      const rowIds = await this.#nextIds(c, "stage_rows", items.length);
      for (const [i, item] of items.entries()) {
        const id = messageIds[i] as number;
        const error = "error" in item ? item.error : null;
        const disposition: Disposition = error === null ? "RECEIVED" : "ERROR";
        await c.query(
          `INSERT INTO messages (id, inbound, received_at, control_id, message_type, content_type, raw,
             disposition, error, run, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)`,
          [
            id,
            item.inbound,
            item.receivedAt ?? fx.now,
            item.controlId ?? null,
            item.messageType ?? null,
            item.contentType ?? "hl7v2",
            this.#codec.encode(item.raw, `messages:${id}`),
            disposition,
            this.#seal(error, "messages", id),
            fx.now,
          ],
        );
        fx.count(item.inbound, "received");
        if (error === null) {
          await this.#insertRow(c, fx, {
            id: rowIds[i] as number,
            messageId: id,
            run: 1,
            stage: "ingress",
            conn: item.inbound,
            handler: null,
            parentId: null,
          });
          fx.wake("ingress", item.inbound);
        } else {
          fx.count(item.inbound, "errored");
          await this.#event(c, fx, id, null, "rejected", null, item.inbound, error);
        }
        receipts.push({ messageId: id, disposition });
      }
      return receipts;
    });
  }

  // ---- claims -----------------------------------------------------------------------------------

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
    return this.#tx(async (c, fx) => {
      // A lane is claimed by one transaction at a time, so its head rule holds across engines.
      if (fifo) await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`lane:${conn}`]);
      const r = await c.query<{
        id: number;
        message_id: number;
        state: RowState;
        lease_until: number | null;
        next_attempt_at: number;
        handler: string | null;
        attempts: number;
        from_raw: boolean;
        body: Buffer;
        inbound: string;
        content_type: string;
        control_id: string | null;
        message_type: string | null;
        received_at: number;
      }>(
        `SELECT r.id, r.message_id, r.state, r.lease_until, r.next_attempt_at, r.handler, r.attempts,
           r.payload IS NULL AS from_raw, coalesce(r.payload, m.raw) AS body, m.inbound, m.content_type,
           m.control_id, m.message_type, m.received_at
         FROM stage_rows r JOIN messages m ON m.id = r.message_id
         WHERE r.stage = $1 AND r.conn = $2 AND r.state IN ('pending', 'claimed')
           AND (r.handler IS NULL OR NOT (r.handler = ANY($4::text[])))
         ORDER BY r.id LIMIT $3 ${fifo ? "" : "FOR UPDATE OF r SKIP LOCKED"}`,
        [stage, conn, opts.limit, [...(opts.excludeHandlers ?? [])]],
      );
      const out: ClaimedRow[] = [];
      for (const row of r.rows) {
        const leased = row.state === "claimed" && (row.lease_until ?? 0) > now;
        if (fifo && (leased || row.next_attempt_at > now)) break;
        if (leased || row.next_attempt_at > now) continue; // unordered: skip a row backing off
        const aad = row.from_raw ? `messages:${row.message_id}` : `stage_rows:${row.id}`;
        let payload: Buffer;
        try {
          payload = this.#codec.decode(row.body, aad);
        } catch (error) {
          if (!(error instanceof BodyDecodeError)) throw error;
          // One undecryptable row must not block its lane forever (a throw here would roll the claim
          // back and retry it every poll): dead-letter it and go on.
          await this.#deadUndecryptable(c, fx, { id: row.id, messageId: row.message_id, stage, conn }, error);
          continue;
        }
        out.push({
          rowId: row.id,
          messageId: row.message_id,
          stage,
          conn,
          handler: row.handler,
          payload,
          attempts: row.attempts,
          inbound: row.inbound,
          contentType: row.content_type,
          controlId: row.control_id,
          messageType: row.message_type,
          receivedAt: row.received_at,
        });
      }
      if (out.length > 0) {
        await c.query(
          `UPDATE stage_rows SET state = 'claimed', claimed_by = $1, lease_until = $2, updated_at = $3
           WHERE id = ANY($4::bigint[])`,
          [opts.owner, now + opts.leaseMs, now, out.map((x) => x.rowId)],
        );
      }
      return out;
    });
  }

  async #deadUndecryptable(
    c: Client,
    fx: TxnEffects,
    row: { id: number; messageId: number; stage: Stage; conn: string },
    cause: BodyDecodeError,
  ): Promise<void> {
    const error = `undecryptable: ${cause.message}`;
    await c.query(
      `UPDATE stage_rows SET state = 'dead', error = $1, claimed_by = NULL, lease_until = NULL, updated_at = $2
       WHERE id = $3`,
      [this.#seal(error, "stage_rows", row.id), fx.now, row.id],
    );
    await this.#setMessageError(c, error, fx.now, row.messageId);
    await this.#event(c, fx, row.messageId, row.id, "dead-letter", row.stage, row.conn, error);
    if (row.stage === "outbound") fx.count(row.conn, "failed");
    await this.#finalize(c, fx, row.messageId);
  }

  releaseClaims(owner: string, rowIds: number[]): Promise<number> {
    if (rowIds.length === 0) return Promise.resolve(0);
    return this.#tx(async (c, fx) => {
      const r = await c.query(
        `UPDATE stage_rows SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = $1
         WHERE id = ANY($2::bigint[]) AND claimed_by = $3 AND state = 'claimed'`,
        [fx.now, rowIds, owner],
      );
      return r.rowCount ?? 0;
    });
  }

  async laneHead(outbound: string): Promise<LaneHead | undefined> {
    const r = await this.pool.query<{
      id: number;
      state: RowState;
      next_attempt_at: number;
      lease_until: number | null;
    }>(
      `SELECT id, state, next_attempt_at, lease_until FROM stage_rows
       WHERE stage = 'outbound' AND conn = $1 AND state IN ('pending', 'claimed') ORDER BY id LIMIT 1`,
      [outbound],
    );
    const h = r.rows[0];
    return h && { rowId: h.id, state: h.state, nextAttemptAt: h.next_attempt_at, leaseUntil: h.lease_until };
  }

  async recoverLeases(opts: { all?: boolean; now?: number } = {}): Promise<number> {
    const now = opts.now ?? Date.now();
    const r = await this.pool.query(
      `UPDATE stage_rows SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = $1
       WHERE state IN ('pending', 'claimed') AND state = 'claimed' AND ($2 OR lease_until <= $1)`,
      [now, opts.all === true],
    );
    const n = r.rowCount ?? 0;
    if (n > 0) this.#notifier.notifyAll();
    return n;
  }

  // ---- handoffs ---------------------------------------------------------------------------------

  async #closeHeld(
    c: Client,
    rowId: number,
    owner: string,
    state: "done" | "dead",
    attemptInc: 0 | 1,
    error: string | null,
    now: number,
  ): Promise<RowCtx | undefined> {
    const r = await c.query<RowCtx>(
      `UPDATE stage_rows SET state = $1, attempts = attempts + $2, error = $3, claimed_by = NULL,
         lease_until = NULL, updated_at = $4
       WHERE id = $5 AND state = 'claimed' AND claimed_by = $6 ${ROW_RETURNING}`,
      [state, attemptInc, this.#seal(error, "stage_rows", rowId), now, rowId, owner],
    );
    return r.rows[0];
  }

  async #failed(c: Client, fx: TxnEffects, rowId: number, row: RowCtx, kind: EventKind, error: string) {
    await this.#setMessageError(c, error, fx.now, row.message_id);
    const detail = row.stage === "routed" ? `${row.handler}: ${error}` : error;
    await this.#event(c, fx, row.message_id, rowId, kind, row.stage, row.conn, detail);
  }

  completeRouting(owner: string, results: RoutingResult[]): Promise<number> {
    return this.#tx(async (c, fx) => {
      await this.#lockMessagesOfRows(
        c,
        results.map((r) => r.rowId),
      );
      let applied = 0;
      for (const res of results) {
        const failed = "error" in res;
        const row = await this.#closeHeld(
          c,
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
          await this.#failed(c, fx, res.rowId, row, "route-error", res.error);
          await this.#finalize(c, fx, row.message_id);
          continue;
        }
        const handlers = [...new Set(res.handlers)];
        for (const h of handlers) {
          await this.#insertRow(c, fx, {
            messageId: row.message_id,
            run: row.run,
            stage: "routed",
            conn: row.conn,
            handler: h,
            parentId: res.rowId,
          });
        }
        await this.#event(
          c,
          fx,
          row.message_id,
          res.rowId,
          "routed",
          "ingress",
          row.conn,
          handlers.join(","),
        );
        if (handlers.length > 0) fx.wake("routed", row.conn);
        await this.#setDisposition(
          c,
          fx,
          row.message_id,
          row.conn,
          handlers.length > 0 ? "ROUTED" : "UNROUTED",
        );
      }
      return applied;
    });
  }

  completeTransform(owner: string, results: TransformResult[]): Promise<number> {
    return this.#tx(async (c, fx) => {
      await this.#lockMessagesOfRows(
        c,
        results.map((r) => r.rowId),
      );
      let applied = 0;
      for (const res of results) {
        const failed = "error" in res;
        const row = await this.#closeHeld(
          c,
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
          await this.#failed(c, fx, res.rowId, row, "transform-error", res.error);
        } else {
          for (const send of res.sends) {
            await this.#insertRow(c, fx, {
              messageId: row.message_id,
              run: row.run,
              stage: "outbound",
              conn: send.outbound,
              handler: row.handler,
              parentId: res.rowId,
              payload: send.payload,
            });
            fx.wake("outbound", send.outbound);
          }
          const sent = res.sends.length === 0 ? "filtered" : res.sends.map((x) => x.outbound).join(",");
          await this.#event(
            c,
            fx,
            row.message_id,
            res.rowId,
            "transformed",
            "routed",
            row.conn,
            `${row.handler}: ${sent}`,
          );
        }
        await this.#finalize(c, fx, row.message_id);
      }
      return applied;
    });
  }

  completeDelivery(owner: string, results: DeliveryResult[]): Promise<number> {
    return this.#tx(async (c, fx) => {
      await this.#lockMessagesOfRows(
        c,
        results.map((r) => r.rowId),
      );
      let applied = 0;
      for (const res of results) {
        let row: RowCtx | undefined;
        if (res.status === "retry") {
          const r = await c.query<RowCtx>(
            `UPDATE stage_rows SET state = 'pending', attempts = attempts + 1, next_attempt_at = $1, error = $2,
               claimed_by = NULL, lease_until = NULL, updated_at = $3
             WHERE id = $4 AND state = 'claimed' AND claimed_by = $5 ${ROW_RETURNING}`,
            [res.nextAttemptAt, this.#seal(res.error, "stage_rows", res.rowId), fx.now, res.rowId, owner],
          );
          row = r.rows[0];
        } else {
          const dead = res.status === "dead";
          row = await this.#closeHeld(
            c,
            res.rowId,
            owner,
            dead ? "dead" : "done",
            1,
            dead ? res.error : null,
            fx.now,
          );
        }
        if (!row) continue;
        applied++;
        const attempt = row.attempts;
        if (res.status === "ok") {
          await this.#event(
            c,
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
          await this.#finalize(c, fx, row.message_id);
        } else if (res.status === "retry") {
          const detail = `attempt ${attempt}: ${res.error}`;
          await this.#event(
            c,
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
          await this.#setMessageError(c, res.error, fx.now, row.message_id);
          const detail = `attempt ${attempt}: ${res.error}`;
          await this.#event(
            c,
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
          await this.#finalize(c, fx, row.message_id);
        }
      }
      return applied;
    });
  }

  // ---- the finalizer ----------------------------------------------------------------------------

  async #finalize(c: Client, fx: TxnEffects, messageId: number): Promise<void> {
    // Normally already held (taken first by the caller); re-taking a held lock is free.
    await this.#lockMessages(c, [messageId]);
    const r = await c.query<RowTally & { disposition: Disposition; inbound: string }>(
      `SELECT m.disposition, m.inbound, r.stage, r.state, count(r.id) AS n
       FROM messages m LEFT JOIN stage_rows r ON r.message_id = m.id AND r.run = m.run
       WHERE m.id = $1 GROUP BY m.disposition, m.inbound, r.stage, r.state`,
      [messageId],
    );
    const m = r.rows[0];
    if (!m) return;
    const next = decideDisposition(r.rows);
    if (next !== m.disposition) await this.#setDisposition(c, fx, messageId, m.inbound, next);
  }

  async #setDisposition(c: Client, fx: TxnEffects, messageId: number, inbound: string, next: Disposition) {
    await c.query("UPDATE messages SET disposition = $1, updated_at = $2 WHERE id = $3", [
      next,
      fx.now,
      messageId,
    ]);
    const counter = FINAL_COUNTER[next];
    if (counter) {
      fx.count(inbound, counter);
      await this.#event(c, fx, messageId, null, "disposition", null, inbound, next);
    }
  }

  // ---- operator actions -------------------------------------------------------------------------

  replayMessage(messageId: number): Promise<boolean> {
    return this.#tx(async (c, fx) => {
      const r = await c.query<{ run: number; inbound: string }>(
        "SELECT run, inbound FROM messages WHERE id = $1 FOR UPDATE",
        [messageId],
      );
      const m = r.rows[0];
      if (!m) return false;
      await c.query(
        `UPDATE stage_rows SET state = 'replaced', claimed_by = NULL, lease_until = NULL, updated_at = $1
         WHERE message_id = $2 AND state IN ('pending', 'claimed', 'dead')`,
        [fx.now, messageId],
      );
      const run = m.run + 1;
      await c.query(
        "UPDATE messages SET run = $1, disposition = 'RECEIVED', error = NULL, updated_at = $2 WHERE id = $3",
        [run, fx.now, messageId],
      );
      const rowId = await this.#insertRow(c, fx, {
        messageId,
        run,
        stage: "ingress",
        conn: m.inbound,
        handler: null,
        parentId: null,
      });
      await this.#event(c, fx, messageId, rowId, "replayed", "ingress", m.inbound, `run ${run}`);
      fx.wake("ingress", m.inbound);
      return true;
    });
  }

  resendOutbound(rowId: number): Promise<number | undefined> {
    return this.#tx(async (c, fx) => {
      await this.#lockMessagesOfRows(c, [rowId]);
      const r = await c.query<{
        message_id: number;
        stage: Stage;
        conn: string;
        handler: string | null;
        state: RowState;
        payload: Buffer | null;
        parent_id: number | null;
        current_run: number;
      }>(
        `SELECT r.message_id, r.stage, r.conn, r.handler, r.state, r.payload, r.parent_id, m.run AS current_run
         FROM stage_rows r JOIN messages m ON m.id = r.message_id WHERE r.id = $1 FOR UPDATE OF r`,
        [rowId],
      );
      const row = r.rows[0];
      if (row?.stage !== "outbound" || row.payload === null) return undefined;
      if (row.state === "pending" || row.state === "claimed") return undefined;
      const id = await this.#insertRow(c, fx, {
        messageId: row.message_id,
        run: row.current_run,
        stage: "outbound",
        conn: row.conn,
        handler: row.handler,
        parentId: row.parent_id,
        payload: this.#codec.decode(row.payload, `stage_rows:${rowId}`),
      });
      await c.query("UPDATE stage_rows SET state = 'replaced', updated_at = $1 WHERE id = $2", [
        fx.now,
        rowId,
      ]);
      await this.#event(c, fx, row.message_id, id, "resent", "outbound", row.conn, `copy of row ${rowId}`);
      await c.query("UPDATE messages SET error = NULL, updated_at = $1 WHERE id = $2", [
        fx.now,
        row.message_id,
      ]);
      await this.#finalize(c, fx, row.message_id);
      fx.wake("outbound", row.conn);
      return id;
    });
  }

  cancelMessage(messageId: number): Promise<number> {
    return this.#tx(async (c, fx) => {
      await this.#lockMessages(c, [messageId]);
      const r = await c.query<{ id: number; stage: Stage; conn: string }>(
        `SELECT r.id, r.stage, r.conn FROM stage_rows r JOIN messages m ON m.id = r.message_id
         WHERE r.message_id = $1 AND r.run = m.run AND r.state IN ('pending', 'claimed') FOR UPDATE OF r`,
        [messageId],
      );
      for (const row of r.rows) await this.#cancel(c, fx, messageId, row);
      if (r.rows.length > 0) await this.#finalize(c, fx, messageId);
      return r.rows.length;
    });
  }

  cancelRow(rowId: number): Promise<boolean> {
    return this.#tx(async (c, fx) => {
      await this.#lockMessagesOfRows(c, [rowId]);
      const r = await c.query<{ message_id: number; stage: Stage; conn: string; state: RowState }>(
        "SELECT message_id, stage, conn, state FROM stage_rows WHERE id = $1 FOR UPDATE",
        [rowId],
      );
      const row = r.rows[0];
      if (!row || (row.state !== "pending" && row.state !== "claimed")) return false;
      await this.#cancel(c, fx, row.message_id, { id: rowId, stage: row.stage, conn: row.conn });
      await this.#finalize(c, fx, row.message_id);
      return true;
    });
  }

  async #cancel(c: Client, fx: TxnEffects, messageId: number, r: { id: number; stage: Stage; conn: string }) {
    await c.query(
      `UPDATE stage_rows SET state = 'cancelled', error = $1, claimed_by = NULL, lease_until = NULL, updated_at = $2
       WHERE id = $3`,
      [this.#seal(CANCELLED, "stage_rows", r.id), fx.now, r.id],
    );
    await this.#setMessageError(c, CANCELLED, fx.now, messageId);
    await this.#event(c, fx, messageId, r.id, "cancelled", r.stage, r.conn, null);
    fx.wake(r.stage, r.conn);
  }

  // ---- reads --------------------------------------------------------------------------------------

  async getMessage(messageId: number): Promise<MessageDetail | undefined> {
    const m = await this.pool.query(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [messageId]);
    const msg = m.rows[0];
    if (!msg) return undefined;
    const rows = await this.pool.query(
      `SELECT ${ROW_COLUMNS} FROM stage_rows WHERE message_id = $1 ORDER BY id`,
      [messageId],
    );
    const events = await this.pool.query(
      `SELECT id, message_id, row_id, at, kind, stage, conn, detail, reply IS NOT NULL AS has_reply
       FROM events WHERE message_id = $1 ORDER BY id`,
      [messageId],
    );
    const history: HistoryEvent[] = events.rows.map((e) => ({
      id: e.id,
      messageId: e.message_id,
      rowId: e.row_id,
      at: e.at,
      kind: e.kind,
      stage: e.stage,
      conn: e.conn,
      detail: this.#open(e.detail, textAad("events", e.id)),
      hasReply: e.has_reply,
    }));
    return {
      ...toSummary(msg, this.#open),
      rows: rows.rows.map((r) => toRowInfo(r, this.#open)),
      history,
    };
  }

  async listMessages(f: MessageFilter = {}): Promise<MessageSummary[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (column: string, op: string, value: string | number | undefined) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} ${op} $${args.length}`);
    };
    add("inbound", "=", f.inbound);
    add("disposition", "=", f.disposition);
    add("message_type", "=", f.messageType);
    add("control_id", "=", f.controlId);
    add("received_at", ">=", f.from);
    add("received_at", "<", f.to);
    add("id", "<", f.beforeId);
    args.push(pageSize(f.limit));
    const r = await this.pool.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    return r.rows.map((m) => toSummary(m, this.#open));
  }

  async getMessageRaw(messageId: number): Promise<Buffer | undefined> {
    const r = await this.pool.query<{ raw: Buffer }>("SELECT raw FROM messages WHERE id = $1", [messageId]);
    const raw = r.rows[0]?.raw;
    return raw && this.#codec.decode(raw, `messages:${messageId}`);
  }

  async getRowPayload(rowId: number): Promise<Buffer | undefined> {
    const r = await this.pool.query<{ message_id: number; payload: Buffer | null }>(
      "SELECT message_id, payload FROM stage_rows WHERE id = $1",
      [rowId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    if (row.payload === null) return this.getMessageRaw(row.message_id);
    return this.#codec.decode(row.payload, `stage_rows:${rowId}`);
  }

  async getRowReply(rowId: number): Promise<Buffer | undefined> {
    const r = await this.pool.query<{ id: number; reply: Buffer }>(
      `SELECT id, reply FROM events WHERE message_id = (SELECT message_id FROM stage_rows WHERE id = $1)
         AND row_id = $1 AND reply IS NOT NULL ORDER BY id DESC LIMIT 1`,
      [rowId],
    );
    const e = r.rows[0];
    return e && this.#codec.decode(e.reply, `events:${e.id}`);
  }

  async getEventReply(eventId: number): Promise<Buffer | undefined> {
    const r = await this.pool.query<{ reply: Buffer | null }>("SELECT reply FROM events WHERE id = $1", [
      eventId,
    ]);
    const reply = r.rows[0]?.reply;
    return reply ? this.#codec.decode(reply, `events:${eventId}`) : undefined;
  }

  async listDeadLetters(f: DeadLetterFilter = {}): Promise<StageRowInfo[]> {
    // Only the current run's: an earlier run's dead letters were superseded by a replay.
    const where = ["state = 'dead'", "run = (SELECT m.run FROM messages m WHERE m.id = message_id)"];
    const args: (string | number)[] = [];
    for (const [column, op, value] of [
      ["conn", "=", f.conn],
      ["stage", "=", f.stage],
      ["id", "<", f.beforeId],
    ] as const) {
      if (value === undefined) continue;
      args.push(value);
      where.push(`${column} ${op} $${args.length}`);
    }
    args.push(pageSize(f.limit));
    const r = await this.pool.query(
      `SELECT ${ROW_COLUMNS} FROM stage_rows WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    return r.rows.map((row) => toRowInfo(row, this.#open));
  }

  async stats(): Promise<StoreStats> {
    const counters = await this.pool.query(
      `SELECT conn, received, processed, errored, filtered, unrouted, delivered, failed, last_activity
       FROM conn_stats ORDER BY conn`,
    );
    const connections: ConnectionCounters[] = counters.rows.map(({ last_activity, ...c }) => ({
      ...c,
      lastActivity: last_activity,
    }));
    const d = await this.pool.query<{ stage: Stage; conn: string; state: RowState; n: number }>(
      `SELECT stage, conn, state, count(*) AS n FROM stage_rows
       WHERE state IN ('pending', 'claimed') GROUP BY stage, conn, state`,
    );
    const depth = new Map<string, QueueDepth>();
    for (const r of d.rows) {
      const key = `${r.stage}\u0000${r.conn}`;
      let q = depth.get(key);
      if (!q) {
        q = { stage: r.stage, conn: r.conn, pending: 0, claimed: 0 };
        depth.set(key, q);
      }
      if (r.state === "claimed") q.claimed += r.n;
      else q.pending += r.n;
    }
    return { connections, depth: [...depth.values()] };
  }

  // ---- connector cursors -------------------------------------------------------------------------

  async getCursor(conn: string): Promise<string | undefined> {
    const r = await this.pool.query<{ value: string }>(
      "SELECT value FROM connector_cursors WHERE conn = $1",
      [conn],
    );
    return r.rows[0]?.value;
  }

  async setCursor(conn: string, value: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO connector_cursors (conn, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (conn) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [conn, value, Date.now()],
    );
  }

  // ---- retention and key rotation ----------------------------------------------------------------

  purgeBatch(opts: PurgeOptions): Promise<number> {
    return this.#tx(async (c) => {
      const r = await c.query<{ id: number }>(
        `SELECT id FROM messages WHERE received_at < $1
           AND disposition IN ('UNROUTED', 'FILTERED', 'PROCESSED', 'ERROR')
         ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [opts.before, opts.batchSize ?? 200],
      );
      const ids = r.rows.map((x) => x.id);
      if (ids.length > 0) {
        await c.query("DELETE FROM events WHERE message_id = ANY($1::bigint[])", [ids]);
        await c.query("DELETE FROM stage_rows WHERE message_id = ANY($1::bigint[])", [ids]);
        await c.query("DELETE FROM messages WHERE id = ANY($1::bigint[])", [ids]);
      }
      return ids.length;
    });
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
    return this.#tx(async (c) => {
      const r = await c.query<{ id: number; body: Buffer | string }>(
        `SELECT id, ${column} AS body FROM ${table} WHERE id > $1 AND ${column} IS NOT NULL
         ORDER BY id LIMIT $2 FOR UPDATE`,
        [Number(after), limit],
      );
      for (const row of r.rows) {
        const next =
          typeof row.body === "string"
            ? recodeText(row.body, textAad(table, row.id), recode)
            : recode(row.body, `${table}:${row.id}`);
        if (next) await c.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [next, row.id]);
      }
      const last = r.rows[r.rows.length - 1];
      if (last && r.rows.length === limit) return `${phase.name}:${last.id}`;
      const nextPhase = RECODE_PHASES[t + 1];
      return nextPhase ? `${nextPhase.name}:0` : undefined;
    });
  }

  onWake(stage: Stage, conn: string, listener: WakeListener): () => void {
    return this.#notifier.on(stage, conn, listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ingress.close();
    await this.pool.end();
  }
}

function pageSize(limit: number | undefined): number {
  return Math.max(1, Math.min(1000, Math.floor(limit ?? 100)));
}

// biome-ignore lint/suspicious/noExplicitAny: a pg result row, typed by the column list above
function toSummary(m: any, open: (stored: string | null, aad: string) => string | null): MessageSummary {
  return {
    id: m.id,
    inbound: m.inbound,
    receivedAt: m.received_at,
    controlId: m.control_id,
    messageType: m.message_type,
    contentType: m.content_type,
    disposition: m.disposition,
    error: open(m.error, textAad("messages", m.id)),
    run: m.run,
    updatedAt: m.updated_at,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a pg result row, typed by the column list above
function toRowInfo(r: any, open: (stored: string | null, aad: string) => string | null): StageRowInfo {
  return {
    id: r.id,
    messageId: r.message_id,
    run: r.run,
    stage: r.stage,
    conn: r.conn,
    handler: r.handler,
    parentId: r.parent_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    claimedBy: r.claimed_by,
    leaseUntil: r.lease_until,
    error: open(r.error, textAad("stage_rows", r.id)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Opens (creating the schema and migrating when needed) the PostgreSQL store. */
export function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  return PgStore.open(opts);
}
