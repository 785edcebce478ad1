/** The same contract suite against the machine's real PostgreSQL (a fresh schema per test), plus PG-only races. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { postgresUrl } from "@messagefoundry/test-services";
import pg from "pg";
import { aesGcmCodec, makeStoreKey, openPgStore, type PgStore } from "../../src/store/index.js";
import { storeContract } from "./contract.js";
import { pgHarness } from "./harnesses.js";
import { adt, buf, eventually } from "./helpers.js";

storeContract("postgres", pgHarness);

describe("openPgStore connection settings", () => {
  it("opens with the discrete fields of PgConnectionOptions (host, port, database, user, schema, poolSize)", async () => {
    const url = new URL(postgresUrl());
    const schema = `mf_test_${randomBytes(6).toString("hex")}`;
    const store = await openPgStore({
      host: url.hostname,
      port: Number(url.port || 5432),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      schema,
      poolSize: 2,
      codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
    });
    try {
      const r = await store.enqueueIngress({ inbound: "IB_FIELDS", raw: buf(adt("F1")) });
      assert.equal((await store.getMessage(r.messageId))?.inbound, "IB_FIELDS");
      const where = await store.pool.query("SELECT current_schema() AS s");
      assert.equal(where.rows[0]?.s, schema);
    } finally {
      await store.pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await store.close();
    }
  });

  it("refuses a schema name it would have to quote", async () => {
    await assert.rejects(
      openPgStore({
        connectionString: postgresUrl(),
        schema: "Bad-Name",
        codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
      }),
      /invalid schema name/,
    );
  });
});

describe("PgStore under concurrency and connection loss", () => {
  const owner = "w";
  const claim = { owner, limit: 10, leaseMs: 60_000 };
  let schema: string;
  let store: PgStore;
  let admin: pg.Client;
  /** Holds row locks in its own transaction (the admin client must stay outside one to see fresh stats). */
  let locker: pg.Client;
  const poolErrors: Error[] = [];

  beforeEach(async () => {
    schema = `mf_test_${randomBytes(6).toString("hex")}`;
    poolErrors.length = 0;
    // application_name tags this store's backends so the test can find (and kill) exactly them.
    store = await openPgStore({
      connectionString: `${postgresUrl()}?application_name=${schema}`,
      schema,
      codec: aesGcmCodec(makeStoreKey(randomBytes(32))),
      onPoolError: (e) => poolErrors.push(e),
    });
    admin = new pg.Client({ connectionString: postgresUrl(), options: `-c search_path=${schema}` });
    await admin.connect();
    locker = new pg.Client({ connectionString: postgresUrl(), options: `-c search_path=${schema}` });
    await locker.connect();
  });
  afterEach(async () => {
    await locker.end().catch(() => undefined);
    await store.close().catch(() => undefined);
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });

  /** This store's backends waiting on a lock (pg_stat_activity is read afresh each statement). */
  const waiting = async () =>
    Number(
      (
        await admin.query(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
          [schema],
        )
      ).rows[0]?.n,
    );

  /** One message routed to one handler that sends to OB_A and OB_B; returns the two claimed rows. */
  async function twoSends(): Promise<{ messageId: number; a: number; b: number }> {
    const { messageId } = await store.enqueueIngress({ inbound: "IB_RACE", raw: buf(adt("RACE1")) });
    const ing = await store.claimIngress("IB_RACE", claim);
    await store.completeRouting(owner, [{ rowId: ing[0]?.rowId ?? 0, handlers: ["h"] }]);
    const routed = await store.claimRouted("IB_RACE", claim);
    await store.completeTransform(owner, [
      {
        rowId: routed[0]?.rowId ?? 0,
        sends: [
          { outbound: "OB_A", payload: buf("A") },
          { outbound: "OB_B", payload: buf("B") },
        ],
      },
    ]);
    const a = (await store.claimOutbound("OB_A", claim))[0]?.rowId ?? 0;
    const b = (await store.claimOutbound("OB_B", claim))[0]?.rowId ?? 0;
    return { messageId, a, b };
  }

  it("two deliveries of one message completing concurrently end PROCESSED (no lost finalize)", async () => {
    const { messageId, a, b } = await twoSends();
    // Hold both outbounds' counter rows: each completion then stops at its counter update, after its
    // tally, until both are in flight together — the interleaving READ COMMITTED gets wrong.
    await admin.query("INSERT INTO conn_stats (conn) VALUES ('OB_A'), ('OB_B')");
    await locker.query("BEGIN");
    await locker.query("SELECT conn FROM conn_stats WHERE conn IN ('OB_A', 'OB_B') FOR UPDATE");
    const done = Promise.all([
      store.completeDelivery(owner, [{ rowId: a, status: "ok" }]),
      store.completeDelivery(owner, [{ rowId: b, status: "ok" }]),
    ]);
    await eventually(async () => (await waiting()) === 2, "both completions in flight");
    await locker.query("COMMIT");
    assert.deepEqual(await done, [1, 1]);
    const m = await store.getMessage(messageId);
    assert.equal(m?.disposition, "PROCESSED");
    assert.equal((await store.stats()).connections.find((c) => c.conn === "IB_RACE")?.processed, 1);
  });

  it("a lane's completion is two round trips: the close with its finalizer's tallies, then the writes with COMMIT", async () => {
    const { messageId, a, b } = await twoSends();
    const before = store.queryCount;
    assert.equal(await store.completeDelivery(owner, [{ rowId: a, status: "ok" }]), 1);
    assert.equal(store.queryCount - before, 2);
    // The tallies read with the close saw it: OB_B still open, so not final yet; then final.
    assert.equal((await store.getMessage(messageId))?.disposition, "ROUTED");
    assert.equal(await store.completeDelivery(owner, [{ rowId: b, status: "ok" }]), 1);
    assert.equal((await store.getMessage(messageId))?.disposition, "PROCESSED");
  });

  it("survives an idle pooled connection being killed (pool error is reported, not thrown)", async () => {
    await store.enqueueIngress({ inbound: "IB_KILL", raw: buf(adt("K1")) });
    assert.ok(store.pool.idleCount > 0);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
      schema,
    ]);
    await eventually(() => poolErrors.length > 0, "the pool noticed the dead connection");
    const r = await store.enqueueIngress({ inbound: "IB_KILL", raw: buf(adt("K2")) });
    assert.equal(r.disposition, "RECEIVED");
  });

  it("a connection killed mid-transaction fails that call only; the store keeps working", async () => {
    const { messageId, a, b } = await twoSends();
    await admin.query("INSERT INTO conn_stats (conn) VALUES ('OB_A')");
    await locker.query("BEGIN");
    await locker.query("SELECT conn FROM conn_stats WHERE conn = 'OB_A' FOR UPDATE");
    const failing = store.completeDelivery(owner, [{ rowId: a, status: "ok" }]);
    await eventually(async () => (await waiting()) === 1, "the completion is blocked");
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [schema],
    );
    await assert.rejects(failing);
    await locker.query("ROLLBACK");
    // Nothing of the killed transaction was applied; the row is still ours to complete.
    assert.equal(await store.completeDelivery(owner, [{ rowId: a, status: "ok" }]), 1);
    assert.equal(await store.completeDelivery(owner, [{ rowId: b, status: "ok" }]), 1);
    assert.equal((await store.getMessage(messageId))?.disposition, "PROCESSED");
  });
});
