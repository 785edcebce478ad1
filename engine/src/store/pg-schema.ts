/**
 * Versioned migrations for the PostgreSQL store: the same tables as SQLite, with sequences (ids are
 * drawn before the insert because the row identity is each ciphertext's associated data) and BYTEA.
 */
import type { PoolClient } from "pg";
import { newerSchema } from "./sqlite-schema.js";

const MIGRATIONS: readonly string[] = [
  `
  CREATE SEQUENCE messages_id_seq;
  CREATE TABLE messages (
    id BIGINT PRIMARY KEY,
    inbound TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    control_id TEXT,
    message_type TEXT,
    content_type TEXT NOT NULL,
    raw BYTEA NOT NULL,
    disposition TEXT NOT NULL,
    error TEXT,
    run INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX messages_received ON messages(received_at);
  CREATE INDEX messages_inbound ON messages(inbound, id);
  CREATE INDEX messages_control ON messages(control_id);
  CREATE INDEX messages_disposition ON messages(disposition, id);

  CREATE SEQUENCE stage_rows_id_seq;
  CREATE TABLE stage_rows (
    id BIGINT PRIMARY KEY,
    message_id BIGINT NOT NULL,
    run INTEGER NOT NULL,
    stage TEXT NOT NULL,
    conn TEXT NOT NULL,
    handler TEXT,
    parent_id BIGINT,
    state TEXT NOT NULL,
    payload BYTEA,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    lease_until BIGINT,
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX stage_open ON stage_rows(stage, conn, id) WHERE state IN ('pending', 'claimed');
  CREATE INDEX stage_message ON stage_rows(message_id);
  CREATE INDEX stage_dead ON stage_rows(id) WHERE state = 'dead';

  CREATE SEQUENCE events_id_seq;
  CREATE TABLE events (
    id BIGINT PRIMARY KEY,
    message_id BIGINT NOT NULL,
    row_id BIGINT,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT,
    conn TEXT,
    detail TEXT,
    reply BYTEA
  );
  CREATE INDEX events_message ON events(message_id, id);

  CREATE TABLE conn_stats (
    conn TEXT PRIMARY KEY,
    received BIGINT NOT NULL DEFAULT 0,
    processed BIGINT NOT NULL DEFAULT 0,
    errored BIGINT NOT NULL DEFAULT 0,
    filtered BIGINT NOT NULL DEFAULT 0,
    unrouted BIGINT NOT NULL DEFAULT 0,
    delivered BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    last_activity BIGINT NOT NULL DEFAULT 0
  );
  `,
  // 2: connector cursors (a database source's high-water mark), kept across restarts.
  `
  CREATE TABLE connector_cursors (conn TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL);
  `,
  // 3: each id sequence belongs to its id column, so pg_get_serial_sequence('messages', 'id') finds it
  // (`store copy` resets them) and dropping a table drops its sequence.
  `
  ALTER SEQUENCE messages_id_seq OWNED BY messages.id;
  ALTER SEQUENCE stage_rows_id_seq OWNED BY stage_rows.id;
  ALTER SEQUENCE events_id_seq OWNED BY events.id;
  `,
  // 4: the blind index — keyed HMACs of a message's configured identifier fields (blind-index.ts).
  `
  CREATE TABLE message_identifiers (message_id BIGINT NOT NULL, token TEXT NOT NULL);
  CREATE INDEX message_identifiers_token ON message_identifiers(token, message_id);
  CREATE INDEX message_identifiers_message ON message_identifiers(message_id);
  `,
  // 5: duplicate detection — who sent a message (MSH-3/MSH-4), found by control id; a counter.
  `
  ALTER TABLE messages ADD COLUMN sender TEXT;
  CREATE INDEX messages_dedupe ON messages(inbound, control_id, received_at) WHERE sender IS NOT NULL;
  ALTER TABLE conn_stats ADD COLUMN duplicates BIGINT NOT NULL DEFAULT 0;
  `,
  // 6: clustering (pg-lease.ts) — the one leader-lease row (its epoch is the fencing token every write
  // checks) and the members' heartbeats. Times on the database's clock only.
  `
  CREATE TABLE cluster_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT,
    epoch BIGINT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ
  );
  INSERT INTO cluster_lease (id, owner, epoch, expires_at) VALUES (1, NULL, 0, NULL);
  CREATE TABLE cluster_members (
    node_id TEXT PRIMARY KEY,
    api_url TEXT,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    config_version TEXT,
    promotable BOOLEAN NOT NULL,
    role TEXT NOT NULL,
    note TEXT
  );
  `,
];

export const PG_STORE_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to date under an advisory lock (several engines may start at once). */
export async function migratePg(c: PoolClient): Promise<number> {
  await c.query("BEGIN");
  try {
    await c.query("SELECT pg_advisory_xact_lock(hashtext('messagefoundry-store-migrate'))");
    await c.query(`CREATE TABLE IF NOT EXISTS store_schema_version (
      version INTEGER NOT NULL, applied_at BIGINT NOT NULL)`);
    const r = await c.query<{ v: number | null }>("SELECT max(version) AS v FROM store_schema_version");
    const current = r.rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length) {
      throw newerSchema(current, MIGRATIONS.length);
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await c.query(MIGRATIONS[v - 1] as string);
      await c.query("INSERT INTO store_schema_version (version, applied_at) VALUES ($1, $2)", [
        v,
        Date.now(),
      ]);
    }
    await c.query("COMMIT");
  } catch (error) {
    await c.query("ROLLBACK");
    throw error;
  }
  return MIGRATIONS.length;
}
