/**
 * The PostgreSQL dialect: the queue core's statements as PostgreSQL SQL, driven asynchronously on one
 * pooled client per transaction. Locking: ingress/routed claims `FOR UPDATE … SKIP LOCKED`, outbound
 * lanes a per-lane advisory lock (the FIFO head rule holds across engines), and every transaction that
 * changes a message's rows locks the messages first, in id order (under READ COMMITTED two concurrent
 * completions would otherwise both tally before the other committed and leave a message ROUTED).
 *
 * Few round trips per batch: statements whose result the script does not need (inserts, counter bumps,
 * claims, disposition and error updates) are deferred and sent as ONE multi-row statement per kind
 * (`… FROM unnest($1::bigint[], …)`), sent together with the next statement that needs a result, or
 * with COMMIT, in the same round trip (see PgDriver). The intake batch needs no result at all: one
 * round trip. Ids are reserved in blocks from the sequence OWNED BY each id column, so assigning one
 * costs no round trip.
 *
 * Durability: the intake batch commits with synchronous_commit on (the WAL is flushed before the
 * ACK); worker transactions with it off — like SQLite's synchronous=NORMAL, a server crash can only
 * lose the last completions, which re-run (at-least-once), never an ACKed arrival.
 */
import pg from "pg";
import type { BodyCodec } from "./crypto.js";
import type { LeaderFence } from "./fence.js";
import { checkOut, type PgConnectionOptions, pgPoolConfig, pgSchema } from "./pg-connection.js";
import { migratePg } from "./pg-schema.js";
import { QueueCore } from "./queue-core.js";
import { deadLettersQuery, MESSAGE_COLUMNS, messagesQuery, ROW_COLUMNS } from "./sql-filters.js";
import type {
  Args,
  ClosedRow,
  Driver,
  Durability,
  IdTable,
  Request,
  Result,
  Script,
  StatementName,
  TallyRecord,
} from "./statements.js";
import type { RoutingResult, TransformResult } from "./types.js";

export interface PgStoreOptions extends PgConnectionOptions {
  codec: BodyCodec;
  /** Clustered: the leader token every write checks (fence.ts). */
  fence?: LeaderFence;
  maxGroupSize?: number;
  /** How long an arrival into an idle engine waits for others to share its commit (default 0). */
  commitWindowMs?: number;
  /**
   * Told about a connection that failed while idle in the pool (the database restarted, a network
   * blip). The pool drops that connection and opens a new one on demand; without a listener the error
   * would crash the process. Default: ignored.
   */
  onPoolError?: (error: Error) => void;
}

/** BIGINT and count(*) come back as strings by default; every id and time here fits a double. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20) return (v: string) => Number(v);
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded getTypeParser signature
    return (pg.types.getTypeParser as any)(oid, format);
  },
};

type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
/** A statement with `$n` placeholders and its values. */
interface Stmt {
  text: string;
  values?: readonly unknown[] | undefined;
}
/** Several statements in one round trip (in a transaction), an answer each. */
type QueryAll = (stmts: Stmt[]) => Promise<pg.QueryResult[]>;
type Immediate = {
  [K in StatementName]?: (q: Query, args: Args<K>, all: QueryAll) => Promise<Result<K>>;
};

/** A deferrable statement: its multi-row form and (updates) the row key — the last update of a row wins. */
interface Deferred<K extends StatementName> {
  update?: (args: Args<K>) => number;
  sql: (items: Args<K>[], form: Form) => { text: string; values: unknown[] };
}
type DeferredSet = { [K in StatementName]?: Deferred<K> };

/**
 * How a multi-row statement carries its rows: `arrays`, one array per column (`unnest($1::bigint[], …)`:
 * compact as inlined text), or `rows`, one placeholder per value (`VALUES ($1::bigint, …), (…)`: bodies
 * travel as binary parameters, not hex).
 */
type Form = "arrays" | "rows";

/** The row source `… AS v(a, b, …)` of `items` in `form`, and its values. */
function rowsOf<T>(
  items: T[],
  columns: [name: string, type: string, pick: (item: T) => unknown][],
  form: Form,
) {
  const names = columns.map(([name]) => name).join(", ");
  if (form === "arrays") {
    return {
      from: `unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ")}) AS v(${names})`,
      values: columns.map(([, , pick]) => items.map(pick)),
    };
  }
  const values: unknown[] = [];
  const tuples = items.map((item) => {
    const row = columns.map(([, type, pick]) => {
      values.push(pick(item));
      return `$${values.length}::${type}`;
    });
    return `(${row.join(", ")})`;
  });
  return { from: `(VALUES ${tuples.join(", ")}) AS v(${names})`, values };
}

const DEFERRED: DeferredSet = {
  insertMessage: {
    sql: (items, form) => {
      const u = rowsOf(
        items,
        [
          ["id", "bigint", (m) => m.id],
          ["inbound", "text", (m) => m.inbound],
          ["received_at", "bigint", (m) => m.receivedAt],
          ["control_id", "text", (m) => m.controlId],
          ["message_type", "text", (m) => m.messageType],
          ["content_type", "text", (m) => m.contentType],
          ["raw", "bytea", (m) => m.raw],
          ["disposition", "text", (m) => m.disposition],
          ["error", "text", (m) => m.error],
          ["sender", "text", (m) => m.sender],
          ["updated_at", "bigint", (m) => m.now],
        ],
        form,
      );
      return {
        text: `INSERT INTO messages (id, inbound, received_at, control_id, message_type, content_type, raw,
          disposition, error, sender, run, updated_at)
          SELECT id, inbound, received_at, control_id, message_type, content_type, raw, disposition, error, sender,
            1, updated_at FROM ${u.from}`,
        values: u.values,
      };
    },
  },
  insertRow: {
    sql: (items, form) => {
      const u = rowsOf(
        items,
        [
          ["id", "bigint", (r) => r.id],
          ["message_id", "bigint", (r) => r.messageId],
          ["run", "int", (r) => r.run],
          ["stage", "text", (r) => r.stage],
          ["conn", "text", (r) => r.conn],
          ["handler", "text", (r) => r.handler],
          ["parent_id", "bigint", (r) => r.parentId],
          ["payload", "bytea", (r) => r.payload],
          ["state", "text", (r) => r.state],
          ["claimed_by", "text", (r) => r.claimedBy],
          ["lease_until", "bigint", (r) => r.leaseUntil],
          ["error", "text", (r) => r.error],
          ["created_at", "bigint", (r) => r.now],
        ],
        form,
      );
      return {
        text: `INSERT INTO stage_rows (id, message_id, run, stage, conn, handler, parent_id, payload, state,
          claimed_by, lease_until, error, created_at, updated_at)
          SELECT id, message_id, run, stage, conn, handler, parent_id, payload, state, claimed_by, lease_until,
            error, created_at, created_at FROM ${u.from}`,
        values: u.values,
      };
    },
  },
  insertEvent: {
    sql: (items, form) => {
      const u = rowsOf(
        items,
        [
          ["id", "bigint", (e) => e.id],
          ["message_id", "bigint", (e) => e.messageId],
          ["row_id", "bigint", (e) => e.rowId],
          ["at", "bigint", (e) => e.at],
          ["kind", "text", (e) => e.kind],
          ["stage", "text", (e) => e.stage],
          ["conn", "text", (e) => e.conn],
          ["detail", "text", (e) => e.detail],
          ["reply", "bytea", (e) => e.reply],
        ],
        form,
      );
      return {
        text: `INSERT INTO events (id, message_id, row_id, at, kind, stage, conn, detail, reply)
          SELECT id, message_id, row_id, at, kind, stage, conn, detail, reply FROM ${u.from}`,
        values: u.values,
      };
    },
  },
  insertIdentifiers: {
    sql: (items, form) => {
      const pairs = items.flatMap((i) => i.tokens.map((token) => ({ messageId: i.messageId, token })));
      const u = rowsOf(
        pairs,
        [
          ["message_id", "bigint", (p) => p.messageId],
          ["token", "text", (p) => p.token],
        ],
        form,
      );
      return {
        text: `INSERT INTO message_identifiers (message_id, token) SELECT message_id, token FROM ${u.from}`,
        values: u.values,
      };
    },
  },
  bumpCounters: {
    sql: (items, form) => {
      const counter = (i: number) => (b: Args<"bumpCounters">) => b.deltas[i];
      const u = rowsOf(
        items,
        [
          ["conn", "text", (b) => b.conn],
          ["received", "bigint", counter(0)],
          ["processed", "bigint", counter(1)],
          ["errored", "bigint", counter(2)],
          ["filtered", "bigint", counter(3)],
          ["unrouted", "bigint", counter(4)],
          ["delivered", "bigint", counter(5)],
          ["failed", "bigint", counter(6)],
          ["duplicates", "bigint", counter(7)],
          ["last_activity", "bigint", (b) => b.now],
        ],
        form,
      );
      return {
        text: `INSERT INTO conn_stats (conn, received, processed, errored, filtered, unrouted, delivered, failed,
            duplicates, last_activity)
          SELECT * FROM ${u.from}
          ON CONFLICT (conn) DO UPDATE SET received = conn_stats.received + excluded.received,
            processed = conn_stats.processed + excluded.processed, errored = conn_stats.errored + excluded.errored,
            filtered = conn_stats.filtered + excluded.filtered, unrouted = conn_stats.unrouted + excluded.unrouted,
            delivered = conn_stats.delivered + excluded.delivered, failed = conn_stats.failed + excluded.failed,
            duplicates = conn_stats.duplicates + excluded.duplicates,
            last_activity = GREATEST(conn_stats.last_activity, excluded.last_activity)`,
        values: u.values,
      };
    },
  },
  claimRows: {
    sql: (items, form) => {
      const rows = items.flatMap((c) => c.ids.map((id) => ({ id, c })));
      const u = rowsOf(
        rows,
        [
          ["id", "bigint", (r) => r.id],
          ["owner", "text", (r) => r.c.owner],
          ["lease", "bigint", (r) => r.c.leaseUntil],
          ["now", "bigint", (r) => r.c.now],
        ],
        form,
      );
      return {
        text: `UPDATE stage_rows s SET state = 'claimed', claimed_by = v.owner, lease_until = v.lease,
          updated_at = v.now FROM ${u.from} WHERE s.id = v.id`,
        values: u.values,
      };
    },
  },
  closeRow: {
    update: (a) => a.id,
    sql: (items, form) => {
      const u = rowsOf(
        items,
        [
          ["id", "bigint", (r) => r.id],
          ["state", "text", (r) => r.state],
          ["error", "text", (r) => r.error],
          ["now", "bigint", (r) => r.now],
        ],
        form,
      );
      return {
        text: `UPDATE stage_rows s SET state = v.state, error = v.error, claimed_by = NULL, lease_until = NULL,
          updated_at = v.now FROM ${u.from} WHERE s.id = v.id`,
        values: u.values,
      };
    },
  },
  setDisposition: {
    update: (a) => a.id,
    sql: (items, form) => {
      const u = rowsOf(
        items,
        [
          ["id", "bigint", (m) => m.id],
          ["disposition", "text", (m) => m.disposition],
          ["now", "bigint", (m) => m.now],
        ],
        form,
      );
      return {
        text: `UPDATE messages m SET disposition = v.disposition, updated_at = v.now FROM ${u.from}
          WHERE m.id = v.id`,
        values: u.values,
      };
    },
  },
  setMessageError: {
    update: (a) => a.id,
    sql: (items, form) => {
      const u = rowsOf(
        items,
        [
          ["id", "bigint", (m) => m.id],
          ["error", "text", (m) => m.error],
          ["now", "bigint", (m) => m.now],
        ],
        form,
      );
      return {
        text: `UPDATE messages m SET error = v.error, updated_at = v.now FROM ${u.from} WHERE m.id = v.id`,
        values: u.values,
      };
    },
  },
};

const rows = async <T>(r: Promise<pg.QueryResult>): Promise<T[]> => (await r).rows as T[];
const first = async <T>(r: Promise<pg.QueryResult>): Promise<T | undefined> =>
  (await r).rows[0] as T | undefined;
const count = async (r: Promise<pg.QueryResult>): Promise<number> => (await r).rowCount ?? 0;
const done = async (r: Promise<pg.QueryResult>): Promise<undefined> => {
  await r;
  return undefined;
};

const openRow = (bodies: boolean) => `SELECT r.id, r.message_id, r.state, r.claimed_by, r.lease_until,
    r.next_attempt_at, r.handler, r.attempts, r.payload IS NULL AS from_raw,
    ${bodies ? "coalesce(r.payload, m.raw)" : "NULL"} AS body, m.inbound, m.content_type, m.control_id,
    m.message_type, m.received_at
  FROM stage_rows r JOIN messages m ON m.id = r.message_id
  WHERE r.stage = $1 AND r.conn = $2 AND r.state IN ('pending', 'claimed')
    AND (r.handler IS NULL OR NOT (r.handler = ANY($3::text[])))
  ORDER BY r.id LIMIT $4`;
const RELEASE = `UPDATE stage_rows SET state = 'pending', claimed_by = NULL, lease_until = NULL, updated_at = $1`;

/** Closes rows still claimed by `owner`, returning the ones it changed (statements.ts `closeHeld`). */
function closeHeldSql({ owner, now, rows: closes }: Args<"closeHeld">): Stmt & { values: unknown[] } {
  const u = rowsOf(
    closes,
    [
      ["id", "bigint", (c) => c.id],
      ["state", "text", (c) => c.state],
      ["inc", "int", (c) => c.attemptInc],
      ["error", "text", (c) => c.error],
      ["next_at", "bigint", (c) => c.nextAttemptAt],
    ],
    "arrays",
  );
  return {
    text: `UPDATE stage_rows s SET state = v.state, attempts = s.attempts + v.inc,
       next_attempt_at = coalesce(v.next_at, s.next_attempt_at), error = v.error, claimed_by = NULL,
       lease_until = NULL, updated_at = $${u.values.length + 1}
     FROM ${u.from} WHERE s.id = v.id AND s.state = 'claimed' AND s.claimed_by = $${u.values.length + 2}
     RETURNING s.id, s.message_id, s.run, s.stage, s.conn, s.handler, s.attempts`,
    values: [...u.values, now, owner],
  };
}

/**
 * Each message's rows of its current run counted by stage and state (statements.ts `tallies`). Per
 * message through its index (LATERAL): a plain join let the planner hash-join a full scan of
 * stage_rows — tens of ms per delivery batch once the table grows, before autoanalyze ran.
 */
const TALLIES = `SELECT m.id AS message_id, m.disposition, m.inbound, t.stage, t.state, coalesce(t.n, 0) AS n
  FROM messages m LEFT JOIN LATERAL (
    SELECT r.stage, r.state, count(*) AS n FROM stage_rows r
    WHERE r.message_id = m.id AND r.run = m.run GROUP BY r.stage, r.state
  ) t ON true`;
/**
 * The tallies of the messages of rows $1. The ids as an array computed once (an init plan), so the
 * messages are found by primary key whatever the planner thinks of a semi-join's size.
 */
const TALLIES_OF_ROWS = `${TALLIES}
  WHERE m.id = ANY(ARRAY(SELECT message_id FROM stage_rows WHERE id = ANY($1::bigint[])))`;

/**
 * The locking primitive: statements that only take locks. They go ahead of the next statement in the
 * same round trip (the transaction holds them from there on), never alone.
 */
type Locks = { [K in StatementName]?: (args: Args<K>) => { text: string; values: unknown[] } };
const LOCKS: Locks = {
  lockLane: ({ conn }) => ({ text: "SELECT pg_advisory_xact_lock(hashtext($1))", values: [`lane:${conn}`] }),
  lockDuplicates: ({ inbound }) => ({
    text: "SELECT pg_advisory_xact_lock(hashtext($1))",
    values: [`duplicates:${inbound}`],
  }),
  lockMessages: ({ ids }) => ({
    text: "SELECT id FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
    values: [ids],
  }),
  lockMessagesOfRows: ({ rowIds }) => ({
    text: `SELECT id FROM messages WHERE id IN (SELECT message_id FROM stage_rows WHERE id = ANY($1::bigint[]))
      ORDER BY id FOR UPDATE`,
    values: [rowIds],
  }),
};

const IMMEDIATE: Immediate = {
  // KEY SHARE: the leader's own renewals (a non-key UPDATE) never wait for it; a standby taking the
  // lease over (SELECT … FOR UPDATE, pg-lease.ts) does, until this transaction ends.
  holdsLease: async (q, { owner, epoch }) =>
    (
      await q("SELECT 1 FROM cluster_lease WHERE id = 1 AND owner = $1 AND epoch = $2 FOR KEY SHARE", [
        owner,
        epoch,
      ])
    ).rowCount === 1,
  findOriginal: async (q, { inbound, controlId, sender, since }) =>
    (
      await first<{ id: string | number }>(
        q(
          `SELECT m.id FROM messages m WHERE m.inbound = $1 AND m.control_id = $2 AND m.sender = $3
             AND m.received_at >= $4 AND m.disposition <> 'DUPLICATE'
             AND EXISTS (SELECT 1 FROM stage_rows r WHERE r.message_id = m.id)
           ORDER BY m.id LIMIT 1`,
          [inbound, controlId, sender, since],
        ),
      )
    )?.id as number | undefined,

  selectOpen: (q, { stage, conn, exclude, limit, skipLocked, bodies }) =>
    rows(
      q(`${openRow(bodies)} ${skipLocked ? "FOR UPDATE OF r SKIP LOCKED" : ""}`, [
        stage,
        conn,
        exclude,
        limit,
      ]),
    ),
  releaseRows: (q, { ids, owner, now }) =>
    count(
      q(`${RELEASE} WHERE id = ANY($2::bigint[]) AND claimed_by = $3 AND state = 'claimed'`, [
        now,
        ids,
        owner,
      ]),
    ),
  releaseLane: (q, { conn, owner, now }) =>
    count(
      q(`${RELEASE} WHERE stage = 'outbound' AND conn = $2 AND state = 'claimed' AND claimed_by = $3`, [
        now,
        conn,
        owner,
      ]),
    ),
  laneHead: (q, { conn }) =>
    first(
      q(
        `SELECT id, state, next_attempt_at, lease_until FROM stage_rows
         WHERE stage = 'outbound' AND conn = $1 AND state IN ('pending', 'claimed') ORDER BY id LIMIT 1`,
        [conn],
      ),
    ),
  recoverLeases: (q, { all, now }) =>
    count(
      q(
        `${RELEASE} WHERE state IN ('pending', 'claimed') AND state = 'claimed' AND ($2 OR lease_until <= $1)`,
        [now, all],
      ),
    ),
  closeHeld: (q, args) => {
    const sql = closeHeldSql(args);
    return rows(q(sql.text, sql.values));
  },
  // The close and the tallies of the rows' messages (the close's effect included: the SELECT runs after
  // it in the same transaction) in one round trip: a lane's completion needs no second one to finalize.
  closeHeldTallied: async (_q, args, all) => {
    const [closed, tallied] = await all([
      closeHeldSql(args),
      { text: TALLIES_OF_ROWS, values: [args.rows.map((r) => r.id)] },
    ]);
    return { closed: (closed?.rows ?? []) as ClosedRow[], tallies: (tallied?.rows ?? []) as TallyRecord[] };
  },
  tallies: (q, { messageIds }) => rows(q(`${TALLIES} WHERE m.id = ANY($1::bigint[])`, [messageIds])),
  messageForReplay: (q, { id }) =>
    first(q("SELECT run, inbound FROM messages WHERE id = $1 FOR UPDATE", [id])),
  // Dead letters too: a replay supersedes them, so a later bulk replay of /dead-letters cannot
  // deliver the same message again from an earlier run.
  replaceOpenRows: (q, { messageId, now }) =>
    done(
      q(
        `UPDATE stage_rows SET state = 'replaced', claimed_by = NULL, lease_until = NULL, updated_at = $1
         WHERE message_id = $2 AND state IN ('pending', 'claimed', 'dead')`,
        [now, messageId],
      ),
    ),
  startRun: (q, { id, run, disposition, now }) =>
    done(
      q("UPDATE messages SET run = $1, disposition = $2, error = NULL, updated_at = $3 WHERE id = $4", [
        run,
        disposition,
        now,
        id,
      ]),
    ),
  rowForResend: (q, { rowId }) =>
    first(
      q(
        `SELECT r.message_id, r.stage, r.conn, r.handler, r.state, r.payload, r.parent_id, m.run AS current_run
         FROM stage_rows r JOIN messages m ON m.id = r.message_id WHERE r.id = $1 FOR UPDATE OF r`,
        [rowId],
      ),
    ),
  markReplaced: (q, { id, now }) =>
    done(q("UPDATE stage_rows SET state = 'replaced', updated_at = $1 WHERE id = $2", [now, id])),
  openRowsOfMessage: (q, { messageId }) =>
    rows(
      q(
        `SELECT r.id, r.stage, r.conn FROM stage_rows r JOIN messages m ON m.id = r.message_id
         WHERE r.message_id = $1 AND r.run = m.run AND r.state IN ('pending', 'claimed') ORDER BY r.id FOR UPDATE OF r`,
        [messageId],
      ),
    ),
  rowState: (q, { rowId }) =>
    first(q("SELECT message_id, stage, conn, state FROM stage_rows WHERE id = $1 FOR UPDATE", [rowId])),
  purgeable: async (q, { before, limit, dispositions }) =>
    (
      await rows<{ id: number }>(
        q(
          `SELECT id FROM messages WHERE received_at < $1 AND disposition = ANY($3::text[])
           ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [before, limit, dispositions],
        ),
      )
    ).map((r) => r.id),
  deleteMessages: async (q, { ids }) => {
    await q("DELETE FROM message_identifiers WHERE message_id = ANY($1::bigint[])", [ids]);
    await q("DELETE FROM events WHERE message_id = ANY($1::bigint[])", [ids]);
    await q("DELETE FROM stage_rows WHERE message_id = ANY($1::bigint[])", [ids]);
    return done(q("DELETE FROM messages WHERE id = ANY($1::bigint[])", [ids]));
  },
  recodeSelect: (q, { table, column, after, limit }) =>
    rows(
      q(
        `SELECT id, ${column} AS body FROM ${table} WHERE id > $1 AND ${column} IS NOT NULL
         ORDER BY id LIMIT $2 FOR UPDATE`,
        [after, limit],
      ),
    ),
  recodeUpdate: (q, { table, column, id, value }) =>
    done(q(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [value, id])),
  getCursor: async (q, { conn }) =>
    (await first<{ value: string }>(q("SELECT value FROM connector_cursors WHERE conn = $1", [conn])))?.value,
  setCursor: (q, { conn, value, now }) =>
    done(
      q(
        `INSERT INTO connector_cursors (conn, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (conn) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [conn, value, now],
      ),
    ),
  message: (q, { id }) => first(q(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [id])),
  rowsOfMessage: (q, { messageId }) =>
    rows(q(`SELECT ${ROW_COLUMNS} FROM stage_rows WHERE message_id = $1 ORDER BY id`, [messageId])),
  eventsOfMessage: (q, { messageId }) =>
    rows(
      q(
        `SELECT id, message_id, row_id, at, kind, stage, conn, detail, reply IS NOT NULL AS has_reply
         FROM events WHERE message_id = $1 ORDER BY id`,
        [messageId],
      ),
    ),
  listMessages: (q, args) => {
    const { sql, args: values } = messagesQuery(args, (n) => `$${n}`);
    return rows(q(sql, values));
  },
  deadLetters: (q, args) => {
    const { sql, args: values } = deadLettersQuery(args, (n) => `$${n}`);
    return rows(q(sql, values));
  },
  messageRaw: async (q, { id }) =>
    (await first<{ raw: Buffer }>(q("SELECT raw FROM messages WHERE id = $1", [id])))?.raw,
  rowPayload: (q, { rowId }) => first(q("SELECT message_id, payload FROM stage_rows WHERE id = $1", [rowId])),
  lastReply: (q, { rowId }) =>
    first(
      q(
        `SELECT id, reply FROM events WHERE message_id = (SELECT message_id FROM stage_rows WHERE id = $1)
           AND row_id = $1 AND reply IS NOT NULL ORDER BY id DESC LIMIT 1`,
        [rowId],
      ),
    ),
  eventReply: async (q, { id }) =>
    (await first<{ reply: Buffer | null }>(q("SELECT reply FROM events WHERE id = $1", [id])))?.reply,
  depth: (q) =>
    rows(
      q(`SELECT stage, conn, state, count(*) AS n, min(created_at) AS oldest FROM stage_rows
         WHERE state IN ('pending', 'claimed') GROUP BY stage, conn, state`),
    ),
  counters: (q) =>
    rows(
      q(`SELECT conn, received, processed, errored, filtered, unrouted, delivered, failed, duplicates,
           last_activity FROM conn_stats ORDER BY conn`),
    ),
};

/** Ids handed out per sequence round trip. */
const ID_BLOCK = 1000;

/**
 * Ids reserved from each table's sequence in blocks (`nextval` over `generate_series`, one round trip
 * per block). One refill at a time per table, appended in order: an id handed out is always greater
 * than every id handed out before it, so a transaction that starts after another commits gets later
 * ids (a lane's order). Unused ids of a block are skipped after a restart: ids only ever grow.
 */
class IdBlocks {
  readonly #free = new Map<IdTable, number[]>();
  readonly #refilling = new Map<IdTable, Promise<void>>();

  /** The ids at once when the block holds them, else a promise after a refill. */
  take(table: IdTable, n: number, q: Query): number[] | Promise<number[]> {
    let free = this.#free.get(table);
    if (!free) {
      free = [];
      this.#free.set(table, free);
    }
    if (free.length >= n) return free.splice(0, n);
    return this.#refill(table, n, q, free);
  }

  /** Drops the reserved ids: the next ones come from the sequence, above any other engine's block. */
  forget(): void {
    for (const free of this.#free.values()) free.length = 0;
  }

  async #refill(table: IdTable, n: number, q: Query, free: number[]): Promise<number[]> {
    while (free.length < n) {
      let refill = this.#refilling.get(table);
      if (!refill) {
        refill = q(`SELECT nextval('${table}_id_seq') AS id FROM generate_series(1, $1::int)`, [
          Math.max(n, ID_BLOCK),
        ])
          .then((r) => {
            for (const row of r.rows as { id: number }[]) free.push(row.id);
          })
          .finally(() => this.#refilling.delete(table));
        this.#refilling.set(table, refill);
      }
      await refill;
    }
    return free.splice(0, n);
  }
}

/** One transaction's deferred statements, by kind in first-use order (updates keyed: the last wins). */
class Pending {
  readonly #kinds = new Map<StatementName, Map<number, unknown> | unknown[]>();

  get empty(): boolean {
    return this.#kinds.size === 0;
  }

  add(op: StatementName, d: Deferred<StatementName>, args: unknown): void {
    let list = this.#kinds.get(op);
    if (!list) {
      list = d.update ? new Map() : [];
      this.#kinds.set(op, list);
    }
    if (list instanceof Map) list.set((d.update as (a: unknown) => number)(args), args);
    else list.push(args);
  }

  /** The deferred statements: one multi-row statement per kind, in first-use order. */
  take(form: Form = "arrays"): { text: string; values: unknown[] }[] {
    const out: { text: string; values: unknown[] }[] = [];
    for (const [op, list] of this.#kinds) {
      const d = DEFERRED[op] as Deferred<StatementName>;
      out.push(d.sql((list instanceof Map ? [...list.values()] : list) as Args<StatementName>[], form));
    }
    this.#kinds.clear();
    return out;
  }
}

/**
 * Several statements as one (`WITH s0 AS (…), s1 AS (…) SELECT 1`), placeholders renumbered: atomic
 * on its own and sent with parameters. Only for statements that change different rows (inserts, and
 * updates of other tables), as the intake batch's are.
 */
function combine(parts: { text: string; values: unknown[] }[]): { text: string; values: unknown[] } {
  if (parts.length === 1) return parts[0] as { text: string; values: unknown[] };
  const values: unknown[] = [];
  const ctes = parts.map((p, i) => {
    const offset = values.length;
    values.push(...p.values);
    return `s${i} AS (${p.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  return { text: `WITH ${ctes.join(", ")} SELECT 1`, values };
}

/**
 * Names for the intake batch's statement: a named statement is parsed and planned once per connection
 * rather than once per batch (a quarter less server CPU per intake in bench/pg-driver). Its text depends
 * on which kinds of rows the batch carries and how many (one `VALUES` tuple a row, so each body is a
 * binary parameter): under steady load the same few shapes recur. The cap bounds every connection's
 * statement cache; shapes past it run unnamed.
 */
const intakeNames = new Map<string, string>();
function intakeStatementName(text: string): string | undefined {
  let name = intakeNames.get(text);
  if (name === undefined && intakeNames.size < 256) {
    name = `mf_intake_${intakeNames.size}`;
    intakeNames.set(text, name);
  }
  return name;
}

/** Runs a script to its end; a statement answered at once (deferred, ids in hand) costs no await. */
async function drive<T>(script: Script<T>, exec: (req: Request) => unknown): Promise<T> {
  let step = script.next();
  while (!step.done) {
    const value = exec(step.value);
    step = script.next(value instanceof Promise ? await value : value);
  }
  return step.value;
}

/** pg's own text encoding of a parameter value (arrays, buffers) — what it would send as `$n`. */
const prepareValue = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils.prepareValue;

/** A parameter as an SQL literal: numbers as written, everything else through pg's escapeLiteral. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return v < 0 ? `(${v})` : String(v);
  }
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  const text = Buffer.isBuffer(v) ? `\\x${v.toString("hex")}` : prepareValue(v);
  return pg.escapeLiteral(String(text));
}

/** `text` with its `$n` placeholders replaced by the literals of `values`. */
function inline(text: string, values: readonly unknown[] | undefined): string {
  if (!values || values.length === 0) return text;
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/**
 * Drives scripts on PostgreSQL. Within a transaction, the statements that need no answer (BEGIN,
 * locks, deferred writes) travel with the next one that does, as one simple-protocol query of several
 * statements with their values inlined as escaped literals (node-postgres does not pipeline); COMMIT
 * travels with the last writes. A transaction costs one round trip per statement whose result its
 * script reads, plus one.
 */
class PgDriver implements Driver {
  /**
   * One intake batch at a time: ids are taken before commit, so a second batch in flight could commit
   * first and reach the lanes ahead of older messages. Arrivals during a commit form the next batch.
   */
  readonly concurrentBatches = 1;
  /** None by default: the commit's round trip already gathers the next batch (not measured with one). */
  readonly commitWindowMs = 0;
  readonly pool: pg.Pool;
  readonly #ids = new IdBlocks();
  /** Queries sent to the server (each one round trip), for the bench and operators. */
  queries = 0;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async transaction<T>(
    script: () => Script<T>,
    durability: Durability,
    after: () => Script<void>,
  ): Promise<T> {
    const c = await checkOut(this.pool);
    const pending = new Pending();
    let locks: Stmt[] = [];
    let begun = false;
    const begin = durability === "durable" ? ["BEGIN"] : ["BEGIN", "SET LOCAL synchronous_commit TO off"];
    /** Everything waiting, then `last`, in one round trip; the answers of `last`'s statements. */
    const all: QueryAll = async (last) => {
      const batch = begun ? [] : [...begin];
      begun = true;
      for (const s of [...locks, ...pending.take(), ...last]) batch.push(inline(s.text, s.values));
      locks = [];
      this.queries++;
      const r = (await c.query(batch.join(";\n"))) as pg.QueryResult | pg.QueryResult[];
      // The answers of `last` are the round trip's last ones (counted from the end: whatever went ahead).
      const answers = Array.isArray(r) ? r : [r];
      return last.map((_, i) => answers[answers.length - last.length + i] as pg.QueryResult);
    };
    const send = async (last: Stmt): Promise<pg.QueryResult> => (await all([last]))[0] as pg.QueryResult;
    const q: Query = (text, values) => send({ text, values });
    let broken: Error | undefined;
    try {
      const exec = (req: Request): unknown => {
        if (req.op === "nextIds") {
          const { table, n } = req.args as Args<"nextIds">;
          return this.#ids.take(table, n, q);
        }
        const d = DEFERRED[req.op] as Deferred<StatementName> | undefined;
        if (d) {
          pending.add(req.op, d, req.args);
          return undefined;
        }
        const lock = LOCKS[req.op] as ((args: unknown) => { text: string; values: unknown[] }) | undefined;
        if (lock) {
          locks.push(lock(req.args));
          return undefined;
        }
        return (IMMEDIATE[req.op] as (q: Query, args: unknown, all: QueryAll) => Promise<unknown>)(
          q,
          req.args,
          all,
        );
      };
      const result = await drive(script(), exec);
      await drive(after(), exec);
      if (begun) await send({ text: "COMMIT" });
      else if (!pending.empty && durability === "durable") {
        // Only writes (the intake batch): one statement of data-modifying CTEs, atomic without
        // BEGIN, its bodies as binary parameters rather than hex text.
        const one = combine(pending.take("rows"));
        this.queries++;
        const name = intakeStatementName(one.text);
        await c.query(name ? { name, text: one.text, values: one.values } : one);
      } else if (!pending.empty) await send({ text: "COMMIT" });
      return result;
    } catch (error) {
      // A failed ROLLBACK leaves the connection in an unknown state: destroy it, never reuse it.
      if (begun) {
        await c.query("ROLLBACK").catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
        });
      }
      throw error;
    } finally {
      c.release(broken);
    }
  }

  forgetReservedIds(): void {
    this.#ids.forget();
  }

  read<T>(script: () => Script<T>): Promise<T> {
    const q: Query = (text, values) => {
      this.queries++;
      return this.pool.query(text, values);
    };
    // Outside a transaction statements need not share a round trip: one after the other.
    const all: QueryAll = async (stmts) => {
      const out: pg.QueryResult[] = [];
      for (const st of stmts) out.push(await q(st.text, st.values ? [...st.values] : undefined));
      return out;
    };
    return drive(script(), (req) =>
      (IMMEDIATE[req.op] as (q: Query, args: unknown, all: QueryAll) => Promise<unknown>)(q, req.args, all),
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The store on PostgreSQL: the queue core over this dialect. */
export class PgStore extends QueueCore {
  readonly pool: pg.Pool;
  readonly #driver: PgDriver;

  private constructor(driver: PgDriver, opts: PgStoreOptions) {
    super(driver, opts);
    this.#driver = driver;
    this.pool = driver.pool;
  }

  /**
   * Completions that write the next stage's rows commit in call order, one at a time: ids are taken
   * before commit, so two in flight could become visible out of id order and a lane (or a handler's
   * routed rows) would be claimed out of order. Waiting happens before BEGIN, holding no lock.
   */
  #ordered: Promise<unknown> = Promise.resolve();

  #inOrder<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#ordered.then(run, run);
    this.#ordered = next.catch(() => undefined);
    return next;
  }

  override completeRouting(owner: string, results: RoutingResult[]): Promise<number> {
    return this.#inOrder(() => super.completeRouting(owner, results));
  }

  override completeTransform(owner: string, results: TransformResult[]): Promise<number> {
    return this.#inOrder(() => super.completeTransform(owner, results));
  }

  /**
   * Ids are reserved in blocks per process, so rows written under two cluster leaders in turn would
   * not be in write order if the second went on with a block it reserved before the first wrote its
   * rows; a node that takes the leader lease calls this first (lanes are claimed in id order).
   */
  forgetReservedIds(): void {
    this.#driver.forgetReservedIds();
  }

  /** Statements this store sent to the server so far (each one round trip): the bench's meter. */
  get queryCount(): number {
    return this.#driver.queries;
  }

  static async open(opts: PgStoreOptions): Promise<PgStore> {
    const schema = pgSchema(opts);
    const pool = new pg.Pool({ ...pgPoolConfig(opts), types });
    const onPoolError = opts.onPoolError ?? (() => undefined);
    pool.on("error", (error) => onPoolError(error));
    try {
      const c = await checkOut(pool);
      try {
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await migratePg(c);
      } finally {
        c.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PgStore(new PgDriver(pool), opts);
  }
}

/** Opens (creating the schema and migrating when needed) the PostgreSQL store. */
export function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  return PgStore.open(opts);
}
