/**
 * The embedded dialect on better-sqlite3 (WAL): the queue core's statements as SQLite SQL, driven
 * synchronously — a script runs inside one `BEGIN IMMEDIATE` with no await between statements, so
 * SQLite keeps its speed. better-sqlite3 is synchronous, so every transaction is short: claims take
 * bounded batches, the group commit caps its batch size.
 *
 * Durability: the ingress group commit runs with synchronous=FULL (its fsync is what the ACK waits
 * for); worker handoffs run with synchronous=NORMAL — in WAL mode a power loss can only roll those back
 * to an earlier, consistent state that still holds every ACKed ingress row, and they simply re-run.
 *
 * Ids come from the `id_seq` table, read once per transaction under the write lock and saved before
 * commit. Locking: the in-process WriteLock around SQLite's own; the message and lane locks a
 * networked database needs are no-ops here (one writer at a time).
 */
import Database from "better-sqlite3";
import type { BodyCodec } from "./crypto.js";
import { preparePrivateDb } from "./private-files.js";
import { QueueCore } from "./queue-core.js";
import { deadLettersQuery, MESSAGE_COLUMNS, messagesQuery, ROW_COLUMNS } from "./sql-filters.js";
import { migrate } from "./sqlite-schema.js";
import type {
  Args,
  ClosedRow,
  CounterRecord,
  Driver,
  Durability,
  EventRecord,
  IdTable,
  MessageRecord,
  OpenRow,
  Request,
  RowRecord,
  Script,
  SyncStatements,
  TallyRecord,
} from "./statements.js";
import type { WriteLock } from "./write-lock.js";

export interface SqliteStoreOptions {
  /** Database file. The auth tables may live in the same file (see `SqliteStore.db`). */
  path: string;
  /** Encrypts bodies at rest; the pass-through codec only when the engine was started insecure. */
  codec: BodyCodec;
  /** Arrivals per group-commit transaction (default 1000). */
  maxGroupSize?: number;
  /** How long an arrival into an idle engine waits for others to share its commit (default 2 ms). */
  commitWindowMs?: number;
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

/** Runs a script to its end, answering each statement at once. */
function drive<T>(script: Script<T>, exec: (req: Request) => unknown): T {
  let step = script.next();
  while (!step.done) step = script.next(exec(step.value));
  return step.value;
}

class SqliteDriver implements Driver {
  /** Synchronous: a batch commits before the next one forms. */
  readonly concurrentBatches = 1;
  /**
   * An arrival into an idle engine that had concurrent arrivals just before waits 2 ms for company:
   * at 2,000 msg/s from 16 connections that cut the engine's CPU per message by 30 %, for +1.3 ms of
   * median ACK latency (docs/PERFORMANCE.md, sixth round).
   */
  readonly commitWindowMs = 2;
  readonly #db: Database.Database;
  readonly #lock: WriteLock | undefined;
  readonly #s: ReturnType<typeof prepare>;
  readonly #statements: SyncStatements;
  /** Next free id per table in the running transaction (saved to id_seq before it commits). */
  readonly #ids = new Map<IdTable, number>();

  constructor(db: Database.Database, lock: WriteLock | undefined) {
    this.#db = db;
    this.#lock = lock;
    this.#s = prepare(db);
    this.#statements = statements(db, this.#s, (table, n) => this.#nextIds(table, n));
    this.#immediate = db.transaction((script: Script<unknown>, after: Script<void>): unknown => {
      const result = drive(script, this.#exec);
      drive(after, this.#exec);
      for (const [table, next] of this.#ids) this.#s.saveSeq.run(table, next - 1);
      return result;
    }).immediate;
  }

  readonly #exec = (req: Request): unknown =>
    (this.#statements[req.op] as (args: unknown) => unknown)(req.args);

  /**
   * BEGIN IMMEDIATE: every transaction here writes, and a deferred one that reads first (ids, claims)
   * cannot be upgraded once another connection (a delivery thread, the CLI) has committed — SQLite
   * answers SQLITE_BUSY at once instead of waiting out busy_timeout. Made once: better-sqlite3 builds
   * several wrapper functions per `db.transaction(…)` call.
   */
  readonly #immediate: (script: Script<unknown>, after: Script<void>) => unknown;

  transaction<T>(script: () => Script<T>, durability: Durability, after: () => Script<void>): T {
    const durable = durability === "durable";
    if (durable) this.#s.syncFull.run();
    this.#lock?.acquire();
    try {
      return this.#immediate(script(), after()) as T;
    } finally {
      this.#ids.clear();
      this.#lock?.release();
      if (durable) this.#s.syncNormal.run();
    }
  }

  read<T>(script: () => Script<T>): T {
    return drive(script(), this.#exec);
  }

  close(): void {
    this.#db.close();
  }

  #nextIds(table: IdTable, n: number): number[] {
    let next = this.#ids.get(table);
    if (next === undefined) {
      // max() as well: rows written by an engine from before the sequence existed.
      const seq = (this.#s.readSeq.get(table) as number | undefined) ?? 0;
      const max = (this.#s.maxId[table].get() as number | null) ?? 0;
      next = Math.max(seq, max) + 1;
    }
    this.#ids.set(table, next + n);
    const ids = new Array<number>(n);
    for (let i = 0; i < n; i++) ids[i] = next + i;
    return ids;
  }
}

/** The store on SQLite: the queue core over this dialect. */
export class SqliteStore extends QueueCore {
  /** The shared better-sqlite3 handle (the auth service keeps its own tables in the same file). */
  readonly db: Database.Database;
  readonly path: string;

  constructor(opts: SqliteStoreOptions) {
    // Owner-only before SQLite creates anything (an in-memory database has no file).
    if (opts.path !== ":memory:") preparePrivateDb(opts.path);
    const db = new Database(opts.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma("cache_size = -32000");
    db.pragma("temp_store = MEMORY");
    if (opts.autoCheckpoint === false) db.pragma("wal_autocheckpoint = 0");
    migrate(db);
    super(new SqliteDriver(db, opts.writeLock), opts);
    this.db = db;
    this.path = opts.path;
  }
}

/** Opens (creating and migrating when needed) the SQLite store. */
export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}

/** The statements' SQL text, bound to the prepared statements. */
function statements(
  db: Database.Database,
  s: ReturnType<typeof prepare>,
  nextIds: (table: IdTable, n: number) => number[],
): SyncStatements {
  const none = (): undefined => undefined;
  const recode = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let stmt = recode.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      recode.set(sql, stmt);
    }
    return stmt;
  };
  const closeHeld = ({ owner, now, rows }: Args<"closeHeld">): ClosedRow[] => {
    const closed: ClosedRow[] = [];
    for (const r of rows) {
      const row = s.closeHeld.get(r.state, r.attemptInc, r.nextAttemptAt, r.error, now, r.id, owner) as
        | ClosedTuple
        | undefined;
      if (row) closed.push(closedRow(row));
    }
    return closed;
  };
  // The open rows' statement per LIMIT, written as a literal: with `LIMIT ?` SQLite re-prepared the
  // statement at every bind (its planner reads the bound value; in isolation 7.7 µs a call against 1.9).
  // The workers claim in a few fixed batch sizes; past OPEN_ROWS_STATEMENTS sizes one is made per call.
  const openRowsStatements = new Map<string, Database.Statement>();
  const openRows = (except: boolean, limit: number): Database.Statement => {
    const n = Math.max(0, Math.floor(limit));
    const key = `${except ? "x" : ""}${n}`;
    let statement = openRowsStatements.get(key);
    if (!statement) {
      const exceptHandlers = except
        ? " AND (r.handler IS NULL OR r.handler NOT IN (SELECT value FROM json_each(?)))"
        : "";
      statement = db.prepare(`${OPEN_ROWS}${exceptHandlers} ORDER BY r.id LIMIT ${n}`).raw();
      if (openRowsStatements.size < OPEN_ROWS_STATEMENTS) openRowsStatements.set(key, statement);
    }
    return statement;
  };
  const tallies = (messageIds: readonly number[]): TallyRecord[] => {
    const all: TallyRecord[] = [];
    for (const id of messageIds) for (const t of s.tallies.all(id) as TallyTuple[]) all.push(tallyRecord(t));
    return all;
  };
  return {
    nextIds: ({ table, n }) => nextIds(table, n),
    insertMessage: (m) => {
      s.insertMessage.run(
        m.id,
        m.inbound,
        m.receivedAt,
        m.controlId,
        m.messageType,
        m.contentType,
        m.raw,
        m.disposition,
        m.error,
        m.sender,
        m.now,
      );
    },
    insertRow: (r) => {
      s.insertRow.run(
        r.id,
        r.messageId,
        r.run,
        r.stage,
        r.conn,
        r.handler,
        r.parentId,
        r.payload,
        r.state,
        r.claimedBy,
        r.leaseUntil,
        r.error,
        r.now,
        r.now,
      );
    },
    insertEvent: (e) => {
      s.insertEvent.run(e.id, e.messageId, e.rowId, e.at, e.kind, e.stage, e.conn, e.detail, e.reply);
    },
    insertIdentifiers: ({ messageId, tokens }) => {
      for (const token of tokens) s.insertIdentifier.run(messageId, token);
    },
    bumpCounters: ({ conn, deltas, now }) => {
      s.bumpCounters.run(conn, ...deltas, now);
    },
    // One writer at a time (the write lock): these locks of a networked database are not needed.
    lockLane: none,
    lockDuplicates: none,
    // One node: SQLite cannot cluster ([cluster] refuses it), so it always holds the lease.
    holdsLease: () => true,
    findOriginal: ({ inbound, controlId, sender, since }) =>
      s.findOriginal.get(inbound, controlId, sender, since) as number | undefined,
    lockMessages: none,
    lockMessagesOfRows: none,
    selectOpen: ({ stage, conn, exclude, limit, lazy }) => {
      const except = exclude.length > 0;
      const statement = openRows(except, limit);
      const args = except ? [stage, conn, JSON.stringify(exclude)] : [stage, conn];
      // Read-only: iterate, so SQLite stops where the caller stops (writes need .all()).
      if (lazy) return openRowsOf(statement.iterate(...args) as Iterable<OpenTuple>);
      return (statement.all(...args) as OpenTuple[]).map(openRow);
    },
    claimRows: ({ ids, owner, leaseUntil, now }) => {
      for (const id of ids) s.claimRow.run(owner, leaseUntil, now, id);
    },
    releaseRows: ({ ids, owner, now }) => {
      let n = 0;
      for (const id of ids) n += s.releaseRow.run(now, id, owner).changes;
      return n;
    },
    releaseLane: ({ conn, owner, now }) => s.releaseLane.run(now, conn, owner).changes,
    laneHead: ({ conn }) => s.laneHead.get(conn) as ReturnType<SyncStatements["laneHead"]>,
    recoverLeases: ({ all, now }) => s.recoverLeases.run(now, all ? 1 : 0, now).changes,
    closeHeld,
    closeRow: ({ id, state, error, now }) => {
      s.closeRow.run(state, error, now, id);
    },
    tallies: ({ messageIds }) => tallies(messageIds),
    closeHeldTallied: (args) => {
      const closed = closeHeld(args);
      return { closed, tallies: tallies([...new Set(closed.map((r) => r.message_id))]) };
    },
    setDisposition: ({ id, disposition, now }) => {
      s.setDisposition.run(disposition, now, id);
    },
    setMessageError: ({ id, error, now }) => {
      s.setMessageError.run(error, now, id);
    },
    messageForReplay: ({ id }) => s.messageState.get(id) as ReturnType<SyncStatements["messageForReplay"]>,
    replaceOpenRows: ({ messageId, now }) => {
      s.replaceOpenRows.run(now, messageId);
    },
    startRun: ({ id, run, disposition, now }) => {
      s.startRun.run(run, disposition, now, id);
    },
    rowForResend: ({ rowId }) => s.rowForResend.get(rowId) as ReturnType<SyncStatements["rowForResend"]>,
    markReplaced: ({ id, now }) => {
      s.markReplaced.run(now, id);
    },
    openRowsOfMessage: ({ messageId }) =>
      s.openRowsOfMessage.all(messageId) as ReturnType<SyncStatements["openRowsOfMessage"]>,
    rowState: ({ rowId }) => s.rowState.get(rowId) as ReturnType<SyncStatements["rowState"]>,
    purgeable: ({ before, limit, dispositions }) =>
      s.purgeable.all(before, JSON.stringify(dispositions), limit) as number[],
    deleteMessages: ({ ids }) => {
      for (const id of ids) {
        s.deleteIdentifiers.run(id);
        s.deleteEvents.run(id);
        s.deleteRows.run(id);
        s.deleteMessage.run(id);
      }
    },
    recodeSelect: ({ table, column, after, limit }) =>
      prepared(
        `SELECT id, ${column} AS body FROM ${table} WHERE id > ? AND ${column} IS NOT NULL ORDER BY id LIMIT ?`,
      ).all(after, limit) as { id: number; body: Buffer | string }[],
    recodeUpdate: ({ table, column, id, value }) => {
      prepared(`UPDATE ${table} SET ${column} = ? WHERE id = ?`).run(value, id);
    },
    getCursor: ({ conn }) => s.getCursor.get(conn) as string | undefined,
    setCursor: ({ conn, value, now }) => {
      s.setCursor.run(conn, value, now);
    },
    message: ({ id }) => s.message.get(id) as MessageRecord | undefined,
    rowsOfMessage: ({ messageId }) => s.rowsOfMessage.all(messageId) as RowRecord[],
    eventsOfMessage: ({ messageId }) => s.eventsOfMessage.all(messageId) as EventRecord[],
    listMessages: (q) => {
      const { sql, args } = messagesQuery(q, () => "?");
      return prepared(sql).all(...args) as MessageRecord[];
    },
    deadLetters: (q) => {
      const { sql, args } = deadLettersQuery(q, () => "?");
      return prepared(sql).all(...args) as RowRecord[];
    },
    messageRaw: ({ id }) => s.messageRaw.get(id) as Buffer | undefined,
    rowPayload: ({ rowId }) => s.rowPayload.get(rowId) as ReturnType<SyncStatements["rowPayload"]>,
    lastReply: ({ rowId }) => s.lastReply.get(rowId, rowId) as ReturnType<SyncStatements["lastReply"]>,
    eventReply: ({ id }) => s.eventReply.get(id) as Buffer | null | undefined,
    depth: () => s.depth.all() as ReturnType<SyncStatements["depth"]>,
    counters: () => s.counters.all() as CounterRecord[],
  };
}

/** The open rows of a stage's connection, with their bodies (ORDER BY and LIMIT follow). */
const OPEN_ROWS = `SELECT r.id, r.message_id, r.state, r.claimed_by, r.lease_until, r.next_attempt_at, r.handler,
    r.attempts, r.payload IS NULL AS from_raw, coalesce(r.payload, m.raw) AS body, m.inbound, m.content_type,
    m.control_id, m.message_type, m.received_at
  FROM stage_rows r JOIN messages m ON m.id = r.message_id
  WHERE r.stage = ? AND r.conn = ? AND r.state IN ('pending', 'claimed')`;

/** Distinct claim sizes whose statement is kept (workers use one or two each). */
const OPEN_ROWS_STATEMENTS = 16;

type OpenTuple = [
  OpenRow["id"],
  OpenRow["message_id"],
  OpenRow["state"],
  OpenRow["claimed_by"],
  OpenRow["lease_until"],
  OpenRow["next_attempt_at"],
  OpenRow["handler"],
  OpenRow["attempts"],
  OpenRow["from_raw"],
  OpenRow["body"],
  OpenRow["inbound"],
  OpenRow["content_type"],
  OpenRow["control_id"],
  OpenRow["message_type"],
  OpenRow["received_at"],
];
const openRow = (t: OpenTuple): OpenRow => ({
  id: t[0],
  message_id: t[1],
  state: t[2],
  claimed_by: t[3],
  lease_until: t[4],
  next_attempt_at: t[5],
  handler: t[6],
  attempts: t[7],
  from_raw: t[8],
  body: t[9],
  inbound: t[10],
  content_type: t[11],
  control_id: t[12],
  message_type: t[13],
  received_at: t[14],
});
function* openRowsOf(tuples: Iterable<OpenTuple>): Iterable<OpenRow> {
  for (const t of tuples) yield openRow(t);
}

type ClosedTuple = [
  ClosedRow["id"],
  ClosedRow["message_id"],
  ClosedRow["run"],
  ClosedRow["stage"],
  ClosedRow["conn"],
  ClosedRow["handler"],
  ClosedRow["attempts"],
];
const closedRow = (t: ClosedTuple): ClosedRow => ({
  id: t[0],
  message_id: t[1],
  run: t[2],
  stage: t[3],
  conn: t[4],
  handler: t[5],
  attempts: t[6],
});

type TallyTuple = [
  TallyRecord["message_id"],
  TallyRecord["disposition"],
  TallyRecord["inbound"],
  TallyRecord["stage"],
  TallyRecord["state"],
  TallyRecord["n"],
];
const tallyRecord = (t: TallyTuple): TallyRecord => ({
  message_id: t[0],
  disposition: t[1],
  inbound: t[2],
  stage: t[3],
  state: t[4],
  n: t[5],
});

function prepare(db: Database.Database) {
  const maxId = (table: string) => db.prepare(`SELECT max(id) FROM ${table}`).pluck();
  return {
    maxId: { messages: maxId("messages"), stage_rows: maxId("stage_rows"), events: maxId("events") },
    // Prepared once: `db.pragma(…)` prepares its statement on every call (one per intake batch).
    syncFull: db.prepare("PRAGMA synchronous = FULL"),
    syncNormal: db.prepare("PRAGMA synchronous = NORMAL"),
    readSeq: db.prepare("SELECT last FROM id_seq WHERE name = ?").pluck(),
    saveSeq: db.prepare(
      `INSERT INTO id_seq (name, last) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET last = max(last, excluded.last)`,
    ),
    getCursor: db.prepare("SELECT value FROM connector_cursors WHERE conn = ?").pluck(),
    setCursor: db.prepare(
      `INSERT INTO connector_cursors (conn, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (conn) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ),
    insertMessage: db.prepare(
      `INSERT INTO messages (id, inbound, received_at, control_id, message_type, content_type, raw,
         disposition, error, sender, run, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
    ),
    insertRow: db.prepare(
      `INSERT INTO stage_rows (id, message_id, run, stage, conn, handler, parent_id, payload, state,
         claimed_by, lease_until, error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (id, message_id, row_id, at, kind, stage, conn, detail, reply)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    findOriginal: db
      .prepare(
        `SELECT m.id FROM messages m WHERE m.inbound = ? AND m.control_id = ? AND m.sender = ? AND m.received_at >= ?
           AND m.disposition <> 'DUPLICATE' AND EXISTS (SELECT 1 FROM stage_rows r WHERE r.message_id = m.id)
         ORDER BY m.id LIMIT 1`,
      )
      .pluck(),
    insertIdentifier: db.prepare("INSERT INTO message_identifiers (message_id, token) VALUES (?, ?)"),
    deleteIdentifiers: db.prepare("DELETE FROM message_identifiers WHERE message_id = ?"),
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
    rowState: db.prepare(`SELECT message_id, stage, conn, state FROM stage_rows WHERE id = ?`),
    // The hot reads come back as arrays (`.raw()`; also `openRows`): better-sqlite3 builds a keyed row
    // object through V8's API one property at a time, several times the cost of an object literal.
    closeHeld: db
      .prepare(
        `UPDATE stage_rows SET state = ?, attempts = attempts + ?, next_attempt_at = coalesce(?, next_attempt_at),
         error = ?, claimed_by = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND state = 'claimed' AND claimed_by = ?
       RETURNING id, message_id, run, stage, conn, handler, attempts`,
      )
      .raw(),
    closeRow: db.prepare(
      `UPDATE stage_rows SET state = ?, error = ?, claimed_by = NULL, lease_until = NULL, updated_at = ?
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
    messageState: db.prepare(`SELECT run, inbound FROM messages WHERE id = ?`),
    tallies: db
      .prepare(
        `SELECT m.id AS message_id, m.disposition, m.inbound, r.stage, r.state, count(r.id) AS n
         FROM messages m LEFT JOIN stage_rows r ON r.message_id = m.id AND r.run = m.run
         WHERE m.id = ? GROUP BY r.stage, r.state`,
      )
      .raw(),
    setDisposition: db.prepare(`UPDATE messages SET disposition = ?, updated_at = ? WHERE id = ?`),
    setMessageError: db.prepare(`UPDATE messages SET error = ?, updated_at = ? WHERE id = ?`),
    startRun: db.prepare(
      `UPDATE messages SET run = ?, disposition = ?, error = NULL, updated_at = ? WHERE id = ?`,
    ),
    message: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`),
    rowsOfMessage: db.prepare(`SELECT ${ROW_COLUMNS} FROM stage_rows WHERE message_id = ? ORDER BY id`),
    eventsOfMessage: db.prepare(
      `SELECT id, message_id, row_id, at, kind, stage, conn, detail, reply IS NOT NULL AS has_reply
       FROM events WHERE message_id = ? ORDER BY id`,
    ),
    messageRaw: db.prepare(`SELECT raw FROM messages WHERE id = ?`).pluck(),
    rowPayload: db.prepare(`SELECT message_id, payload FROM stage_rows WHERE id = ?`),
    lastReply: db.prepare(
      `SELECT id, reply FROM events WHERE message_id = (SELECT message_id FROM stage_rows WHERE id = ?)
         AND row_id = ? AND reply IS NOT NULL ORDER BY id DESC LIMIT 1`,
    ),
    eventReply: db.prepare(`SELECT reply FROM events WHERE id = ?`).pluck(),
    depth: db.prepare(
      `SELECT stage, conn, state, count(*) AS n, min(created_at) AS oldest FROM stage_rows
       WHERE state IN ('pending', 'claimed') GROUP BY stage, conn, state`,
    ),
    counters: db.prepare(
      `SELECT conn, received, processed, errored, filtered, unrouted, delivered, failed, duplicates, last_activity
       FROM conn_stats ORDER BY conn`,
    ),
    bumpCounters: db.prepare(
      `INSERT INTO conn_stats (conn, received, processed, errored, filtered, unrouted, delivered, failed,
         duplicates, last_activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (conn) DO UPDATE SET received = received + excluded.received,
         processed = processed + excluded.processed, errored = errored + excluded.errored,
         filtered = filtered + excluded.filtered, unrouted = unrouted + excluded.unrouted,
         delivered = delivered + excluded.delivered, failed = failed + excluded.failed,
         duplicates = duplicates + excluded.duplicates,
         last_activity = max(last_activity, excluded.last_activity)`,
    ),
    purgeable: db
      .prepare(
        `SELECT id FROM messages INDEXED BY messages_received WHERE received_at < ?
           AND disposition IN (SELECT value FROM json_each(?)) ORDER BY received_at LIMIT ?`,
      )
      .pluck(),
    deleteEvents: db.prepare(`DELETE FROM events WHERE message_id = ?`),
    deleteRows: db.prepare(`DELETE FROM stage_rows WHERE message_id = ?`),
    deleteMessage: db.prepare(`DELETE FROM messages WHERE id = ?`),
  };
}
