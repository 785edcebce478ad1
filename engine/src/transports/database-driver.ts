/**
 * One face over node-postgres (`pg`) and `mysql2`: a pool, a query, and a transaction on one
 * connection. A connection whose ROLLBACK failed is destroyed, never handed out again.
 */
import { checkServerIdentity } from "node:tls";
import mysql from "mysql2/promise";
import pg from "pg";
import { checkOut } from "../store/pg-connection.js";
import type { Dialect } from "./database-sql.js";
import { loadClientTls, type TlsClientSettings } from "./tls.js";

export interface DbConnectionSettings {
  dialect: Dialect;
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  tls?: TlsClientSettings;
  /** Most connections the pool opens. */
  poolSize: number;
  connectTimeoutMs: number;
}

export interface DbResult {
  /** Rows a query returned (a procedure call: its first result set). */
  rows: Record<string, unknown>[];
  /** Rows changed (INSERT/UPDATE/DELETE) or returned. */
  rowCount: number;
}

export interface DbSession {
  query(sql: string, params: readonly unknown[]): Promise<DbResult>;
}

export interface DbDriver extends DbSession {
  /** Runs `body` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(body: (s: DbSession) => Promise<T>): Promise<T>;
  end(): Promise<void>;
}

export async function openDriver(s: DbConnectionSettings): Promise<DbDriver> {
  const ssl = s.tls ? await loadClientTls(s.tls) : undefined;
  return s.dialect === "postgres" ? pgDriver(s, ssl) : mysqlDriver(s, ssl);
}

type Ssl = Awaited<ReturnType<typeof loadClientTls>>;

function pgDriver(s: DbConnectionSettings, ssl: Ssl | undefined): DbDriver {
  const pool = new pg.Pool({
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: s.password,
    ssl: ssl && pgSsl(ssl),
    max: s.poolSize,
    connectionTimeoutMillis: s.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that dies emits 'error' on the pool; without a listener it would crash the process.
  pool.on("error", () => undefined);
  const run = async (c: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[]) => {
    const r = await c.query(sql, params as unknown[]);
    return { rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? r.rows.length };
  };
  return {
    query: (sql, params) => run(pool, sql, params),
    async transaction(body) {
      const c = await checkOut(pool);
      let broken: Error | undefined;
      try {
        await c.query("BEGIN");
        const result = await body({ query: (sql, params) => run(c, sql, params) });
        await c.query("COMMIT");
        return result;
      } catch (err) {
        await c.query("ROLLBACK").catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
        });
        throw err;
      } finally {
        c.release(broken);
      }
    },
    end: () => pool.end(),
  };
}

/**
 * node-postgres overwrites `servername` with the host name (it keeps it only for an IP address), so a
 * configured `tls.servername` would be ignored: the certificate is checked against it explicitly instead.
 */
function pgSsl(ssl: Ssl): Ssl & { checkServerIdentity?: typeof checkServerIdentity } {
  const name = ssl.servername;
  return name === undefined
    ? ssl
    : { ...ssl, checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert) };
}

function mysqlDriver(s: DbConnectionSettings, ssl: Ssl | undefined): DbDriver {
  const pool = mysql.createPool({
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: s.password,
    // mysql2 checks the certificate's name only with verifyIdentity (against `host`; it has no servername).
    // The driver's own type for ssl is a subset of node's TLS options; the fields we set are in both.
    ssl: ssl && ({ ...ssl, verifyIdentity: ssl.rejectUnauthorized !== false } as mysql.SslOptions),
    connectionLimit: s.poolSize,
    connectTimeout: s.connectTimeoutMs,
    // Dates as the server writes them: a DATETIME mark round-trips exactly, with no time zone shift.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
  });
  pool.pool.on("connection", (c) => c.on("error", () => undefined));
  const run = async (
    c: mysql.Pool | mysql.PoolConnection,
    sql: string,
    params: readonly unknown[],
  ): Promise<DbResult> => {
    const [result] = await c.query(sql, params as unknown[]);
    return toResult(result);
  };
  return {
    query: (sql, params) => run(pool, sql, params),
    async transaction(body) {
      const c = await pool.getConnection();
      let broken = false;
      try {
        await c.beginTransaction();
        const result = await body({ query: (sql, params) => run(c, sql, params) });
        await c.commit();
        return result;
      } catch (err) {
        await c.rollback().catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        if (broken) c.destroy();
        else c.release();
      }
    },
    end: () => pool.end(),
  };
}

/** mysql2 answers rows, a ResultSetHeader, or (CALL) an array of result sets ending in a header. */
function toResult(result: unknown): DbResult {
  if (!Array.isArray(result))
    return { rows: [], rowCount: (result as { affectedRows?: number }).affectedRows ?? 0 };
  const rows = (Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
  return { rows, rowCount: rows.length };
}
