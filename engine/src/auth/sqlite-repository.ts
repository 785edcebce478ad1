/**
 * {@link AuthRepository} over a better-sqlite3 handle owned by the caller (normally the message
 * store's). Creates/migrates the `auth_*` tables on construction; never closes the handle and never
 * changes connection-wide pragmas. Each unit of work runs synchronously in one transaction on the
 * shared handle, so the store's statements cannot slip into it (see sql-work.ts).
 */
import type BetterSqlite3 from "better-sqlite3";
import { SqlAuthOps } from "./auth-ops.js";
import { AUTH_MIGRATIONS, AUTH_VERSION_TABLE, migrateAuth } from "./migrations.js";
import type { AuthOps, AuthRepository } from "./repository.js";
import { type SecretSealer, UNSEALED } from "./secret-seal.js";
import { isCurrent, SqliteRunner, type Work } from "./sql-work.js";

export interface AuthRepositoryOptions {
  /** Seals TOTP secrets at rest (the store key); default: unsealed (no store key). */
  sealer?: SecretSealer;
}

export class SqliteAuthRepository implements AuthRepository {
  readonly dialect = "sqlite";
  readonly #runner: SqliteRunner;
  readonly #ops: AuthOps;

  constructor(db: BetterSqlite3.Database, opts: AuthRepositoryOptions = {}) {
    this.#runner = new SqliteRunner(db);
    this.#ops = new SqlAuthOps("sqlite", opts.sealer ?? UNSEALED);
    // Up to date: a plain read, so opening the tables (e.g. `audit verify`) takes no write lock.
    if (!this.#runner.readSync(() => isCurrent("sqlite", AUTH_VERSION_TABLE, AUTH_MIGRATIONS.sqlite))) {
      this.#runner.writeSync(() => migrateAuth("sqlite"));
    }
  }

  transaction<T>(body: (tx: AuthOps) => Work<T>): Promise<T> {
    return this.#runner.write(() => body(this.#ops));
  }

  readTransaction<T>(body: (tx: AuthOps) => Work<T>): Promise<T> {
    return this.#runner.read(() => body(this.#ops));
  }

  async close(): Promise<void> {
    // The handle is the caller's.
  }
}
