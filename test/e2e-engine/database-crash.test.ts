/**
 * kill -9 of `messagefoundry serve` with a database source (PostgreSQL): a row is marked as processed
 * (or the high-water mark passes it) only after its message is committed to the store, and a crash
 * between the two loses nothing — the row is read again after the restart (at-least-once).
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postgresUrl } from "@messagefoundry/test-services";
import pg from "pg";
import {
  aesGcmCodec,
  FINAL_DISPOSITIONS,
  openSqliteStore,
  parseStoreKey,
} from "../../engine/src/store/index.js";
import { until } from "../../engine/test/support/fixtures.js";
import { serve } from "./serve.js";

/** `withPassword`: the server wants one (the tests' own PostgreSQL does; a trust-auth machine server does not). */
function routes(schema: string, mode: "processed" | "mark", withPassword: boolean): string {
  const source =
    mode === "processed"
      ? `query: "SELECT id, mrn FROM ${schema}.outbox WHERE done = 0 ORDER BY id LIMIT 100", markProcessed: "UPDATE ${schema}.outbox SET done = 1 WHERE id = :id"`
      : `query: "SELECT id, mrn FROM ${schema}.outbox WHERE id > :mark ORDER BY id LIMIT 100", markColumn: "id", markStart: "0"`;
  return `
import { database, dbStatement, env, handler, inbound, outbound, router, send } from "messagefoundry";
const conn = { host: env("db_host"), port: env("db_port", "int"), database: env("db_name"), user: env("db_user")${withPassword ? ', password: env("db_password")' : ""} };
inbound("IB_CRASH_DB", database({ ...conn, ${source}, pollIntervalMs: 20 }), { router: "crash_router", contentType: "json" });
outbound("OB_CRASH_DB", database({ ...conn, statements: {
  copy: "INSERT INTO ${schema}.inbox (src_id, mrn) VALUES (:id, :mrn)",
} }), { retry: { attempts: 1000, baseMs: 20, multiplier: 2, capMs: 200 } });
router("crash_router", () => ["crash_handler"]);
handler("crash_handler", (msg) => {
  const row = msg.json() as { id: string | number; mrn: string };
  return send("OB_CRASH_DB", dbStatement("copy", { id: Number(row.id), mrn: row.mrn }));
});
`;
}

describe("e2e engine: kill -9 with a database source", function () {
  this.timeout(120_000);
  let dir: string;
  let schema: string;
  let pool: pg.Pool;
  const children: ChildProcess[] = [];
  const key = randomBytes(32).toString("base64");

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mf-dbcrash-"));
    schema = `mf_crash_${randomBytes(4).toString("hex")}`;
    pool = new pg.Pool({ connectionString: postgresUrl(), max: 4 });
    pool.on("error", () => undefined);
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(
      `CREATE TABLE ${schema}.outbox (id BIGSERIAL PRIMARY KEY, mrn TEXT NOT NULL, done INT NOT NULL DEFAULT 0)`,
    );
    await pool.query(
      `CREATE TABLE ${schema}.inbox (seq BIGSERIAL PRIMARY KEY, src_id BIGINT NOT NULL, mrn TEXT)`,
    );
  });
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(mode: "processed" | "mark"): void {
    const url = new URL(postgresUrl());
    mkdirSync(join(dir, "config", "environments"), { recursive: true });
    writeFileSync(join(dir, "config", "routes.ts"), routes(schema, mode, url.password !== ""));
    writeFileSync(
      join(dir, "config", "environments", "test.toml"),
      `db_host = "${url.hostname}"\ndb_port = ${url.port || 5432}\ndb_name = "${url.pathname.slice(1)}"\ndb_user = "${decodeURIComponent(url.username)}"\n`,
    );
  }

  async function start(): Promise<{ child: ChildProcess; exit: Promise<NodeJS.Signals | number | null> }> {
    // A password only ever through env(): MEFOR_VALUE_DB_PASSWORD.
    const password = decodeURIComponent(new URL(postgresUrl()).password);
    const child = serve(
      dir,
      join(dir, "engine.db"),
      key,
      password ? { MEFOR_VALUE_DB_PASSWORD: password } : {},
    );
    children.push(child);
    const exit = new Promise<NodeJS.Signals | number | null>((r) =>
      child.on("exit", (c, sig) => r(sig ?? c)),
    );
    return { child, exit };
  }

  async function storedMessages(): Promise<{ srcId: number; disposition: string }[]> {
    const store = openSqliteStore({ path: join(dir, "engine.db"), codec: aesGcmCodec(parseStoreKey(key)) });
    try {
      const out: { srcId: number; disposition: string }[] = [];
      for (const m of await store.listMessages({ limit: 1000 })) {
        const raw = await store.getMessageRaw(m.id);
        out.push({ srcId: Number(JSON.parse(raw?.toString() ?? "{}").id), disposition: m.disposition });
      }
      return out;
    } finally {
      await store.close();
    }
  }

  const inbox = async () =>
    (await pool.query<{ src_id: string }>(`SELECT src_id FROM ${schema}.inbox ORDER BY seq`)).rows.map((r) =>
      Number(r.src_id),
    );

  it("killed after the commit and before the mark-as-processed statement: the row stays unmarked and is read again", async () => {
    writeConfig("processed");
    await pool.query(`INSERT INTO ${schema}.outbox (mrn) VALUES ('MRN0001')`);
    // Hold the row's lock: the engine's SELECT passes, its UPDATE (the mark) waits behind it.
    const holder = await pool.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT id FROM ${schema}.outbox WHERE id = 1 FOR UPDATE`);
    const first = await start();
    await until(async () => {
      const r = await pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE ${schema}.outbox%'`,
      );
      return r.rows.length > 0;
    }, 20);
    first.child.kill("SIGKILL");
    assert.equal(await first.exit, "SIGKILL");
    // PostgreSQL only notices the dead client when it next talks to it: its waiting UPDATE would still
    // run once the lock goes (harmless — the message is committed). End that session, as a server with
    // client_connection_check_interval would, so what happens next is only the restarted engine's doing.
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE ${schema}.outbox%'`,
    );
    await holder.query("ROLLBACK");
    holder.release();

    const done = await pool.query<{ done: number }>(`SELECT done FROM ${schema}.outbox WHERE id = 1`);
    assert.equal(done.rows[0]?.done, 0, "not marked: the engine died before its mark statement ran");
    const committed = await storedMessages();
    assert.deepEqual(
      committed.map((m) => m.srcId),
      [1],
      "the row's message was committed before the mark was attempted",
    );

    const second = await start();
    await until(async () => {
      const r = await pool.query(`SELECT done FROM ${schema}.outbox WHERE id = 1`);
      return r.rows[0]?.done === 1 && (await inbox()).includes(1);
    }, 50);
    second.child.kill("SIGTERM");
    assert.equal(await second.exit, 0);
    const after = await storedMessages();
    assert.deepEqual(
      after.map((m) => m.srcId),
      [1, 1],
      "read again after the restart: a second message for the same row (at-least-once)",
    );
    await until(async () =>
      (await storedMessages()).every((m) => FINAL_DISPOSITIONS.has(m.disposition as never)),
    );
  });

  it("killed mid-load with a high-water mark: after the restart every row arrives at least once, in order", async () => {
    writeConfig("mark");
    const values = Array.from({ length: 300 }, (_, i) => `('MRN${String(i + 1).padStart(4, "0")}')`);
    await pool.query(`INSERT INTO ${schema}.outbox (mrn) VALUES ${values.join(", ")}`);
    const first = await start();
    await until(async () => (await inbox()).length >= 40, 10);
    first.child.kill("SIGKILL");
    assert.equal(await first.exit, "SIGKILL");

    const second = await start();
    await until(async () => new Set(await inbox()).size >= 300, 50);
    second.child.kill("SIGTERM");
    assert.equal(await second.exit, 0);
    const got = await inbox();
    const all = Array.from({ length: 300 }, (_, i) => i + 1);
    assert.deepEqual(
      [...new Set(got)].sort((a, b) => a - b),
      all,
      "nothing lost",
    );
    // First arrivals are in source order: a re-read after the crash repeats, never reorders.
    const firsts: number[] = [];
    for (const id of got) if (!firsts.includes(id)) firsts.push(id);
    assert.deepEqual(firsts, all);
    const store = openSqliteStore({ path: join(dir, "engine.db"), codec: aesGcmCodec(parseStoreKey(key)) });
    try {
      assert.equal(await store.getCursor("IB_CRASH_DB"), "300");
    } finally {
      await store.close();
    }
  });
});
