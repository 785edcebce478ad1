/**
 * {@link AuthRepository} on PostgreSQL: the same `auth_*` tables and the same units of work as on
 * SQLite (auth-ops.ts), over a small pool of its own (auth traffic is tiny; this keeps auth free of
 * the store's driver choice). Writes serialize on a transaction-scoped advisory lock per schema, as
 * SQLite's IMMEDIATE transactions do, across engine processes too; the audit head row is also read
 * `FOR UPDATE`, so two appends can never seal onto the same head.
 */
import pg from "pg";
import { type PgConnectionOptions, pgPoolConfig, pgSchema } from "../store/pg-connection.js";
import { SqlAuthOps } from "./auth-ops.js";
import { AUTH_MIGRATIONS, AUTH_VERSION_TABLE, migrateAuth } from "./migrations.js";
import type { AuthOps, AuthRepository } from "./repository.js";
import { UNSEALED } from "./secret-seal.js";
import { ensurePgSchema, isCurrent, PgRunner, type Work } from "./sql-work.js";
import type { AuthRepositoryOptions } from "./sqlite-repository.js";

export class PgAuthRepository implements AuthRepository {
  readonly dialect = "postgres";
  readonly #runner: PgRunner;
  readonly #ops: AuthOps;

  private constructor(runner: PgRunner, ops: AuthOps) {
    this.#runner = runner;
    this.#ops = ops;
  }

  /** Opens a pool (2 connections), creates the schema when missing and migrates the auth tables. */
  static async open(conn: PgConnectionOptions, opts: AuthRepositoryOptions = {}): Promise<PgAuthRepository> {
    const schema = pgSchema(conn);
    const pool = new pg.Pool(pgPoolConfig({ ...conn, poolSize: 2 }));
    // An idle client's error (the server restarted) must not crash the engine; the next query reconnects.
    pool.on("error", () => undefined);
    try {
      await ensurePgSchema(pool, schema);
      const runner = new PgRunner(pool, `${schema}:auth`);
      // Up to date: a plain read, so opening the tables (`audit verify`) never waits for a busy engine.
      if (!(await runner.read(() => isCurrent("postgres", AUTH_VERSION_TABLE, AUTH_MIGRATIONS.postgres))))
        await runner.write(() => migrateAuth("postgres"));
      return new PgAuthRepository(runner, new SqlAuthOps("postgres", opts.sealer ?? UNSEALED));
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  transaction<T>(body: (tx: AuthOps) => Work<T>): Promise<T> {
    return this.#runner.write(() => body(this.#ops));
  }

  readTransaction<T>(body: (tx: AuthOps) => Work<T>): Promise<T> {
    return this.#runner.read(() => body(this.#ops));
  }

  close(): Promise<void> {
    return this.#runner.pool.end();
  }
}
