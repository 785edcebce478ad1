/**
 * Read-side queries of the SQLite store (message log, history, dead letters, counters). Never returns
 * bodies: those go through the store's decrypting getters so every body access has one door.
 */
import type Database from "better-sqlite3";
import type {
  ConnectionCounters,
  DeadLetterFilter,
  Disposition,
  EventKind,
  HistoryEvent,
  MessageDetail,
  MessageFilter,
  MessageSummary,
  RowState,
  Stage,
  StageRowInfo,
} from "./types.js";

const MAX_PAGE = 1000;

/** Opens a sealed error/detail text (identity when the store runs without a key). */
export type OpenText = (stored: string | null, aad: string) => string | null;
const asIs: OpenText = (stored) => stored;

interface MessageRecord {
  id: number;
  inbound: string;
  received_at: number;
  control_id: string | null;
  message_type: string | null;
  content_type: string;
  disposition: Disposition;
  error: string | null;
  run: number;
  updated_at: number;
}

interface RowRecord {
  id: number;
  message_id: number;
  run: number;
  stage: Stage;
  conn: string;
  handler: string | null;
  parent_id: number | null;
  state: RowState;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  lease_until: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

const MESSAGE_COLUMNS = `id, inbound, received_at, control_id, message_type, content_type, disposition, error,
  run, updated_at`;
const ROW_COLUMNS = `id, message_id, run, stage, conn, handler, parent_id, state, attempts, next_attempt_at,
  claimed_by, lease_until, error, created_at, updated_at`;

function toSummary(m: MessageRecord, open: OpenText): MessageSummary {
  return {
    id: m.id,
    inbound: m.inbound,
    receivedAt: m.received_at,
    controlId: m.control_id,
    messageType: m.message_type,
    contentType: m.content_type,
    disposition: m.disposition,
    error: open(m.error, `messages:${m.id}:error`),
    run: m.run,
    updatedAt: m.updated_at,
  };
}

function toRowInfo(r: RowRecord, open: OpenText): StageRowInfo {
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
    error: open(r.error, `stage_rows:${r.id}:error`),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function pageSize(limit: number | undefined): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit ?? 100)));
}

export function readMessageDetail(
  db: Database.Database,
  id: number,
  open: OpenText = asIs,
): MessageDetail | undefined {
  const m = db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`).get(id) as
    | MessageRecord
    | undefined;
  if (!m) return undefined;
  const rows = db
    .prepare(`SELECT ${ROW_COLUMNS} FROM stage_rows WHERE message_id = ? ORDER BY id`)
    .all(id) as RowRecord[];
  const events = db
    .prepare(
      `SELECT id, message_id, row_id, at, kind, stage, conn, detail, reply IS NOT NULL AS has_reply
       FROM events WHERE message_id = ? ORDER BY id`,
    )
    .all(id) as {
    id: number;
    message_id: number;
    row_id: number | null;
    at: number;
    kind: EventKind;
    stage: Stage | null;
    conn: string | null;
    detail: string | null;
    has_reply: 0 | 1;
  }[];
  const history: HistoryEvent[] = events.map((e) => ({
    id: e.id,
    messageId: e.message_id,
    rowId: e.row_id,
    at: e.at,
    kind: e.kind,
    stage: e.stage,
    conn: e.conn,
    detail: open(e.detail, `events:${e.id}:detail`),
    hasReply: e.has_reply === 1,
  }));
  return { ...toSummary(m, open), rows: rows.map((r) => toRowInfo(r, open)), history };
}

export function readMessages(
  db: Database.Database,
  f: MessageFilter,
  open: OpenText = asIs,
): MessageSummary[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    args.push(value);
  };
  add("inbound = ?", f.inbound);
  add("disposition = ?", f.disposition);
  add("message_type = ?", f.messageType);
  add("control_id = ?", f.controlId);
  add("received_at >= ?", f.from);
  add("received_at < ?", f.to);
  add("id < ?", f.beforeId);
  const sql = `SELECT ${MESSAGE_COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY id DESC LIMIT ?`;
  return (db.prepare(sql).all(...args, pageSize(f.limit)) as MessageRecord[]).map((m) => toSummary(m, open));
}

export function readDeadLetters(
  db: Database.Database,
  f: DeadLetterFilter,
  open: OpenText = asIs,
): StageRowInfo[] {
  // Only the current run's: an earlier run's dead letters were superseded by a replay.
  const where = ["state = 'dead'", "run = (SELECT m.run FROM messages m WHERE m.id = message_id)"];
  const args: (string | number)[] = [];
  if (f.conn !== undefined) {
    where.push("conn = ?");
    args.push(f.conn);
  }
  if (f.stage !== undefined) {
    where.push("stage = ?");
    args.push(f.stage);
  }
  if (f.beforeId !== undefined) {
    where.push("id < ?");
    args.push(f.beforeId);
  }
  const sql = `SELECT ${ROW_COLUMNS} FROM stage_rows WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`;
  return (db.prepare(sql).all(...args, pageSize(f.limit)) as RowRecord[]).map((r) => toRowInfo(r, open));
}

export function readConnectionCounters(db: Database.Database): ConnectionCounters[] {
  const rows = db
    .prepare(
      `SELECT conn, received, processed, errored, filtered, unrouted, delivered, failed, last_activity
       FROM conn_stats ORDER BY conn`,
    )
    .all() as (Omit<ConnectionCounters, "lastActivity"> & { last_activity: number })[];
  return rows.map(({ last_activity, ...c }) => ({ ...c, lastActivity: last_activity }));
}
