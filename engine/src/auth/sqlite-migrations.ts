/**
 * Versioned schema of the auth tables. They live in the message store's SQLite file, so
 * every name carries the `auth_` prefix and the version is tracked in our own table.
 * Migrations only ever append; a released one is never edited.
 */
import type BetterSqlite3 from "better-sqlite3";
import { GENESIS_HASH } from "./audit-chain.js";
import { AuthError } from "./errors.js";

const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE auth_users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        mfa_secret TEXT,
        mfa_last_step INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        password_changed_at INTEGER NOT NULL,
        last_login_at INTEGER
      );
      CREATE TABLE auth_sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES auth_users(id),
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        last_auth_at INTEGER NOT NULL,
        client TEXT
      ) WITHOUT ROWID;
      CREATE INDEX auth_sessions_user ON auth_sessions(user_id);
      CREATE TABLE auth_throttle (
        key TEXT PRIMARY KEY,
        window_start INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        locked_until INTEGER
      ) WITHOUT ROWID;
      CREATE TABLE auth_audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX auth_audit_actor ON auth_audit(actor, seq);
      CREATE INDEX auth_audit_action ON auth_audit(action, seq);
      CREATE TRIGGER auth_audit_no_update BEFORE UPDATE ON auth_audit
        BEGIN SELECT RAISE(ABORT, 'auth_audit is append-only'); END;
      CREATE TRIGGER auth_audit_no_delete BEFORE DELETE ON auth_audit
        BEGIN SELECT RAISE(ABORT, 'auth_audit is append-only'); END;
      CREATE TABLE auth_audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
      );
      INSERT INTO auth_audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
      CREATE TRIGGER auth_audit_head_forward BEFORE UPDATE ON auth_audit_head
        WHEN NEW.seq <> OLD.seq + 1
        BEGIN SELECT RAISE(ABORT, 'auth_audit_head only moves forward one entry at a time'); END;
      CREATE TRIGGER auth_audit_head_no_delete BEFORE DELETE ON auth_audit_head
        BEGIN SELECT RAISE(ABORT, 'auth_audit_head cannot be deleted'); END;
    `,
  },
  {
    // Throttle counters per (address, name), per address and global, with backoff and aggregated audit.
    version: 2,
    sql: `
      DELETE FROM auth_throttle;
      ALTER TABLE auth_throttle ADD COLUMN locks INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE auth_throttle ADD COLUMN audited INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE auth_throttle ADD COLUMN unaudited INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

export const AUTH_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings the auth tables up to {@link AUTH_SCHEMA_VERSION}; a no-op when they are current.
 * One IMMEDIATE transaction, so an engine and a CLI starting together cannot both migrate.
 */
/** The applied auth schema version, or 0; undefined when the version table does not exist yet. */
function appliedVersion(db: BetterSqlite3.Database): number | undefined {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'auth_schema_version'")
    .get();
  if (!table) return undefined;
  const row = db.prepare("SELECT MAX(version) AS v FROM auth_schema_version").get() as { v: number | null };
  return row.v ?? 0;
}

export function migrateAuthSchema(db: BetterSqlite3.Database): void {
  // Up to date: a plain read, so opening the tables (e.g. `audit verify`) takes no write lock.
  if (appliedVersion(db) === AUTH_SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(
      "CREATE TABLE IF NOT EXISTS auth_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    );
    const row = db.prepare("SELECT MAX(version) AS v FROM auth_schema_version").get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > AUTH_SCHEMA_VERSION) {
      throw new AuthError(
        "AUTH_SCHEMA_TOO_NEW",
        `the database's auth schema is version ${current}, newer than this engine's ${AUTH_SCHEMA_VERSION}; upgrade the engine`,
      );
    }
    const record = db.prepare("INSERT INTO auth_schema_version (version, applied_at) VALUES (?, ?)");
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, new Date().toISOString());
    }
  }).immediate();
}
