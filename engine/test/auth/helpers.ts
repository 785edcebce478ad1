/**
 * Shared fixtures: auth on a real SQLite file in a temp dir or on the machine's real PostgreSQL in a
 * fresh schema, a hand-driven clock, cheap argon2 cost.
 */

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postgresUrl } from "@messagefoundry/test-services";
import Database from "better-sqlite3";
import { TOTP } from "otpauth";
import pg from "pg";
import {
  type AuthPolicy,
  type AuthRepository,
  AuthService,
  type AuthServiceOptions,
  PgAuthRepository,
  PgRunner,
  type Role,
  rows,
  SqliteAuthRepository,
  SqliteRunner,
  type SqlRunner,
  UserAdmin,
} from "../../src/auth/index.js";
import { type PgConnectionOptions, pgPoolConfig } from "../../src/store/index.js";

/** Still argon2id, just cheap enough for dozens of hashes per test file. */
export const CHEAP_HASH: AuthPolicy["hash"] = { memoryCost: 4096, timeCost: 1, parallelism: 1 };

export const PASSWORD = "correct-horse-battery";

export class Clock {
  t = Date.UTC(2026, 0, 15, 9, 0, 0);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export type Backend = "sqlite" | "postgres";
/** Every auth suite runs on both: SQLite (a real file) and the machine's real PostgreSQL (a schema per test). */
export const BACKENDS: readonly Backend[] = ["sqlite", "postgres"];

export interface Fixture {
  backend: Backend;
  repo: AuthRepository;
  clock: Clock;
  auth: AuthService;
  users: UserAdmin;
  /** Raw SQL on the fixture's database (`?` placeholders; the same text runs on both backends). */
  sql<R = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<R[]>;
  /** The first column of the first row. */
  scalar(text: string, ...params: unknown[]): Promise<unknown>;
  /** What an attacker with write access to the database does first: drop the append-only guards. */
  dropGuards(): Promise<void>;
  /** Holds the auth write lock in an open write transaction (as a busy engine does) until released. */
  holdWriteLock(): Promise<() => Promise<void>>;
  /** A second, independent repository on the same database (another process, the CLI). */
  another(): Promise<AuthRepository>;
  /** SQLite only: the file and the engine's connection. */
  sqlite?: { file: string; db: Database.Database };
  cleanup(): Promise<void>;
}

export function tempDb(): { dir: string; file: string; db: Database.Database; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "mf-auth-"));
  const file = join(dir, "store.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  return {
    dir,
    file,
    db,
    cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, empty PostgreSQL schema and its connection settings; `drop` removes it. */
export async function tempSchema(): Promise<{
  conn: PgConnectionOptions;
  pool: pg.Pool;
  drop(): Promise<void>;
}> {
  const schema = `mf_auth_${randomBytes(6).toString("hex")}`;
  const conn: PgConnectionOptions = { connectionString: postgresUrl(), schema };
  const admin = new pg.Pool({ connectionString: postgresUrl(), max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool(pgPoolConfig(conn, 2));
  return {
    conn,
    pool,
    async drop() {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** Auth over a fresh database of `backend`, a hand-driven clock and a cheap argon2 cost. */
export async function setup(
  backend: Backend,
  policy: Partial<AuthPolicy> = {},
  extra: Pick<AuthServiceOptions, "directory"> = {},
): Promise<Fixture> {
  const clock = new Clock();
  const full = { hash: CHEAP_HASH, ...policy };
  const services = (repo: AuthRepository) => ({
    repo,
    clock,
    auth: new AuthService(repo, { policy: full, now: clock.now, ...extra }),
    users: new UserAdmin(repo, { policy: full, now: clock.now }),
  });
  const raw = (runner: SqlRunner) => ({
    sql: <R>(text: string, ...params: unknown[]) => runner.write(() => rows<R>(text, ...params)),
    async scalar(text: string, ...params: unknown[]) {
      const [first] = await runner.write(() => rows<Record<string, unknown>>(text, ...params));
      return first ? Object.values(first)[0] : undefined;
    },
  });
  if (backend === "sqlite") {
    const t = tempDb();
    const opened: Database.Database[] = [];
    return {
      backend,
      ...services(new SqliteAuthRepository(t.db)),
      ...raw(new SqliteRunner(t.db)),
      dropGuards: async () => {
        t.db.exec("DROP TRIGGER auth_audit_no_update; DROP TRIGGER auth_audit_no_delete;");
      },
      async holdWriteLock() {
        t.db.exec("BEGIN IMMEDIATE");
        t.db.prepare("DELETE FROM auth_throttle").run();
        return async () => void t.db.exec("ROLLBACK");
      },
      async another() {
        // timeout 0: a read that waited for the write lock would fail at once instead of hanging.
        const other = new Database(t.file, { timeout: 0 });
        opened.push(other);
        return new SqliteAuthRepository(other);
      },
      sqlite: { file: t.file, db: t.db },
      async cleanup() {
        for (const db of opened) db.close();
        t.cleanup();
      },
    };
  }
  const t = await tempSchema();
  const repo = await PgAuthRepository.open(t.conn);
  const others: AuthRepository[] = [repo];
  return {
    backend,
    ...services(repo),
    ...raw(new PgRunner(t.pool, `${t.conn.schema}:test`)),
    dropGuards: async () => void (await t.pool.query("DROP TRIGGER auth_audit_no_change ON auth_audit")),
    async holdWriteLock() {
      const client = await t.pool.connect();
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`${t.conn.schema}:auth`]);
      await client.query("DELETE FROM auth_throttle");
      return async () => {
        await client.query("ROLLBACK");
        client.release();
      };
    },
    async another() {
      const other = await PgAuthRepository.open(t.conn);
      others.push(other);
      return other;
    },
    async cleanup() {
      for (const r of others) await r.close();
      await t.drop();
    },
  };
}

export async function addUser(f: Fixture, name: string, role: Role, password = PASSWORD): Promise<void> {
  await f.users.add("test-setup", name, role, password);
}

/** The code an authenticator app would show at `at` (ms), from the enrolment's base32 secret. */
export function totpAt(secret: string, at: number): string {
  return new TOTP({ secret, period: 30, digits: 6, algorithm: "SHA1" }).generate({ timestamp: at });
}

/** Asserts that `fn` rejects/throws an AuthError with `code`. */
export async function rejectsWith(fn: () => unknown, code: string): Promise<void> {
  const { rejects } = await import("node:assert/strict");
  await rejects(
    async () => fn(),
    (err: unknown) => {
      if ((err as { code?: unknown }).code !== code) {
        throw new Error(
          `expected ${code}, got ${(err as Error).name}: ${(err as { code?: string }).code} ${(err as Error).message}`,
        );
      }
      return true;
    },
  );
}
