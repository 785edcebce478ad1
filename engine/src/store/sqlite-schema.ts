/**
 * Versioned migrations for the SQLite store. Each entry runs once, in order, inside a transaction,
 * and bumps `store_schema_version` (namespaced: the auth tables keep their own migrations in the same file).
 */
import type Database from "better-sqlite3";

const MIGRATIONS: readonly string[] = [
  // 1: messages, stage rows, history, counters.
  `
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    inbound TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    control_id TEXT,
    message_type TEXT,
    content_type TEXT NOT NULL,
    raw BLOB NOT NULL,
    disposition TEXT NOT NULL,
    error TEXT,
    run INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX messages_received ON messages(received_at);
  CREATE INDEX messages_inbound ON messages(inbound, id);
  CREATE INDEX messages_control ON messages(control_id);
  CREATE INDEX messages_disposition ON messages(disposition, id);

  CREATE TABLE stage_rows (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    run INTEGER NOT NULL,
    stage TEXT NOT NULL,
    conn TEXT NOT NULL,
    handler TEXT,
    parent_id INTEGER,
    state TEXT NOT NULL,
    payload BLOB,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    lease_until INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- Open rows only: the claim index stays as small as the queue, however long the history grows.
  CREATE INDEX stage_open ON stage_rows(stage, conn, id) WHERE state IN ('pending', 'claimed');
  CREATE INDEX stage_message ON stage_rows(message_id);
  CREATE INDEX stage_dead ON stage_rows(id) WHERE state = 'dead';

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    row_id INTEGER,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT,
    conn TEXT,
    detail TEXT,
    reply BLOB
  );
  CREATE INDEX events_message ON events(message_id, id);

  CREATE TABLE conn_stats (
    conn TEXT PRIMARY KEY,
    received INTEGER NOT NULL DEFAULT 0,
    processed INTEGER NOT NULL DEFAULT 0,
    errored INTEGER NOT NULL DEFAULT 0,
    filtered INTEGER NOT NULL DEFAULT 0,
    unrouted INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    last_activity INTEGER NOT NULL DEFAULT 0
  );
  `,
  // 2: ids from a sequence that never goes back: max(id)+1 reused the ids of purged messages, so an
  // audit entry `message:<id>` could point at another patient's message.
  `
  CREATE TABLE id_seq (name TEXT PRIMARY KEY, last INTEGER NOT NULL);
  INSERT INTO id_seq (name, last) SELECT 'messages', coalesce(max(id), 0) FROM messages;
  INSERT INTO id_seq (name, last) SELECT 'stage_rows', coalesce(max(id), 0) FROM stage_rows;
  INSERT INTO id_seq (name, last) SELECT 'events', coalesce(max(id), 0) FROM events;
  `,
  // 3: connector cursors (a database source's high-water mark), kept across restarts.
  `
  CREATE TABLE connector_cursors (conn TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
  `,
  // 4: the blind index — keyed HMACs of a message's configured identifier fields (blind-index.ts).
  `
  CREATE TABLE message_identifiers (message_id INTEGER NOT NULL, token TEXT NOT NULL);
  CREATE INDEX message_identifiers_token ON message_identifiers(token, message_id);
  CREATE INDEX message_identifiers_message ON message_identifiers(message_id);
  `,
  // 5: duplicate detection — who sent a message (MSH-3/MSH-4), found by control id; a counter.
  `
  ALTER TABLE messages ADD COLUMN sender TEXT;
  CREATE INDEX messages_dedupe ON messages(inbound, control_id, received_at) WHERE sender IS NOT NULL;
  ALTER TABLE conn_stats ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
  `,
];

export const STORE_SCHEMA_VERSION = MIGRATIONS.length;

export class StoreSchemaError extends Error {
  override name = "StoreSchemaError";
}

/** The refusal to run on a schema a newer engine wrote (it may have changed what this engine relies on). */
export function newerSchema(found: number, supported: number): StoreSchemaError {
  return new StoreSchemaError(
    `the store's schema is version ${found}, newer than this engine supports (${supported}): ` +
      "upgrade the engine to the version that wrote it (or newer)",
  );
}

/** Brings the schema up to date; refuses a file written by a newer engine. Returns the version. */
export function migrate(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS store_schema_version (
    version INTEGER NOT NULL, applied_at INTEGER NOT NULL)`);
  const row = db.prepare("SELECT max(version) AS v FROM store_schema_version").get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > MIGRATIONS.length) {
    throw newerSchema(current, MIGRATIONS.length);
  }
  const insert = db.prepare("INSERT INTO store_schema_version (version, applied_at) VALUES (?, ?)");
  const applied = db.prepare("SELECT count(*) FROM store_schema_version WHERE version = ?").pluck();
  for (let v = current + 1; v <= MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v - 1] as string;
    db.transaction(() => {
      // Another connection (a delivery thread opening the same file) may have applied it meanwhile.
      if ((applied.get(v) as number) > 0) return;
      db.exec(sql);
      insert.run(v, Date.now());
    }).immediate();
  }
  return MIGRATIONS.length;
}
