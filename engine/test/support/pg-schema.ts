/** PostgreSQL fixtures of the PostgreSQL suites: a fresh schema per test (dropped after), a raw client on it. */
import { randomBytes } from "node:crypto";
import { postgresUrl } from "@messagefoundry/test-services";
import pg from "pg";

export interface TestSchema {
  /** The schema's name (`mf_test_…`). */
  name: string;
  /** The server's URL. */
  url: string;
  /** A client whose search_path is the schema. */
  client: pg.Client;
  drop(): Promise<void>;
}

/** A fresh schema on `url` (default: the tests' PostgreSQL, `postgresUrl()`). */
export async function testSchema(prefix = "mf_pgops", url = postgresUrl()): Promise<TestSchema> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${name}` });
  client.on("error", () => undefined); // a test may restart the server under it
  await client.connect();
  await client.query(`CREATE SCHEMA ${name}`);
  return {
    name,
    url,
    client,
    async drop() {
      await client.end().catch(() => undefined);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** `url` with its host and port replaced (to go through a fault proxy). */
export function viaHost(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}

/** host, port, user, database and password of a postgres:// URL (for an engine.toml and PGPASSWORD). */
export function urlParts(url: string): {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
} {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || "postgres"),
    database: decodeURIComponent(u.pathname.replace(/^\//, "") || "postgres"),
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}
