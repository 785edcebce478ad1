/**
 * `store copy`: a pilot's SQLite store (messages in every state, rows in flight, users, an audit chain)
 * moves to a fresh PostgreSQL schema. The copy keeps ids and ciphertexts as stored; the PostgreSQL
 * store opened with the same key reads everything, delivers the rows in flight, hands out new ids
 * past the copied ones; the audit chain still verifies; a non-empty target is refused.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type AuditEntry, userAdd, userDisable, verifyChain } from "../../src/auth/index.js";
import { run } from "../../src/cli/program.js";
import { type CopyProgress, copyStore, StoreCopyError } from "../../src/cli/store-copy.js";
import {
  createIntake,
  startDeliveryWorker,
  startRouterWorker,
  startTransformWorker,
} from "../../src/pipeline/index.js";
import {
  aesGcmCodec,
  FINAL_DISPOSITIONS,
  type MessageDetail,
  makeStoreKey,
  openPgStore,
  openSqliteStore,
  type PgConnectionOptions,
} from "../../src/store/index.js";
import { tempDir, until, writeFiles } from "../support/fixtures.js";
import { type TestSchema, testSchema, urlParts } from "../support/pg-schema.js";
import { hl7, pilotTraffic } from "../support/pilot-traffic.js";

const PASSWORD = "Correct-Horse-9-battery";

describe("store copy: a pilot's SQLite store to PostgreSQL", function () {
  this.timeout(60_000);
  let schema: TestSchema;
  const dir = tempDir("mf-pg-copy-");
  const codec = aesGcmCodec(makeStoreKey(randomBytes(32)));
  const marker = "ZZPILOTCOPY";
  const dbPath = join(dir.dir, "pilot.db");

  beforeEach(async () => {
    schema = await testSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });
  after(() => dir.cleanup());

  it("moves messages, history, rows in flight, users and the audit chain; refuses a non-empty target", async () => {
    const pilot = openSqliteStore({ path: dbPath, codec });
    const { messages } = await pilotTraffic(pilot, marker);
    await userAdd(pilot.db, "alice", "administrator", PASSWORD, { actor: "cli:test" });
    await userAdd(pilot.db, "bob", "operator", PASSWORD, { actor: "cli:test" });
    userDisable(pilot.db, "bob", { actor: "cli:test" });
    await pilot.setCursor("DB_IN", "cursor-1");
    // A pilot that died mid-batch: one in-flight row still claimed, with a long lease.
    const held = await pilot.claimOutbound("OB_WAIT", {
      owner: "crashed-pilot",
      limit: 1,
      leaseMs: 3_600_000,
    });
    assert.equal(held.length, 1);
    const auditRows = pilot.db.prepare("SELECT count(*) FROM auth_audit").pluck().get() as number;
    const details = new Map<number, MessageDetail | undefined>();
    for (const m of messages) details.set(m.id, await pilot.getMessage(m.id));
    await pilot.close();
    assert.ok(auditRows >= 3);

    const target: PgConnectionOptions = { connectionString: schema.url, schema: schema.name };
    const seen: CopyProgress[] = [];
    const copied = await copyStore(dbPath, target, (p) => seen.push(p), { batchRows: 7 }); // several batches per table
    assert.equal(copied.messages, messages.length);
    assert.equal(copied.auth_audit, auditRows);
    assert.equal(copied.auth_users, 2);
    assert.equal(copied.connector_cursors, 1);
    assert.ok(seen.some((p) => p.phase === "table" && p.table === "messages" && p.copied < p.total));
    assert.deepEqual(seen.at(-1), { phase: "done", tables: copied, requeued: 1 });

    const store = await openPgStore({ connectionString: schema.url, schema: schema.name, codec });
    try {
      // Every message, its history and its bodies read back through the same key.
      assert.deepEqual(await store.listMessages({ limit: 1000 }), messages);
      for (const m of messages) {
        const detail = await store.getMessage(m.id);
        const expected = details.get(m.id) as MessageDetail;
        // The crashed pilot's claim is the one change the copy makes: the row is pending again.
        for (const row of detail?.rows ?? []) {
          if (row.id !== held[0]?.rowId) continue;
          assert.equal(row.state, "pending");
          const was = expected.rows.find((r) => r.id === row.id);
          Object.assign(row, {
            state: was?.state,
            claimedBy: was?.claimedBy,
            leaseUntil: was?.leaseUntil,
            updatedAt: was?.updatedAt,
          });
        }
        assert.deepEqual(detail, expected, `message ${m.id}`);
        assert.ok((await store.getMessageRaw(m.id))?.includes(marker));
      }
      assert.equal(await store.getCursor("DB_IN"), "cursor-1");

      // Rows in flight are delivered by the PostgreSQL engine; arrivals no router saw are routed.
      const delivered: string[] = [];
      const workers = [
        startRouterWorker("IB_HOLD", async () => ({ handlers: ["h"] }), { store, pollMs: 50 }),
        startTransformWorker(
          "IB_HOLD",
          async (_h, input) => ({ sends: [{ outbound: "OB_WAIT", payload: input.body }] }),
          { store, pollMs: 50 },
        ),
        startDeliveryWorker(
          "OB_WAIT",
          async (_o, payload, meta) => {
            assert.ok(payload.includes(marker));
            delivered.push(meta.controlId ?? "");
            return { status: "ok" };
          },
          { store, pollMs: 50 },
        ),
      ];
      try {
        await until(async () =>
          (await store.listMessages({ limit: 1000 })).every((m) => FINAL_DISPOSITIONS.has(m.disposition)),
        );
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
      assert.deepEqual(delivered.sort(), ["HOLD1", "HOLD2", "HOLD3", "WAIT1", "WAIT2", "WAIT3"]);

      // New ids continue past the copied ones (the sequences were moved).
      const next = await createIntake(store).receive("IB_P", hl7("NEW1", marker));
      assert.ok(next.messageId > Math.max(...messages.map((m) => m.id)));
    } finally {
      await store.close();
    }

    // Users and the audit chain, which still verifies.
    const users = await schema.client.query("SELECT name, disabled FROM auth_users ORDER BY name");
    assert.deepEqual(
      users.rows.map((r) => [r.name, Number(r.disabled)]),
      [
        ["alice", 0],
        ["bob", 1],
      ],
    );
    const audit = await schema.client.query("SELECT * FROM auth_audit ORDER BY seq");
    const entries: AuditEntry[] = audit.rows.map((r) => ({
      seq: Number(r.seq),
      time: r.time,
      actor: r.actor,
      action: r.action,
      target: r.target,
      details: r.details,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
    const head = (await schema.client.query("SELECT seq, hash FROM auth_audit_head")).rows[0];
    const verified = verifyChain(entries, { seq: Number(head.seq), hash: head.hash });
    assert.equal(verified.ok, true, verified.reason);
    assert.equal(verified.entries, auditRows);

    // A second copy into the same (now non-empty) database is refused, and changes nothing.
    await assert.rejects(
      copyStore(dbPath, target),
      (e: unknown) => e instanceof StoreCopyError && /not empty: .*messages \(\d+ rows\)/.test(e.message),
    );
  });

  it("fails with what to do, commits nothing and leaves the process running when the server drops the copy's connection", async () => {
    const path = join(dir.dir, "dropped.db");
    const pilot = openSqliteStore({ path, codec });
    await pilotTraffic(pilot, marker);
    await pilot.close();
    const target: PgConnectionOptions = { connectionString: schema.url, schema: schema.name };
    let dropped: Promise<unknown> | undefined;
    const copying = copyStore(
      path,
      target,
      (p) => {
        // Mid-copy, the server ends the copy's session (an administrator, a failover, a restart).
        if (p.phase === "table" && p.copied > 0)
          dropped ??= schema.client.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity " +
              "WHERE application_name = 'messagefoundry-store-copy' AND pid <> pg_backend_pid()",
          );
      },
      { batchRows: 1 },
    );
    await assert.rejects(
      copying,
      (e: unknown) =>
        e instanceof StoreCopyError && /lost the connection to PostgreSQL.*run it again/.test(e.message),
    );
    await dropped;
    assert.equal((await schema.client.query("SELECT count(*)::int AS n FROM messages")).rows[0]?.n, 0);
    const copied = await copyStore(path, target);
    assert.ok((copied.messages ?? 0) > 0, "run again, the copy goes through");
  });

  it("refuses a pilot table with rows the target has no table for, copying nothing", async () => {
    const path = join(dir.dir, "extra.db");
    const pilot = openSqliteStore({ path, codec });
    await createIntake(pilot).receive("IB_X", hl7("X1", marker));
    pilot.db.exec(
      "CREATE TABLE plugin_state (k TEXT PRIMARY KEY, v TEXT); INSERT INTO plugin_state VALUES ('a', 'b')",
    );
    await pilot.close();
    await assert.rejects(
      copyStore(path, { connectionString: schema.url, schema: schema.name }),
      (e: unknown) =>
        e instanceof StoreCopyError && /table plugin_state \(1 rows\) has no counterpart/.test(e.message),
    );
    assert.equal((await schema.client.query("SELECT count(*)::int AS n FROM messages")).rows[0]?.n, 0);
  });

  it("runs as `messagefoundry store copy --from-db FILE --settings engine.toml`", async () => {
    const cliPilot = join(dir.dir, "cli.db");
    const pilot = openSqliteStore({ path: cliPilot, codec });
    await createIntake(pilot).receive("IB_CLI", hl7("CLI1", marker));
    await pilot.close();
    const pgUrl = urlParts(schema.url);
    writeFiles(dir.dir, {
      "engine.toml": [
        "[store]",
        'backend = "postgres"',
        `host = "${pgUrl.host}"`,
        `port = ${pgUrl.port}`,
        `database = "${pgUrl.database}"`,
        `user = "${pgUrl.user}"`,
        `schema = "${schema.name}"`,
        "",
      ].join("\n"),
    });
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      cwd: dir.dir,
      env: { ...process.env, ...(pgUrl.password ? { MEFOR_STORE_PASSWORD: pgUrl.password } : {}) },
    };
    const argv = [
      "node",
      "messagefoundry",
      "store",
      "copy",
      "--from-db",
      "cli.db",
      "--settings",
      "engine.toml",
    ];
    assert.equal(await run(argv, io), 0, err.join(""));
    const lines = out
      .join("")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as CopyProgress);
    const done = lines.at(-1);
    assert.equal(done?.phase, "done");
    assert.ok(done?.phase === "done" && done.tables.messages !== undefined && done.tables.messages >= 1);
    assert.ok(!out.join("").includes(marker));

    err.length = 0;
    assert.equal(await run(argv, io), 1);
    assert.match(err.join(""), /the target database is not empty/);
  });
});
