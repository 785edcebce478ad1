import assert from "node:assert/strict";
import type { ClaimedRow, HandoffTarget, Store } from "../../src/store/index.js";
import type { StoreHarness } from "./contract.js";
import { DIALECTS } from "./harnesses.js";
import { adt, buf } from "./helpers.js";

/** A handoff target that records what the store hands it. */
function recorder(owner: string, room: number) {
  const taken: ClaimedRow[][] = [];
  let overflows = 0;
  let left = room;
  const target: HandoffTarget = {
    owner,
    leaseMs: 60_000,
    room: () => left,
    overflow: () => {
      overflows++;
    },
    take: (rows) => {
      left -= rows.length;
      taken.push(rows);
    },
  };
  return { target, taken, overflows: () => overflows };
}

/** The optional fast path, which both stores offer. */
function handoffOf(store: Store) {
  const attach = store.attachHandoff?.bind(store);
  const releaseLane = store.releaseLane?.bind(store);
  assert.ok(attach && releaseLane, "the store offers handoffs");
  return { attach, releaseLane };
}

for (const [kind, open] of DIALECTS) {
  describe(`store handoff on ${kind} (rows inserted already claimed for the next worker)`, () => {
    let t: StoreHarness;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it("hands new ingress rows to the attached worker, claimed and in order, and inserts the rest pending", async () => {
      const r = recorder("router-1", 2);
      const detach = handoffOf(t.store).attach("ingress", "IB_H", r.target);
      const before = Date.now();
      const receipts = await Promise.all(
        ["H1", "H2", "H3"].map((c) =>
          t.store.enqueueIngress({ inbound: "IB_H", raw: buf(adt(c)), controlId: c }),
        ),
      );
      assert.equal(r.taken.length, 1, "one take per commit");
      const handed = r.taken[0] ?? [];
      assert.deepEqual(
        handed.map((x) => x.controlId),
        ["H1", "H2"],
      );
      assert.deepEqual(
        handed.map((x) => x.messageId),
        receipts.slice(0, 2).map((x) => x.messageId),
      );
      assert.ok(handed[0]?.payload.toString("latin1").includes("H1"), "the payload in the clear");
      assert.equal(r.overflows(), 1, "told once that rows went pending");
      const rows = await t.query(
        "SELECT message_id, state, claimed_by, lease_until FROM stage_rows WHERE stage = 'ingress' ORDER BY id",
      );
      assert.deepEqual(
        rows.map((x) => [x.state, x.claimed_by]),
        [
          ["claimed", "router-1"],
          ["claimed", "router-1"],
          ["pending", null],
        ],
      );
      assert.ok(Number(rows[0]?.lease_until) >= before + 60_000, "a real lease");
      // The pending row is the only one another claim can take; the handed ones are leased.
      const claimed = await t.store.claimIngress("IB_H", { owner: "router-2", limit: 10, leaseMs: 1000 });
      assert.deepEqual(
        claimed.map((x) => x.controlId),
        ["H3"],
      );
      detach();
      await t.store.enqueueIngress({ inbound: "IB_H", raw: buf(adt("H4")), controlId: "H4" });
      assert.equal(r.taken.length, 1, "nothing handed after detach");
    });

    it("claims a lane's outbound rows for its owner at insert; its claim takes them, releaseLane gives them back", async () => {
      const lane = recorder("lane-owner", Number.POSITIVE_INFINITY);
      const { attach, releaseLane } = handoffOf(t.store);
      attach("outbound", "OB_H", lane.target);
      await t.store.enqueueIngress({ inbound: "IB_H", raw: buf(adt("L1")), controlId: "L1" });
      const [ing] = await t.store.claimIngress("IB_H", { owner: "r", limit: 1, leaseMs: 60_000 });
      assert.ok(ing);
      await t.store.completeRouting("r", [{ rowId: ing.rowId, handlers: ["h"], source: ing }]);
      const [routed] = await t.store.claimRouted("IB_H", { owner: "x", limit: 1, leaseMs: 60_000 });
      assert.ok(routed);
      await t.store.completeTransform("x", [
        { rowId: routed.rowId, sends: [{ outbound: "OB_H", payload: buf("MSH|OUT") }], source: routed },
      ]);
      assert.equal(lane.taken.length, 1, "the lane's owner was woken");
      const opts = { limit: 10, leaseMs: 60_000 };
      assert.deepEqual(await t.store.claimOutbound("OB_H", { owner: "someone-else", ...opts }), []);
      const mine = await t.store.claimOutbound("OB_H", { owner: "lane-owner", ...opts });
      assert.equal(mine.length, 1);
      assert.equal(mine[0]?.payload.toString("latin1"), "MSH|OUT");
      assert.equal(await releaseLane("OB_H", "lane-owner"), 1);
      const other = await t.store.claimOutbound("OB_H", { owner: "someone-else", ...opts });
      assert.equal(other.length, 1, "pending again: any worker of the lane can take it");
    });

    it("routes by the finalizer shortcut: ROUTED or UNROUTED at once, counted once, routed rows handed on claimed", async () => {
      const router = recorder("router", 10);
      const transformer = recorder("transformer", 10);
      const { attach } = handoffOf(t.store);
      attach("ingress", "IB_F", router.target);
      attach("routed", "IB_F", transformer.target);
      await Promise.all(
        ["F1", "F2"].map((c) => t.store.enqueueIngress({ inbound: "IB_F", raw: buf(adt(c)), controlId: c })),
      );
      const [f1, f2] = router.taken.flat();
      assert.ok(f1 && f2);
      await t.store.completeRouting("router", [
        { rowId: f1.rowId, handlers: ["h1", "h2"], source: f1 },
        { rowId: f2.rowId, handlers: [], source: f2 },
      ]);
      assert.equal((await t.store.getMessage(f1.messageId))?.disposition, "ROUTED");
      assert.equal((await t.store.getMessage(f2.messageId))?.disposition, "UNROUTED");
      // The routed rows went to the transform worker claimed, in handler order, payload in the clear.
      const handed = transformer.taken.flat();
      assert.deepEqual(
        handed.map((r) => [r.handler, r.controlId, r.stage]),
        [
          ["h1", "F1", "routed"],
          ["h2", "F1", "routed"],
        ],
      );
      assert.ok(handed[0]?.payload.toString("latin1").includes("F1"));
      const routed = await t.query(
        "SELECT state, claimed_by FROM stage_rows WHERE stage = 'routed' AND message_id = ? ORDER BY id",
        f1.messageId,
      );
      assert.deepEqual(
        routed.map((r) => [r.state, r.claimed_by]),
        [
          ["claimed", "transformer"],
          ["claimed", "transformer"],
        ],
      );
      const counters = (await t.store.stats()).connections.find((c) => c.conn === "IB_F");
      assert.deepEqual([counters?.received, counters?.unrouted], [2, 1]);
      // A filtered transform of both handlers ends the message FILTERED (the finalizer proper).
      await t.store.completeTransform(
        "transformer",
        handed.map((r) => ({ rowId: r.rowId, sends: [], source: r })),
      );
      assert.equal((await t.store.getMessage(f1.messageId))?.disposition, "FILTERED");
    });

    it("writes a handler that ran in the routing step as a transform would: routed row closed, sends handed to their lanes, filtered and failed ones finalized", async () => {
      const router = recorder("router", 10);
      const transformer = recorder("transformer", 10);
      const lane = recorder("lane", 10);
      const { attach } = handoffOf(t.store);
      attach("ingress", "IB_X", router.target);
      attach("routed", "IB_X", transformer.target);
      attach("outbound", "OB_X", lane.target);
      await Promise.all(
        ["X1", "X2", "X3"].map((c) =>
          t.store.enqueueIngress({ inbound: "IB_X", raw: buf(adt(c)), controlId: c }),
        ),
      );
      const [x1, x2, x3] = router.taken.flat();
      assert.ok(x1 && x2 && x3);
      const sends = (text: string) => ({ sends: [{ outbound: "OB_X", payload: buf(text) }] });
      await t.store.completeRouting("router", [
        // h1 ran here; h2 is left to the transform worker.
        {
          rowId: x1.rowId,
          handlers: ["h1", "h2"],
          source: x1,
          transformed: new Map([["h1", sends("OUT-1")]]),
        },
        { rowId: x2.rowId, handlers: ["h1"], source: x2, transformed: new Map([["h1", { sends: [] }]]) },
        {
          rowId: x3.rowId,
          handlers: ["h1"],
          source: x3,
          transformed: new Map([["h1", { error: "h1 threw" }]]),
        },
      ]);
      // Only h2's routed row reaches the transform worker; h1's are closed and never claimable.
      assert.deepEqual(
        transformer.taken.flat().map((r) => [r.handler, r.controlId]),
        [["h2", "X1"]],
      );
      assert.deepEqual(await t.store.claimRouted("IB_X", { owner: "other", limit: 10, leaseMs: 1000 }), []);
      const routed = await t.query(
        "SELECT message_id, handler, state FROM stage_rows WHERE stage = 'routed' ORDER BY id",
      );
      assert.deepEqual(
        routed.map((r) => [Number(r.message_id), r.handler, r.state]),
        [
          [x1.messageId, "h1", "done"],
          [x1.messageId, "h2", "claimed"],
          [x2.messageId, "h1", "done"],
          [x3.messageId, "h1", "dead"],
        ],
      );
      // X1's send went to its lane claimed, payload in the clear, and is stored sealed under its row.
      const handed = lane.taken.flat();
      assert.deepEqual(
        handed.map((r) => [r.stage, r.conn, r.handler, r.controlId, r.payload.toString("latin1")]),
        [["outbound", "OB_X", "h1", "X1", "OUT-1"]],
      );
      const mine = await t.store.claimOutbound("OB_X", { owner: "lane", limit: 10, leaseMs: 60_000 });
      assert.deepEqual(
        mine.map((r) => [r.rowId, r.payload.toString("latin1")]),
        [[handed[0]?.rowId, "OUT-1"]],
      );
      const m1 = await t.store.getMessage(x1.messageId);
      assert.equal(m1?.disposition, "ROUTED");
      assert.deepEqual(
        m1?.history.map((e) => [e.kind, e.detail]),
        [
          ["routed", "h1,h2"],
          ["transformed", "h1: OB_X"],
        ],
      );
      const m2 = await t.store.getMessage(x2.messageId);
      assert.equal(m2?.disposition, "FILTERED");
      assert.deepEqual(
        m2?.history.map((e) => e.kind),
        ["routed", "transformed", "disposition"],
      );
      const m3 = await t.store.getMessage(x3.messageId);
      assert.deepEqual([m3?.disposition, m3?.error], ["ERROR", "h1 threw"]);
      assert.deepEqual(
        m3?.history.map((e) => [e.kind, e.detail]),
        [
          ["routed", "h1"],
          ["transform-error", "h1: h1 threw"],
          ["disposition", "ERROR"],
        ],
      );
      assert.equal(m3?.rows.find((r) => r.stage === "routed")?.error, "h1 threw");
      assert.deepEqual(
        (await t.store.listDeadLetters({ conn: "IB_X" })).map((d) => d.messageId),
        [x3.messageId],
      );
      // The failed transform's error is sealed at rest like any other.
      const errors = await t.query("SELECT error AS v FROM stage_rows WHERE state = 'dead'");
      assert.equal(String(errors[0]?.v).includes("h1 threw"), false);
      // When the lane delivers, X1 waits only for h2's transform.
      await t.store.completeDelivery("lane", [{ rowId: mine[0]?.rowId ?? 0, status: "ok" }]);
      assert.equal((await t.store.getMessage(x1.messageId))?.disposition, "ROUTED");
      const [h2] = transformer.taken.flat();
      await t.store.completeTransform("transformer", [{ rowId: h2?.rowId ?? 0, sends: [], source: h2 }]);
      assert.equal((await t.store.getMessage(x1.messageId))?.disposition, "PROCESSED");
    });
  });
}
