/**
 * Config version metadata in the runtime database: one row per activation (boot of a changed config
 * dir, promote, rollback) — version id, content hash, who and when. The configuration itself never
 * lives in the database; each version's files are kept on disk beside it.
 */
import type Database from "better-sqlite3";

export interface VersionRow {
  versionId: string;
  contentHash: string;
  /** `boot` (a changed --config dir at start), `promote` or `rollback`. */
  source: "boot" | "promote" | "rollback";
  promotedBy: string;
  promotedAt: number;
  rolledBackFrom: string | null;
}

interface DbRow {
  seq: number;
  content_hash: string;
  source: VersionRow["source"];
  actor: string;
  at: number;
  rolled_back_from: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runtime_config_versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  content_hash TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('boot', 'promote', 'rollback')),
  actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  rolled_back_from TEXT
);
CREATE TABLE IF NOT EXISTS runtime_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const toRow = (r: DbRow): VersionRow => ({
  versionId: `v${r.seq}`,
  contentHash: r.content_hash,
  source: r.source,
  promotedBy: r.actor,
  promotedAt: r.at,
  rolledBackFrom: r.rolled_back_from,
});

export class VersionsTable {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(SCHEMA);
  }

  /** The version running now (the newest activation). */
  active(): VersionRow | undefined {
    const r = this.#db.prepare("SELECT * FROM runtime_config_versions ORDER BY seq DESC LIMIT 1").get() as
      | DbRow
      | undefined;
    return r ? toRow(r) : undefined;
  }

  get(versionId: string): VersionRow | undefined {
    const m = /^v(\d{1,15})$/.exec(versionId);
    if (!m) return undefined;
    const r = this.#db.prepare("SELECT * FROM runtime_config_versions WHERE seq = ?").get(Number(m[1])) as
      | DbRow
      | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Newest first. */
  history(limit = 200): VersionRow[] {
    const rows = this.#db
      .prepare("SELECT * FROM runtime_config_versions ORDER BY seq DESC LIMIT ?")
      .all(limit) as DbRow[];
    return rows.map(toRow);
  }

  /** Records an activation; `write` puts the version's files in place inside the same transaction. */
  add(v: Omit<VersionRow, "versionId">, write: (versionId: string) => void = () => {}): VersionRow {
    return this.#db.transaction(() => {
      const info = this.#db
        .prepare(
          "INSERT INTO runtime_config_versions (content_hash, source, actor, at, rolled_back_from) VALUES (?, ?, ?, ?, ?)",
        )
        .run(v.contentHash, v.source, v.promotedBy, v.promotedAt, v.rolledBackFrom);
      const row = { ...v, versionId: `v${Number(info.lastInsertRowid)}` };
      write(row.versionId);
      return row;
    })();
  }

  getValue(key: string): string | undefined {
    const r = this.#db.prepare("SELECT value FROM runtime_kv WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return r?.value;
  }

  setValue(key: string, value: string): void {
    this.#db
      .prepare(
        "INSERT INTO runtime_kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }
}
