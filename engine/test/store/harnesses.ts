/** Opens each Store implementation on a fresh, real database for the shared suites. */
import { randomBytes } from "node:crypto";
import { postgresUrl } from "@messagefoundry/test-services";
import Database from "better-sqlite3";
import pg from "pg";
import { aesGcmCodec, makeStoreKey, openPgStore, type PgStore } from "../../src/store/index.js";
import type { StoreHarness } from "./contract.js";
import { tempStore } from "./helpers.js";

export async function sqliteHarness(): Promise<StoreHarness> {
  const t = tempStore();
  let reader: Database.Database | undefined;
  return {
    get store() {
      return t.store;
    },
    async reopen() {
      return t.reopen();
    },
    async query(sql: string, ...args: (string | number)[]) {
      reader ??= new Database(t.path, { readonly: true });
      return reader.prepare(sql).all(...args) as Record<string, unknown>[];
    },
    async exec(sql: string, ...args: (string | number | Buffer)[]) {
      const writer = new Database(t.path);
      try {
        writer.prepare(sql).run(...args);
      } finally {
        writer.close();
      }
    },
    async cleanup() {
      reader?.close();
      await t.cleanup();
    },
  };
}

/** A fresh schema per test, dropped afterwards. */
export async function pgHarness(): Promise<StoreHarness> {
  const schema = `mf_test_${randomBytes(6).toString("hex")}`;
  const codec = aesGcmCodec(makeStoreKey(randomBytes(32)));
  const url = postgresUrl();
  const open = () => openPgStore({ connectionString: url, schema, codec });
  let store: PgStore = await open();
  const reader = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await reader.connect();
  return {
    get store() {
      return store;
    },
    async reopen() {
      // A crash: the pool goes away without completing anything in flight.
      await store.pool.end();
      store = await open();
      return store;
    },
    async query(sql: string, ...args: (string | number)[]) {
      let i = 0;
      const r = await reader.query(
        sql.replace(/\?/g, () => `$${++i}`),
        args,
      );
      return r.rows;
    },
    async exec(sql: string, ...args: (string | number | Buffer)[]) {
      let i = 0;
      await reader.query(
        sql.replace(/\?/g, () => `$${++i}`),
        args,
      );
    },
    async cleanup() {
      await store.close().catch(() => undefined);
      await reader.query(`DROP SCHEMA ${schema} CASCADE`);
      await reader.end();
    },
  };
}

/** Every dialect with its harness: suites that must hold on both run once per entry. */
export const DIALECTS = [
  ["sqlite", sqliteHarness],
  ["postgres", pgHarness],
] as const;
