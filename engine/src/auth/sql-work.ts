/**
 * Units of work over SQL, written once for SQLite and PostgreSQL. A unit is a generator that yields
 * statements ({@link SqlStep}) and receives their results; a runner executes them in one transaction.
 *
 * Why generators and not async functions: on SQLite the auth and version tables share the message
 * store's better-sqlite3 connection. An async transaction body would leave the transaction open
 * across awaits, and the store's own statements on that connection would slip into it (and be
 * rolled back with it). Driven by {@link SqliteRunner} a unit runs to completion synchronously inside
 * one IMMEDIATE transaction; driven by {@link PgRunner} the same unit runs on one pooled client inside
 * BEGIN … COMMIT, awaiting each statement. The bodies hold the logic; the runners hold no logic.
 */
import type BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { checkOut } from "../store/pg-connection.js";

export type Dialect = "sqlite" | "postgres";

/** One statement: `rows` returns the result rows, `changes` the affected-row count, `script` runs DDL. */
export interface SqlStep {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly mode: "rows" | "changes" | "script";
}

export type Work<T> = Generator<SqlStep, T, unknown>;

/** The rows of one statement (`?` placeholders on both dialects). */
export function* rows<R>(sql: string, ...params: unknown[]): Work<R[]> {
  return (yield { sql, params, mode: "rows" }) as R[];
}

/** The first row, or undefined. */
export function* row<R>(sql: string, ...params: unknown[]): Work<R | undefined> {
  return (yield* rows<R>(sql, ...params))[0];
}

/** Runs a write; returns the number of rows it changed. */
export function* changes(sql: string, ...params: unknown[]): Work<number> {
  return (yield { sql, params, mode: "changes" }) as number;
}

/** Runs one or more DDL statements without parameters. */
export function* script(sql: string): Work<void> {
  yield { sql, params: [], mode: "script" };
}

/** Executes a unit of work's statements; both implementations run each unit in one transaction. */
export interface SqlRunner {
  readonly dialect: Dialect;
  /** Runs `work` in a transaction that serializes with every other write of this component. */
  write<T>(work: () => Work<T>): Promise<T>;
  /** Runs read-only `work` over one consistent snapshot without blocking writers. */
  read<T>(work: () => Work<T>): Promise<T>;
}

function driveSync<T>(work: Work<T>, exec: (step: SqlStep) => unknown): T {
  let next = work.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = exec(next.value);
    } catch (error) {
      next = work.throw(error);
      continue;
    }
    next = work.next(result);
  }
  return next.value;
}

async function driveAsync<T>(work: Work<T>, exec: (step: SqlStep) => Promise<unknown>): Promise<T> {
  let next = work.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await exec(next.value);
    } catch (error) {
      next = work.throw(error);
      continue;
    }
    next = work.next(result);
  }
  return next.value;
}

/** Units of work on a better-sqlite3 handle owned by the caller (normally the message store's). */
export class SqliteRunner implements SqlRunner {
  readonly dialect = "sqlite";
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  #exec = (step: SqlStep): unknown => {
    if (step.mode === "script") return this.#db.exec(step.sql);
    let stmt = this.#statements.get(step.sql);
    if (!stmt) {
      stmt = this.#db.prepare(step.sql);
      this.#statements.set(step.sql, stmt);
    }
    if (step.mode === "changes") return stmt.run(...step.params).changes;
    // A write without RETURNING returns no rows.
    if (!stmt.reader) {
      stmt.run(...step.params);
      return [];
    }
    return stmt.all(...step.params);
  };

  /** Synchronous form of {@link write}, for callers that are themselves synchronous (schema at open). */
  writeSync<T>(work: () => Work<T>): T {
    // IMMEDIATE takes the write lock up front: a CLI and the engine writing the same file then queue
    // on busy_timeout instead of failing a read→write upgrade.
    return this.#db.transaction(() => driveSync(work(), this.#exec)).immediate();
  }

  readSync<T>(work: () => Work<T>): T {
    // DEFERRED: under WAL the first read pins a snapshot and no lock is taken on the shared file.
    return this.#db.transaction(() => driveSync(work(), this.#exec)).deferred();
  }

  write<T>(work: () => Work<T>): Promise<T> {
    return settle(() => this.writeSync(work));
  }

  read<T>(work: () => Work<T>): Promise<T> {
    return settle(() => this.readSync(work));
  }
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

const INT8_OID = 20;
/** BIGINT (epoch ms, ids, counts) as a JS number, as better-sqlite3 returns it. */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** `?` placeholders → `$1…$n` (the statements here never contain a literal `?`). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Units of work on a node-postgres pool. Writes take a transaction-scoped advisory lock named after
 * the schema and component, so they serialize across transactions and across engine processes as
 * SQLite's IMMEDIATE transactions do (the traffic is tiny: logins, admin changes, activations).
 */
export class PgRunner implements SqlRunner {
  readonly dialect = "postgres";
  readonly pool: pg.Pool;
  readonly #lockName: string;

  constructor(pool: pg.Pool, lockName: string) {
    this.pool = pool;
    this.#lockName = lockName;
  }

  static exec(client: pg.PoolClient, step: SqlStep): Promise<unknown> {
    if (step.mode === "script") return client.query(step.sql);
    return client
      .query({ text: numbered(step.sql), values: step.params as unknown[], types: PG_TYPES })
      .then((r) => (step.mode === "rows" ? r.rows : (r.rowCount ?? 0)));
  }

  async #run<T>(begin: string, work: () => Work<T>, lock: boolean): Promise<T> {
    const client = await checkOut(this.pool);
    let broken = false;
    try {
      await client.query(begin);
      try {
        if (lock) await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#lockName]);
        const result = await driveAsync(work(), (step) => PgRunner.exec(client, step));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {
          broken = true;
        });
        throw error;
      }
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  write<T>(work: () => Work<T>): Promise<T> {
    return this.#run("BEGIN", work, true);
  }

  read<T>(work: () => Work<T>): Promise<T> {
    return this.#run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work, false);
  }
}

export interface Migration {
  version: number;
  sql: string;
}

/** The applied version in `table`, or undefined when the table does not exist yet. */
function* appliedVersion(dialect: Dialect, table: string): Work<number | undefined> {
  const exists = yield* row<{ n: number }>(
    dialect === "sqlite"
      ? "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?"
      : "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?",
    table,
  );
  if (!exists?.n) return undefined;
  return (yield* row<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${table}`))?.v ?? 0;
}

/**
 * Brings a component's tables up to its newest migration, recording each in `table`
 * (version, applied_at); refuses a database newer than this engine. Migrations only ever append.
 */
export function* migrate(
  dialect: Dialect,
  table: string,
  migrations: readonly Migration[],
  tooNew: (current: number, latest: number) => Error,
): Work<void> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  yield* script(
    `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`,
  );
  const current = (yield* appliedVersion(dialect, table)) ?? 0;
  if (current > latest) throw tooNew(current, latest);
  for (const m of migrations) {
    if (m.version <= current) continue;
    yield* script(m.sql);
    yield* changes(
      `INSERT INTO ${table} (version, applied_at) VALUES (?, ?)`,
      m.version,
      new Date().toISOString(),
    );
  }
}

/** Whether `table` already records `latest` (a plain read: opening current tables takes no write lock). */
export function* isCurrent(dialect: Dialect, table: string, migrations: readonly Migration[]): Work<boolean> {
  return (yield* appliedVersion(dialect, table)) === (migrations[migrations.length - 1]?.version ?? 0);
}

/** Creates the schema the pool's search_path names when it is missing (tolerates a concurrent create). */
export async function ensurePgSchema(pool: pg.Pool, schema: string): Promise<void> {
  // Looked up first: CREATE SCHEMA needs the CREATE privilege on the database even when the schema
  // exists, which an engine's role given only its own schema does not have.
  const found = await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  if (found.rowCount) return;
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // 23505 / 42P06: another process created it at the same moment.
    if (code !== "23505" && code !== "42P06") throw error;
  }
}
