/**
 * The database connector against real servers, PostgreSQL and MariaDB: the destination's named
 * statements, transactions and error mapping at the connector; the source polled through a running
 * engine (SQLite store) into a database destination, with the mark kept across restarts, and both
 * servers going away (a fault proxy in front of the machine's server) and coming back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { faultProxy } from "@messagefoundry/test-services";
import type { Engine } from "../../src/runtime/index.js";
import { openSqliteStore, plainCodec } from "../../src/store/index.js";
import {
  createInbound,
  createOutbound,
  type OutboundConnector,
  type SendResult,
} from "../../src/transports/index.js";
import { openEngine, tempDir, until, writeFiles } from "../runtime/helpers.js";
import {
  type DbFixture,
  DIALECTS,
  dbFixture,
  provideDatabases,
  serial,
  type TestDialect,
} from "./database-helpers.js";
import { captureLog } from "./helpers.js";

const meta = { messageId: "1" };
const call = (statement: string, params?: unknown) => Buffer.from(JSON.stringify({ statement, params }));

function statementsFor(db: DbFixture): Record<string, string> {
  const p = db.t("patients");
  const upsert =
    db.dialect === "postgres"
      ? `INSERT INTO ${p} (mrn, family) VALUES (:mrn, :family)
         ON CONFLICT (mrn) DO UPDATE SET family = EXCLUDED.family, visits = ${p}.visits + 1`
      : `INSERT INTO ${p} (mrn, family) VALUES (:mrn, :family)
         ON DUPLICATE KEY UPDATE family = VALUES(family), visits = visits + 1`;
  return {
    insert: `INSERT INTO ${p} (mrn, family) VALUES (:mrn, :family)`,
    upsert,
    rename:
      db.dialect === "postgres"
        ? `UPDATE ${p} SET family = $1 WHERE mrn = $2`
        : `UPDATE ${p} SET family = ? WHERE mrn = ?`,
    bump: `CALL ${db.t("bump")}(:mrn)`,
    lock: `SELECT mrn FROM ${p} WHERE mrn = :mrn FOR UPDATE NOWAIT`,
    broken: `INSERT INTO ${p} (mrn, family VALUES (:mrn, :family)`,
  };
}

async function createPatients(db: DbFixture): Promise<void> {
  const p = db.t("patients");
  await db.query(
    `CREATE TABLE ${p} (mrn VARCHAR(20) PRIMARY KEY, family VARCHAR(50) NOT NULL, visits INT NOT NULL DEFAULT 0)`,
  );
  await db.query(
    db.dialect === "postgres"
      ? `CREATE PROCEDURE ${db.t("bump")}(p_mrn text) LANGUAGE sql AS $$ UPDATE ${p} SET visits = visits + 10 WHERE mrn = p_mrn $$`
      : `CREATE PROCEDURE ${db.t("bump")}(IN p_mrn VARCHAR(20)) UPDATE ${p} SET visits = visits + 10 WHERE mrn = p_mrn`,
  );
}

async function patients(db: DbFixture): Promise<{ mrn: string; family: string; visits: number }[]> {
  const rows = await db.query<{ mrn: string; family: string; visits: number | string }>(
    `SELECT mrn, family, visits FROM ${db.t("patients")} ORDER BY mrn`,
  );
  return rows.map((r) => ({ ...r, visits: Number(r.visits) }));
}

for (const dialect of DIALECTS) {
  describe(`database connector (${dialect})`, function () {
    this.timeout(60_000);
    let db: DbFixture;
    const open: { close(): Promise<void> }[] = [];

    before(async function () {
      this.timeout(300_000);
      await provideDatabases();
    });
    beforeEach(async () => {
      db = await dbFixture(dialect);
      await createPatients(db);
    });
    afterEach(async () => {
      while (open.length > 0) await open.pop()?.close();
      await db.cleanup();
    });

    function outbound(extra: Record<string, unknown> = {}): OutboundConnector {
      const ob = createOutbound("database", "OB_TEST_DB", {
        ...db.settings,
        statements: statementsFor(db),
        ...extra,
      });
      open.push(ob);
      return ob;
    }

    describe("destination", () => {
      it("runs named statements with named and positional params, an upsert and a procedure call", async () => {
        const ob = outbound();
        const r1 = await ob.send(call("insert", { mrn: "M1", family: "TEST" }), meta);
        assert.equal(r1.status, "ok", r1.error);
        assert.deepEqual(JSON.parse(r1.reply?.toString() ?? ""), {
          results: [{ statement: "insert", rowCount: 1, rows: [] }],
        });
        assert.equal((await ob.send(call("upsert", { mrn: "M1", family: "SAMPLE" }), meta)).status, "ok");
        assert.equal((await ob.send(call("upsert", { mrn: "M2", family: "OTHER" }), meta)).status, "ok");
        assert.equal((await ob.send(call("rename", ["RENAMED", "M2"]), meta)).status, "ok");
        const called = await ob.send(call("bump", { mrn: "M1" }), meta);
        assert.equal(called.status, "ok", called.error);
        assert.deepEqual(await patients(db), [
          { mrn: "M1", family: "SAMPLE", visits: 11 },
          { mrn: "M2", family: "RENAMED", visits: 0 },
        ]);
        assert.equal(ob.state.sent, 5);
      });

      it("runs a list of statements in one transaction: a failing one rolls back the others", async () => {
        const ob = outbound();
        const both = Buffer.from(
          JSON.stringify([
            { statement: "insert", params: { mrn: "M1", family: "ONE" } },
            { statement: "insert", params: { mrn: "M2", family: "TWO" } },
          ]),
        );
        assert.equal((await ob.send(both, meta)).status, "ok");
        const clash = Buffer.from(
          JSON.stringify([
            { statement: "insert", params: { mrn: "M3", family: "THREE" } },
            { statement: "insert", params: { mrn: "M1", family: "AGAIN" } },
          ]),
        );
        const r = await ob.send(clash, meta);
        assert.equal(r.status, "permanent", "a unique violation is the delivery's fault");
        assert.deepEqual(
          (await patients(db)).map((x) => x.mrn),
          ["M1", "M2"],
          "M3 was rolled back with the failing statement",
        );
      });

      it("dead-letters what can never succeed: not JSON, unknown statement, bad params, syntax, constraint", async () => {
        const log = captureLog();
        const ob = createOutbound(
          "database",
          "OB_TEST_DB",
          { ...db.settings, statements: statementsFor(db) },
          { log },
        );
        open.push(ob);
        await ob.send(call("insert", { mrn: "M1", family: "TEST" }), meta);
        const cases: [string, Buffer, RegExp][] = [
          ["not JSON", Buffer.from("MSH|^~\\&|"), /not JSON/],
          ["unknown statement", call("drop_everything", {}), /unknown statement 'drop_everything'/],
          ["missing param", call("insert", { mrn: "M2" }), /missing param :family/],
          ["unknown param", call("insert", { mrn: "M2", family: "X", famly: "Y" }), /unknown param :famly/],
          ["positional for named", call("insert", ["M2", "X"]), /named params/],
          ["syntax", call("broken", { mrn: "M2", family: "X" }), /syntax/i],
          ["constraint", call("insert", { mrn: "M1", family: "DUP" }), /duplicate|unique/i],
          ["not null", call("insert", { mrn: "M9", family: null }), /null/i],
        ];
        for (const [what, payload, error] of cases) {
          const r = await ob.send(payload, meta);
          assert.equal(r.status, "permanent", `${what}: ${r.error}`);
          assert.match(r.error ?? "", error, what);
          assert.ok(
            !/\bM1\b|\bDUP\b/.test(r.error ?? ""),
            `${what}: no value in the error text (${r.error})`,
          );
        }
        assert.deepEqual(
          (await patients(db)).map((x) => x.mrn),
          ["M1"],
        );
        const logged = JSON.stringify(log.entries);
        assert.ok(!/\bM1\b|\bDUP\b/.test(logged), `values never reach the log: ${logged}`);
        // The detail is at debug; the delivery worker logs each outcome's class at info+.
        assert.ok(
          log.entries.some((e) => e.level === "debug" && e.msg === "delivery failed"),
          "failures are logged (without values)",
        );
      });

      it("retries while another session holds the row lock, then delivers", async () => {
        const ob = outbound();
        await ob.send(call("insert", { mrn: "M1", family: "TEST" }), meta);
        const holder = await db.session();
        await holder.query(dialect === "postgres" ? "BEGIN" : "START TRANSACTION");
        await holder.query(`SELECT mrn FROM ${db.t("patients")} WHERE mrn = 'M1' FOR UPDATE`);
        const blocked = await ob.send(call("lock", { mrn: "M1" }), meta);
        assert.equal(blocked.status, "retry", blocked.error);
        await holder.query("ROLLBACK");
        await holder.close();
        assert.equal((await ob.send(call("lock", { mrn: "M1" }), meta)).status, "ok");
      });

      it("retries when the server refuses connections or goes away, and delivers once it is back", async () => {
        const proxy = await faultProxy({ host: db.settings.host, port: db.settings.port });
        open.push(proxy);
        const ob = outbound({ host: proxy.host, port: proxy.port, connectTimeoutMs: 2_000 });
        assert.equal((await ob.send(call("insert", { mrn: "M1", family: "A" }), meta)).status, "ok");
        proxy.cut();
        const down: SendResult = await ob.send(call("insert", { mrn: "M2", family: "B" }), meta);
        assert.equal(down.status, "retry", down.error);
        assert.equal(ob.state.status, "error");
        proxy.restore();
        let r: SendResult | undefined;
        await until(async () => {
          r = await ob.send(call("insert", { mrn: "M2", family: "B" }), meta);
          return r.status !== "retry";
        }, 50);
        assert.equal(r?.status, "ok", r?.error);
        assert.deepEqual(
          (await patients(db)).map((x) => x.mrn),
          ["M1", "M2"],
        );
      });

      it("asks for TLS when tls is set (the test server speaks none: the delivery retries, naming it)", async () => {
        const ob = outbound({ tls: { rejectUnauthorized: true } });
        const r = await ob.send(call("insert", { mrn: "M1", family: "A" }), meta);
        assert.equal(r.status, "retry");
        assert.match(r.error ?? "", /SSL|TLS|ssl|secure/);
      });
    });

    describe("source (mark-as-processed, without an engine)", () => {
      it("runs the mark statement only after receive resolved; a rejected receive leaves the row for the next poll", async () => {
        const src = db.t("outbox");
        await db.query(
          `CREATE TABLE ${src} (id ${serial(dialect)}, body VARCHAR(100) NOT NULL, done INT NOT NULL DEFAULT 0)`,
        );
        await db.query(`INSERT INTO ${src} (body) VALUES ('first'), ('second')`);
        const ib = createInbound("database", "IB_TEST_DB", {
          ...db.settings,
          query: `SELECT id, body FROM ${src} WHERE done = 0 ORDER BY id`,
          markProcessed: `UPDATE ${src} SET done = 1 WHERE id = :id`,
          payloadColumn: "body",
          pollIntervalMs: 20,
        });
        const got: string[] = [];
        let failNext = true;
        let doneWhenReceived: number[] = [];
        await ib.start({
          name: "IB_TEST_DB",
          log: captureLog(),
          receive: async (payload) => {
            const done = await db.query<{ done: number | string }>(`SELECT done FROM ${src} ORDER BY id`);
            doneWhenReceived = done.map((d) => Number(d.done));
            if (failNext) {
              failNext = false;
              throw new Error("store unavailable");
            }
            got.push(payload.toString());
            return { accepted: true };
          },
        });
        open.push({ close: () => ib.stop() });
        await until(async () => {
          const left = await db.query(`SELECT id FROM ${src} WHERE done = 0`);
          return left.length === 0;
        }, 20);
        assert.deepEqual(got, ["first", "second"], "the rejected row came again, first, in order");
        assert.deepEqual(doneWhenReceived, [1, 0], "the second row was unmarked while being received");
      });

      it("never re-ingests a row it cannot mark: a mark statement matching nothing or a missing column stops the source", async () => {
        const src = db.t("outbox2");
        await db.query(
          `CREATE TABLE ${src} (id ${serial(dialect)}, body VARCHAR(100) NOT NULL, done INT NOT NULL DEFAULT 0)`,
        );
        await db.query(`INSERT INTO ${src} (body) VALUES ('only')`);
        const run = async (settings: Record<string, unknown>) => {
          const got: string[] = [];
          const ib = createInbound("database", "IB_TEST_DB", {
            ...db.settings,
            query: `SELECT id, body FROM ${src} WHERE done = 0 ORDER BY id`,
            payloadColumn: "body",
            pollIntervalMs: 10,
            ...settings,
          });
          await ib.start({
            name: "IB_TEST_DB",
            log: captureLog(),
            receive: async (payload) => {
              got.push(payload.toString());
              return { accepted: true };
            },
          });
          await until(() => ib.state.status === "error", 10);
          const error = ib.state.lastError;
          await ib.stop();
          return { got, error };
        };
        const nothing = await run({
          markProcessed: `UPDATE ${src} SET done = 1 WHERE id = :id AND body = 'other'`,
        });
        assert.deepEqual(nothing.got, ["only"], "received once, then the source waits on its mark");
        assert.match(nothing.error ?? "", /matched no row/);
        const missing = await run({ markProcessed: `UPDATE ${src} SET done = 1 WHERE id = :row_id` });
        assert.deepEqual(missing.got, [], "nothing is received that could not be marked");
        assert.match(missing.error ?? "", /:row_id/);
      });
    });
  });
}

describe("database source → engine → database destination", function () {
  this.timeout(120_000);
  before(async function () {
    this.timeout(300_000);
    await provideDatabases();
  });

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      let db: DbFixture;
      let t: ReturnType<typeof tempDir>;
      let engine: Engine | undefined;
      const closers: { close(): Promise<void> }[] = [];
      beforeEach(async () => {
        db = await dbFixture(dialect);
        t = tempDir();
        await db.query(
          `CREATE TABLE ${db.t("adt_out")} (id ${serial(dialect)}, mrn VARCHAR(20) NOT NULL, event VARCHAR(10) NOT NULL, done INT NOT NULL DEFAULT 0)`,
        );
        await db.query(
          `CREATE TABLE ${db.t("adt_in")} (seq ${serial(dialect)}, src_id BIGINT NOT NULL, mrn VARCHAR(20) NOT NULL, event VARCHAR(10) NOT NULL)`,
        );
      });
      afterEach(async () => {
        await engine?.stop();
        engine = undefined;
        while (closers.length > 0) await closers.pop()?.close();
        await db.cleanup();
        t.cleanup();
      });

      /** Writes the config (source mode, where each side connects) and opens an engine on it. */
      async function start(opts: {
        mode: "mark" | "processed";
        sourcePort?: number;
        destPort?: number;
      }): Promise<Engine> {
        const out = db.t("adt_out");
        const source =
          opts.mode === "mark"
            ? `query: "SELECT id, mrn, event FROM ${out} WHERE id > :mark ORDER BY id LIMIT 50", markColumn: "id", markStart: "0"`
            : `query: "SELECT id, mrn, event FROM ${out} WHERE done = 0 ORDER BY id LIMIT 50", markProcessed: "UPDATE ${out} SET done = 1 WHERE id = :id"`;
        // The password, when the server wants one, only ever comes from env() (MEFOR_VALUE_DB_PASSWORD).
        const password = db.password === undefined ? "" : `, password: env("db_password")`;
        const conn = (port: string) =>
          `dialect: env("db_dialect"), host: env("db_host"), port: env("${port}", "int"), database: env("db_name"), user: env("db_user")${password}`;
        writeFiles(join(t.dir, "config"), {
          "routes.ts": `
import { database, dbStatement, env, handler, inbound, outbound, router, send } from "messagefoundry";
inbound("IB_EHR_ADT", database({ ${conn("source_port")}, ${source}, pollIntervalMs: 50 }), {
  router: "ehr_router",
  contentType: "json",
});
outbound("OB_CHART_DB", database({ ${conn("dest_port")}, connectTimeoutMs: 2000, statements: {
  insert_event: "INSERT INTO ${db.t("adt_in")} (src_id, mrn, event) VALUES (:id, :mrn, :event)",
} }), { retry: { attempts: 1000, baseMs: 20, multiplier: 2, capMs: 200 } });
router("ehr_router", () => ["ehr_handler"]);
handler("ehr_handler", (msg) => {
  const row = msg.json() as { id: number | string; mrn: string; event: string };
  return send("OB_CHART_DB", dbStatement("insert_event", { id: Number(row.id), mrn: row.mrn, event: row.event }));
});
`,
          "environments/test.toml": [
            `db_dialect = "${dialect}"`,
            `db_host = "${db.settings.host}"`,
            `source_port = ${opts.sourcePort ?? db.settings.port}`,
            `dest_port = ${opts.destPort ?? db.settings.port}`,
            `db_name = "${db.settings.database}"`,
            `db_user = "${db.settings.user}"`,
            "",
          ].join("\n"),
        });
        engine = await openEngine(join(t.dir, "config"), join(t.dir, "engine.db"), {
          processEnv: db.password === undefined ? {} : { MEFOR_VALUE_DB_PASSWORD: db.password },
        });
        return engine;
      }

      const addRows = async (from: number, to: number) => {
        const values = [];
        for (let i = from; i <= to; i++)
          values.push(`('MRN${String(i).padStart(4, "0")}', 'A0${(i % 8) + 1}')`);
        await db.query(`INSERT INTO ${db.t("adt_out")} (mrn, event) VALUES ${values.join(", ")}`);
      };
      const delivered = async () =>
        (
          await db.query<{ src_id: number | string }>(`SELECT src_id FROM ${db.t("adt_in")} ORDER BY seq`)
        ).map((r) => Number(r.src_id));
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

      it("high-water mark: every row flows through the engine, in order; the mark outlives a restart", async () => {
        await addRows(1, 30);
        await start({ mode: "mark" });
        await until(async () => (await delivered()).length >= 30, 50);
        assert.deepEqual(await delivered(), range(1, 30));
        await engine?.stop();
        engine = undefined;
        await addRows(31, 40);
        const store = openSqliteStore({ path: join(t.dir, "engine.db"), codec: plainCodec() });
        assert.equal(await store.getCursor("IB_EHR_ADT"), "30", "the mark is in the store");
        await store.close();
        await start({ mode: "mark" });
        await until(async () => (await delivered()).length >= 40, 50);
        assert.deepEqual(await delivered(), range(1, 40), "rows before the mark were not read again");
      });

      it("mark-as-processed: each row is marked after its commit and flows through", async () => {
        await addRows(1, 20);
        await start({ mode: "processed" });
        await until(async () => (await delivered()).length >= 20, 50);
        assert.deepEqual(await delivered(), range(1, 20));
        const left = await db.query(`SELECT id FROM ${db.t("adt_out")} WHERE done = 0`);
        assert.equal(left.length, 0);
      });

      it("the destination server goes away and comes back: deliveries retry, order kept", async () => {
        const proxy = await faultProxy({ host: db.settings.host, port: db.settings.port });
        closers.push(proxy);
        await addRows(1, 5);
        const e = await start({ mode: "mark", destPort: proxy.port });
        await until(async () => (await delivered()).length >= 5, 50);
        // Cut only once the engine has the server's reply for all five: a cut between the server's
        // commit and its reply reaching the engine is an ambiguous delivery, which at-least-once resends.
        await until(
          async () =>
            (await e.store.listMessages({ limit: 10 })).filter((m) => m.disposition === "PROCESSED").length >=
            5,
          50,
        );
        proxy.cut();
        await addRows(6, 15);
        const ob = () => e.runner.connections().find((c) => c.name === "OB_CHART_DB");
        await until(() => ob()?.connector.status === "error", 20);
        proxy.restore();
        await until(async () => (await delivered()).length >= 15, 50);
        assert.deepEqual(await delivered(), range(1, 15));
      });

      it("the source server goes away and comes back: polling resumes where it stopped", async () => {
        const proxy = await faultProxy({ host: db.settings.host, port: db.settings.port });
        closers.push(proxy);
        await addRows(1, 5);
        const e = await start({ mode: "processed", sourcePort: proxy.port });
        await until(async () => (await delivered()).length >= 5, 50);
        // Cut only once all five are marked: a row read but not yet marked is read again, by design.
        await until(
          async () => (await db.query(`SELECT id FROM ${db.t("adt_out")} WHERE done = 0`)).length === 0,
          50,
        );
        proxy.cut();
        const ib = () => e.runner.connections().find((c) => c.name === "IB_EHR_ADT");
        await until(() => ib()?.connector.status === "error", 20);
        await addRows(6, 12);
        proxy.restore();
        await until(async () => (await delivered()).length >= 12, 50);
        assert.deepEqual(await delivered(), range(1, 12));
      });
    });
  }
});

export type { TestDialect };
