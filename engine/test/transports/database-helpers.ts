/**
 * Real databases for the database connector tests: PostgreSQL (a schema of its own per fixture in
 * the `test` database) and MariaDB (a database of its own per fixture), both dropped at cleanup.
 * Tables are named through `t(name)` so one test body serves both dialects.
 */
import { randomBytes } from "node:crypto";
import { mariadbService, mysqlUrl, postgresUrl, useService } from "@messagefoundry/test-services";
import mysql from "mysql2/promise";
import pg from "pg";

export type TestDialect = "postgres" | "mysql";
export const DIALECTS: readonly TestDialect[] = ["postgres", "mysql"];

export interface DbFixture {
  dialect: TestDialect;
  /** host / port / database / user of the server: the connection settings a connector needs. */
  settings: {
    dialect: TestDialect;
    host: string;
    port: number;
    database: string;
    user: string;
    password?: string;
  };
  /** The server's password, when it has one (the machine's servers let the test user in without). */
  password?: string;
  /** `src` → a qualified name in this fixture's own schema/database. */
  t(name: string): string;
  /** Runs SQL (no params) and returns the rows. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** A second session, for holding locks. */
  session(): Promise<{ query(sql: string): Promise<unknown>; close(): Promise<void> }>;
  cleanup(): Promise<void>;
}

/** Call from a `before` hook (a first run may install MariaDB). */
export async function provideDatabases(): Promise<void> {
  await useService(mariadbService);
}

export async function dbFixture(dialect: TestDialect): Promise<DbFixture> {
  const id = `mf_db_${randomBytes(4).toString("hex")}`;
  if (dialect === "postgres") {
    const url = new URL(postgresUrl());
    const pool = new pg.Pool({ connectionString: url.href, max: 4 });
    pool.on("error", () => undefined);
    await pool.query(`CREATE SCHEMA ${id}`);
    return {
      dialect,
      settings: {
        dialect,
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1) || "test",
        user: decodeURIComponent(url.username || "postgres"),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      },
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      t: (name) => `${id}.${name}`,
      query: async (sql, params) => (await pool.query(sql, params)).rows,
      async session() {
        const c = await pool.connect();
        return {
          query: (sql: string) => c.query(sql),
          close: async () => c.release(),
        };
      },
      async cleanup() {
        await pool.query(`DROP SCHEMA ${id} CASCADE`);
        await pool.end();
      },
    };
  }
  const url = new URL(mysqlUrl());
  const admin = mysql.createPool({ uri: url.href, connectionLimit: 4, dateStrings: true });
  await admin.query(`CREATE DATABASE ${id}`);
  return {
    dialect,
    settings: {
      dialect,
      host: url.hostname,
      port: Number(url.port || 3306),
      database: id,
      user: decodeURIComponent(url.username || "root"),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    },
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    t: (name) => `${id}.${name}`,
    query: async <R>(sql: string, params?: unknown[]) => {
      const [rows] = await admin.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as R[];
    },
    async session() {
      const c = await admin.getConnection();
      return {
        query: (sql: string) => c.query(sql),
        close: async () => c.release(),
      };
    },
    async cleanup() {
      await admin.query(`DROP DATABASE ${id}`);
      await admin.end();
    },
  };
}

/** Column type for an auto-increment key in each dialect. */
export function serial(dialect: TestDialect): string {
  return dialect === "postgres" ? "BIGSERIAL PRIMARY KEY" : "BIGINT AUTO_INCREMENT PRIMARY KEY";
}
