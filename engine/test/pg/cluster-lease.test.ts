/**
 * Clustering on the machine's real PostgreSQL: the leader lease (acquire, renew, expiry and release
 * on the database's clock) and the fencing token every queue write checks — a superseded leader's
 * intake, claim and completion transactions commit nothing; a leader past its fence time writes
 * nothing without asking the database; a paused leader's open transaction cannot block a successor.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createIntake, startDeliveryWorker, startRouterWorker } from "../../src/pipeline/index.js";
import { ClusterNode } from "../../src/runtime/index.js";
import {
  aesGcmCodec,
  type ClaimOptions,
  FencedError,
  type HandoffTarget,
  LeaderFence,
  makeStoreKey,
  monoNow,
  nodeApplicationName,
  openPgStore,
  PgLease,
  type PgStore,
  type Stage,
} from "../../src/store/index.js";
import { eventually } from "../store/helpers.js";
import { type TestSchema, testSchema } from "../support/pg-schema.js";
import { hl7 } from "../support/pilot-traffic.js";

const TTL = 60_000;
const claim = { limit: 10, leaseMs: 60_000 };

describe("pg: the cluster lease and the fencing token", () => {
  let schema: TestSchema;
  let leaseA: PgLease;
  let leaseB: PgLease;
  const stores: PgStore[] = [];
  const codec = aesGcmCodec(makeStoreKey(randomBytes(32)));
  const conn = () => ({ connectionString: schema.url, schema: schema.name });
  const open = async (fence?: LeaderFence, node?: string) => {
    const s = await openPgStore({
      ...conn(),
      codec,
      ...(fence ? { fence } : {}),
      ...(node ? { applicationName: nodeApplicationName("messagefoundry", schema.name, node) } : {}),
    });
    stores.push(s);
    return s;
  };
  /** The lease expires now, on the database's clock (as if its TTL had run out). */
  const expire = () =>
    schema.client.query("UPDATE cluster_lease SET expires_at = now() - interval '1 second'");
  const count = async (sql: string) => Number((await schema.client.query(sql)).rows[0]?.n);

  beforeEach(async () => {
    schema = await testSchema("mf_cluster");
    await open(); // migrates
    leaseA = new PgLease(conn(), 5000);
    leaseB = new PgLease(conn(), 5000);
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    await leaseA.close();
    await leaseB.close();
    await schema.drop();
  });

  it("one owner at a time: acquire, renew, release and expiry follow the database's clock", async () => {
    assert.equal(await leaseA.acquire("a", TTL, 1000), 1);
    assert.equal(await leaseB.acquire("b", TTL, 1000), undefined, "a live lease is not taken");
    assert.equal(await leaseA.renew("a", 1, TTL), true);
    let row = await leaseB.lease();
    assert.equal(row.owner, "a");
    assert.equal(row.live, true);
    // The database's clock decides: an expiry an hour ahead holds whatever the node's clock says.
    await schema.client.query("UPDATE cluster_lease SET expires_at = now() + interval '1 hour'");
    assert.equal(await leaseB.acquire("b", TTL, 1000), undefined);
    await expire();
    assert.equal((await leaseB.lease()).live, false);
    assert.equal(await leaseB.acquire("b", TTL, 1000), 2, "an expired lease is taken with a new epoch");
    assert.equal(await leaseA.renew("a", 1, TTL), false, "the superseded leader cannot renew");
    assert.equal(await leaseA.release("a", 1), false, "nor release the successor's lease");
    assert.equal(await leaseB.release("b", 2), true);
    row = await leaseA.lease();
    assert.equal(row.owner, null);
    assert.equal(await leaseA.acquire("a", TTL, 1000), 3, "a released lease is free at once");
    // A restarted node may reclaim the lease its earlier run still holds (only when it asks to).
    assert.equal(await leaseA.acquire("a", TTL, 1000), undefined);
    assert.equal(await leaseA.acquire("a", TTL, 1000, true), 4);
  });

  it("a superseded leader's intake, claim and completion commit nothing", async () => {
    const fenceA = new LeaderFence("a");
    const a = await open(fenceA, "a");
    const epoch = (await leaseA.acquire("a", TTL, 1000)) ?? 0;
    fenceA.grant(epoch, monoNow() + 60_000);
    await a.enqueueIngress({ inbound: "IB", raw: hl7("F1", "X"), controlId: "F1" });
    await a.enqueueIngress({ inbound: "IB", raw: hl7("F2", "X"), controlId: "F2" });
    const [held] = await a.claimIngress("IB", { ...claim, owner: "a:router", limit: 1 });
    assert.ok(held);

    // Node b takes the lease over (a was paused past its lease); a does not know yet.
    await expire();
    const fenceB = new LeaderFence("b");
    const b = await open(fenceB, "b");
    const epochB = (await leaseB.acquire("b", TTL, 1000)) ?? 0;
    fenceB.grant(epochB, monoNow() + 60_000);
    assert.equal(epochB, epoch + 1);

    const messages = () => count("SELECT count(*) AS n FROM messages");
    await assert.rejects(
      a.enqueueIngress({ inbound: "IB", raw: hl7("F3", "X"), controlId: "F3" }),
      FencedError,
    );
    assert.equal(await messages(), 2, "the stale leader's arrival was rolled back (and so never ACKed)");
    await assert.rejects(a.claimIngress("IB", { ...claim, owner: "a:router" }), FencedError);
    await assert.rejects(a.completeRouting("a:router", [{ rowId: held.rowId, handlers: [] }]), FencedError);
    assert.equal(
      await count(`SELECT count(*) AS n FROM stage_rows WHERE state = 'claimed' AND claimed_by = 'a:router'`),
      1,
      "the claim a made before is still open: its completion did not commit",
    );
    assert.equal(await count("SELECT count(*) AS n FROM messages WHERE disposition <> 'RECEIVED'"), 0);

    // The new leader recovers the stranded claim at once and finishes the work.
    assert.equal(await b.recoverLeases({ all: true }), 1);
    const rows = await b.claimIngress("IB", { ...claim, owner: "b:router" });
    assert.deepEqual(
      rows.map((r) => r.controlId),
      ["F1", "F2"],
      "per-lane order is kept",
    );
    assert.equal(
      await b.completeRouting(
        "b:router",
        rows.map((r) => ({ rowId: r.rowId, handlers: [] })),
      ),
      2,
    );
    await b.enqueueIngress({ inbound: "IB", raw: hl7("F4", "X"), controlId: "F4" });
    assert.equal(await messages(), 3);
  });

  it("a new leader's rows sort after the previous leader's (reserved id blocks are dropped)", async () => {
    const a = await open();
    const b = await open();
    const first = await a.enqueueIngress({ inbound: "IB", raw: hl7("I1", "X") }); // a reserves a block
    const second = await b.enqueueIngress({ inbound: "IB", raw: hl7("I2", "X") }); // b: the next block
    assert.ok(second.messageId > first.messageId);
    // a leads again: without dropping its block, its next row would sort before b's.
    a.forgetReservedIds();
    const third = await a.enqueueIngress({ inbound: "IB", raw: hl7("I3", "X") });
    assert.ok(third.messageId > second.messageId, `${third.messageId} > ${second.messageId}`);
  });

  it("a deposed leader's lane delivers none of the rows handed to it in memory", async () => {
    const fence = new LeaderFence("a");
    const a = await open(fence, "a");
    fence.grant((await leaseA.acquire("a", TTL, 1000)) ?? 0, monoNow() + 60_000);
    // The engine's store as the lane sees it; `attachHandoff` shows the test the lane's inbox.
    let inbox: HandoffTarget | undefined;
    let claims = 0;
    const store = new Proxy(a, {
      get(target, key) {
        if (key === "attachHandoff")
          return (stage: Stage, conn: string, t: HandoffTarget) => {
            inbox = t;
            return target.attachHandoff(stage, conn, t);
          };
        if (key === "claimOutbound")
          return (conn: string, opts: ClaimOptions) =>
            target.claimOutbound(conn, opts).finally(() => claims++);
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const delivered: number[] = [];
    const lane = startDeliveryWorker(
      "OB",
      async (_o, _payload, meta) => {
        delivered.push(meta.rowId);
        return { status: "ok" };
      },
      { store, pollMs: 60_000 },
    );
    try {
      await eventually(async () => claims > 0, "the lane's first claim (nothing there: it is caught up)");
      fence.revoke(); // the lease is lost; rows handed just before are still in the lane's memory
      inbox?.take(
        [
          {
            rowId: 1,
            messageId: 1,
            stage: "outbound",
            conn: "OB",
            handler: "h",
            payload: hl7("D1", "X"),
            attempts: 0,
            inbound: "IB",
            contentType: "hl7v2",
            controlId: "D1",
            messageType: "ADT^A01",
            receivedAt: Date.now(),
          },
        ],
        Date.now(),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(delivered, [], "a fenced node sends nothing");
    } finally {
      await lane.stop();
    }
  });

  it("a router whose handoff failed (its fence lapsed) routes an arrival handed to it meanwhile after the rows it gave back", async () => {
    const fence = new LeaderFence("a");
    const store = await open(fence, "a");
    const epoch = (await leaseA.acquire("a", TTL, 1000)) ?? 0;
    fence.grant(epoch, monoNow() + 60_000);
    const intake = createIntake(store);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const failures: string[] = [];
    const router = startRouterWorker(
      "IB",
      async (_inbound, input) => {
        if (input.controlId === "M1") await held;
        return { handlers: ["h"] };
      },
      {
        store,
        pollMs: 60_000,
        log: {
          debug() {},
          info() {},
          warn() {},
          error(fields: Record<string, unknown>) {
            failures.push(String(fields.err));
          },
        },
      },
    );
    // Another client's lock on the counters holds M2's intake transaction just before its commit,
    // after the store asked the router's inbox for room: M2 is handed over after that commit.
    const locker = new pg.Client({ connectionString: schema.url, options: `-c search_path=${schema.name}` });
    locker.on("error", () => undefined);
    await locker.connect();
    try {
      await intake.receive("IB", hl7("M1", "ONE"));
      await eventually(
        async () => (await count("SELECT count(*) AS n FROM stage_rows WHERE claimed_by IS NOT NULL")) === 1,
        "M1 handed to the router",
      );
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE conn_stats IN EXCLUSIVE MODE");
      const m2 = intake.receive("IB", hl7("M2", "TWO"));
      await eventually(
        async () =>
          (await count(
            `SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
               WHERE NOT l.granted AND c.relname = 'conn_stats'`,
          )) > 0,
        "M2's commit waiting",
      );
      // The fence lapses while M1 is routed: its handoff fails and M1 goes back to the store (owed).
      fence.revoke();
      release();
      await eventually(() => failures.some((f) => f.includes("FencedError")), "the router's handoff failed");
      // M2 commits and is handed to the router, which is behind now; then the fence is back.
      await locker.query("COMMIT");
      await m2;
      fence.grant(epoch, monoNow() + 60_000);
      await intake.receive("IB", hl7("M3", "THREE"));
      await eventually(
        async () => (await count("SELECT count(*) AS n FROM stage_rows WHERE stage = 'routed'")) === 3,
        "all three routed",
      );
      const routed = await schema.client.query(
        "SELECT m.control_id FROM stage_rows r JOIN messages m ON m.id = r.message_id WHERE r.stage = 'routed' ORDER BY r.id",
      );
      assert.deepEqual(
        routed.rows.map((r) => r.control_id),
        ["M1", "M2", "M3"],
      );
    } finally {
      release();
      await locker.end().catch(() => undefined);
      await router.stop();
    }
  });

  it("a node that stops while a heartbeat is under way is listed as stopped, not as the standby that heartbeat said", async () => {
    let answer: (() => void) | undefined;
    let asked = 0;
    const settings = {
      nodeId: "n1",
      heartbeatMs: 200,
      fenceTimeoutMs: 5000,
      leaseTtlMs: TTL,
      promotable: false,
      acquireDelayMs: 0,
    };
    const node = new ClusterNode(
      settings,
      leaseA,
      new LeaderFence("n1"),
      {
        lead: async () => undefined,
        standDown: async () => undefined,
        // From the second heartbeat on, readiness (a standby loading a promoted version) answers only when told.
        readiness: () =>
          asked++ === 0
            ? Promise.resolve({ configVersion: "v1", ready: true, note: null })
            : new Promise((resolve) => {
                answer = () => resolve({ configVersion: "v1", ready: true, note: null });
              }),
      },
      { debug() {}, info() {}, warn() {}, error() {} },
    );
    await node.start();
    const role = async () => (await leaseB.members()).find((m) => m.nodeId === "n1")?.role;
    assert.equal(await role(), "standby");
    await eventually(() => answer !== undefined, "the next heartbeat waiting for its readiness");
    // The node is told to stop while that heartbeat is under way; the heartbeat then goes on.
    const stopping = node.stop();
    await new Promise((r) => setTimeout(r, 200));
    answer?.();
    await stopping;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await role(), "stopped");
  });

  it("a node whose acquire outlasted its fence timeout renews before it leads, instead of fencing itself at once", async () => {
    // An earlier leader's lease, expired; a transaction of another client holds the lease row, so the
    // node's acquire waits out one lock timeout (400 ms), and the row is let go 650 ms into its second.
    assert.equal(await leaseA.acquire("old", TTL, 1000), 1);
    await expire();
    const holder = new pg.Client({ connectionString: schema.url, options: `-c search_path=${schema.name}` });
    holder.on("error", () => undefined);
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT 1 FROM cluster_lease WHERE id = 1 FOR UPDATE");
    const fence = new LeaderFence("n1");
    const events: string[] = [];
    const node = new ClusterNode(
      {
        nodeId: "n1",
        heartbeatMs: 400,
        fenceTimeoutMs: 600,
        leaseTtlMs: 3000,
        promotable: true,
        acquireDelayMs: 0,
      },
      leaseB,
      fence,
      {
        lead: async () => {
          events.push("lead");
        },
        standDown: async (reason) => {
          events.push(`stand down: ${reason}`);
        },
        readiness: async () => ({ configVersion: "v1", ready: true, note: null }),
      },
      { debug() {}, info() {}, warn() {}, error() {} },
    );
    const started = node.start();
    const waitingAt = await (async () => {
      await eventually(
        async () =>
          Number(
            (
              await schema.client.query(
                `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'
                   AND query LIKE '%FROM cluster_lease WHERE id = 1 FOR UPDATE%'`,
              )
            ).rows[0]?.n,
          ) > 0,
        "the node's acquire waiting for the lease row",
      );
      return monoNow();
    })();
    await new Promise((r) => setTimeout(r, Math.max(0, waitingAt + 650 - monoNow())));
    await holder.query("COMMIT");
    await holder.end();
    try {
      await started;
      await eventually(() => events.includes("lead"), "the node leads");
      // Past several fence checks (every 100 ms here): still the leader, its fence current.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(events, ["lead"]);
      assert.equal(node.role, "primary");
      assert.equal(fence.current()?.epoch, 2);
    } finally {
      await node.stop();
    }
  });

  it("a leader past its fence time (or revoked) writes nothing, without asking the database", async () => {
    const fence = new LeaderFence("a");
    const a = await open(fence, "a");
    await assert.rejects(a.enqueueIngress({ inbound: "IB", raw: hl7("S1", "X") }), FencedError, "a standby");
    const epoch = (await leaseA.acquire("a", TTL, 1000)) ?? 0;
    fence.grant(epoch, monoNow() + 60_000);
    await a.enqueueIngress({ inbound: "IB", raw: hl7("S2", "X") });
    fence.grant(epoch, monoNow() - 1); // the fence timeout passed (a paused process wakes up)
    await assert.rejects(a.enqueueIngress({ inbound: "IB", raw: hl7("S3", "X") }), FencedError);
    await assert.rejects(a.claimIngress("IB", { ...claim, owner: "a:router" }), FencedError);
    fence.grant(epoch, monoNow() + 60_000);
    fence.revoke();
    await assert.rejects(a.enqueueIngress({ inbound: "IB", raw: hl7("S4", "X") }), FencedError);
    assert.equal(await count("SELECT count(*) AS n FROM messages"), 1);
  });

  it("taking the lease over waits for the old leader's transaction, and ends it when that leader is paused", async () => {
    assert.equal(await leaseA.acquire("a", TTL, 1000), 1);
    // A's connection, paused inside a transaction that passed its fence check (holds the row shared).
    const paused = new pg.Client({
      connectionString: schema.url,
      options: `-c search_path=${schema.name}`,
      application_name: nodeApplicationName("messagefoundry", schema.name, "a"),
    });
    paused.on("error", () => undefined);
    await paused.connect();
    await paused.query("BEGIN");
    await paused.query(
      "SELECT 1 FROM cluster_lease WHERE id = 1 AND owner = 'a' AND epoch = 1 FOR KEY SHARE",
    );
    await expire();
    // B waits (lock_timeout), ends a's connections, and takes the lease; a's transaction is gone.
    assert.equal(await leaseB.acquire("b", TTL, 300), 2);
    await assert.rejects(paused.query("COMMIT"));
    await paused.end().catch(() => undefined);
  });
});
