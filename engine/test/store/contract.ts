/**
 * The Store contract suite: every implementation (SQLite, PostgreSQL) runs these same tests through
 * a harness that opens a fresh, real database and can simulate a crash.
 */
import assert from "node:assert/strict";
import { BlindIndex, type ClaimedRow, type Store } from "../../src/store/index.js";
import { adt, buf } from "./helpers.js";

export interface StoreHarness {
  store: Store;
  /** Drops the connection without completing anything (a crash) and opens the same database again. */
  reopen(): Promise<Store>;
  /** Reads through a second, independent connection; `?` placeholders. */
  query(sql: string, ...args: (string | number)[]): Promise<Record<string, unknown>[]>;
  /** Writes through a second connection (tampering, as an attacker or a broken disk would). */
  exec(sql: string, ...args: (string | number | Buffer)[]): Promise<void>;
  cleanup(): Promise<void>;
}

const OWNER = "test-worker";
const claim = { owner: OWNER, limit: 100, leaseMs: 60_000 };

/** Drives one message through ingress and routing by hand, returning its routed rows. */
async function routeAll(store: Store, inbound: string, handlers: (row: ClaimedRow) => string[]) {
  const rows = await store.claimIngress(inbound, claim);
  await store.completeRouting(
    OWNER,
    rows.map((r) => ({ rowId: r.rowId, handlers: handlers(r) })),
  );
  return store.claimRouted(inbound, claim);
}

export function storeContract(kind: "sqlite" | "postgres", open: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${kind}`, () => {
    let t: StoreHarness;
    beforeEach(async () => {
      t = await open();
    });
    afterEach(async () => {
      await t.cleanup();
    });
    const count = async (sql: string, ...args: (string | number)[]) =>
      Number((await t.query(sql, ...args))[0]?.n);

    describe("group commit", () => {
      it("resolves only after the arrival is committed, with concurrent arrivals in one transaction", async () => {
        const committed = () => count("SELECT count(*) AS n FROM messages");
        const arrivals = Array.from({ length: 50 }, (_, i) =>
          t.store.enqueueIngress({ inbound: "IB_TEST", raw: buf(adt(`C${i}`)), controlId: `C${i}` }),
        );
        // Nothing is committed until the group commit runs (observable without a network round trip).
        if (kind === "sqlite") assert.equal(await committed(), 0);
        // When the FIRST arrival resolves, all 50 are already committed: they shared one transaction.
        const first = await arrivals[0];
        assert.equal(await committed(), 50);
        assert.equal(first?.disposition, "RECEIVED");
        const all = await Promise.all(arrivals);
        assert.deepEqual(
          all.map((r) => r.messageId),
          all.map((_, i) => (first?.messageId ?? 0) + i),
        );
      });

      it("keeps committed arrivals across a close and reopen", async () => {
        const { messageId } = await t.store.enqueueIngress({ inbound: "IB_TEST", raw: buf(adt("KEEP1")) });
        await t.reopen();
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.disposition, "RECEIVED");
        assert.equal((await t.store.getMessageRaw(messageId))?.toString("latin1"), adt("KEEP1"));
        assert.equal(m?.rows.length, 1);
        assert.equal(m?.rows[0]?.stage, "ingress");
      });

      it("a bad arrival is rejected alone; the others in its group commit are committed", async () => {
        const good = (cid: string) =>
          t.store.enqueueIngress({ inbound: "IB_G", raw: buf(adt(cid)), controlId: cid });
        // A NULL inbound violates NOT NULL: the batch's transaction fails.
        const bad = { inbound: null, raw: buf(adt("BAD")) } as unknown as Parameters<
          Store["enqueueIngress"]
        >[0];
        const results = await Promise.allSettled([good("G1"), t.store.enqueueIngress(bad), good("G2")]);
        assert.deepEqual(
          results.map((r) => r.status),
          ["fulfilled", "rejected", "fulfilled"],
        );
        assert.deepEqual((await t.store.listMessages({ inbound: "IB_G" })).map((m) => m.controlId).sort(), [
          "G1",
          "G2",
        ]);
      });

      it("records a rejected arrival with disposition ERROR and no stage row", async () => {
        const r = await t.store.recordRejected({
          inbound: "IB_TEST",
          raw: buf("garbage"),
          error: "cannot parse",
        });
        assert.equal(r.disposition, "ERROR");
        const m = await t.store.getMessage(r.messageId);
        assert.equal(m?.error, "cannot parse");
        assert.equal(m?.rows.length, 0);
        assert.deepEqual(await t.store.claimIngress("IB_TEST", claim), []);
      });
    });

    describe("handoffs", () => {
      it("writes routed rows and completes ingress in one step; a re-run after a crash lands the same result", async () => {
        const { messageId } = await t.store.enqueueIngress({ inbound: "IB_TEST", raw: buf(adt("H1")) });
        // Worker A claims, then the process "crashes" before completing the handoff.
        const claimedByA = await t.store.claimIngress("IB_TEST", { ...claim, owner: "A" });
        assert.equal(claimedByA.length, 1);
        await t.reopen();
        // On restart the abandoned claim is recovered and the handoff re-runs.
        assert.equal(await t.store.recoverLeases({ all: true }), 1);
        const rows = await t.store.claimIngress("IB_TEST", { ...claim, owner: "B" });
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.payload.toString("latin1"), adt("H1"));
        assert.equal(
          await t.store.completeRouting("B", [{ rowId: rows[0]?.rowId ?? 0, handlers: ["h1", "h2"] }]),
          1,
        );
        // The stale worker's late completion is a no-op: no duplicate routed rows.
        assert.equal(
          await t.store.completeRouting("A", [{ rowId: claimedByA[0]?.rowId ?? 0, handlers: ["h1", "h2"] }]),
          0,
        );
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.disposition, "ROUTED");
        assert.deepEqual(
          m?.rows.filter((r) => r.stage === "routed").map((r) => r.handler),
          ["h1", "h2"],
        );
      });

      it("recovers a row whose lease ran out, and ignores the first worker's completion", async () => {
        await t.store.enqueueIngress({ inbound: "IB_TEST", raw: buf(adt("L1")) });
        const now = Date.now();
        const a = await t.store.claimIngress("IB_TEST", { owner: "A", limit: 10, leaseMs: 1000, now });
        assert.equal(a.length, 1);
        assert.deepEqual(
          await t.store.claimIngress("IB_TEST", { owner: "B", limit: 10, leaseMs: 1000, now }),
          [],
        );
        const b = await t.store.claimIngress("IB_TEST", {
          owner: "B",
          limit: 10,
          leaseMs: 1000,
          now: now + 1001,
        });
        assert.deepEqual(
          b.map((r) => r.rowId),
          a.map((r) => r.rowId),
        );
        assert.equal(await t.store.completeRouting("A", [{ rowId: a[0]?.rowId ?? 0, handlers: [] }]), 0);
        assert.equal(await t.store.completeRouting("B", [{ rowId: b[0]?.rowId ?? 0, handlers: [] }]), 1);
      });

      it("a claim takes at most its limit, whatever the limit, in id order, skipping excluded handlers", async () => {
        for (let i = 0; i < 12; i++)
          await t.store.enqueueIngress({ inbound: "IB_LIM", raw: buf(adt(`M${i}`)) });
        const ingress = await t.store.claimIngress("IB_LIM", claim);
        await t.store.completeRouting(
          OWNER,
          ingress.map((r) => ({ rowId: r.rowId, handlers: ["h1", "h2"] })),
        );
        const perHandler = ingress.length;
        // More sizes than the SQLite dialect keeps a statement for.
        for (let limit = 1; limit <= 20; limit++) {
          const rows = await t.store.claimRouted("IB_LIM", { ...claim, limit, excludeHandlers: ["h1"] });
          assert.equal(rows.length, Math.min(limit, perHandler), `limit ${limit}`);
          assert.ok(rows.every((r) => r.handler === "h2"));
          const ids = rows.map((r) => r.rowId);
          assert.deepEqual(
            ids,
            [...ids].sort((a, b) => a - b),
          );
          assert.equal(await t.store.releaseClaims(OWNER, ids), rows.length);
          const all = await t.store.claimRouted("IB_LIM", { ...claim, limit });
          assert.equal(all.length, Math.min(limit, 2 * perHandler), `limit ${limit}, nothing excluded`);
          await t.store.releaseClaims(
            OWNER,
            all.map((r) => r.rowId),
          );
        }
      });
    });

    describe("finalizer", () => {
      it("ROUTED → PROCESSED once every send is delivered", async () => {
        const { messageId } = await t.store.enqueueIngress({ inbound: "IB_TEST", raw: buf(adt("P1")) });
        const routed = await routeAll(t.store, "IB_TEST", () => ["h1"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routed[0]?.rowId ?? 0, sends: [{ outbound: "OB_A", payload: buf("OUT-A") }] },
        ]);
        assert.equal((await t.store.getMessage(messageId))?.disposition, "ROUTED");
        const out = await t.store.claimOutbound("OB_A", claim);
        assert.equal(out[0]?.payload.toString(), "OUT-A");
        await t.store.completeDelivery(OWNER, [
          { rowId: out[0]?.rowId ?? 0, status: "ok", reply: buf("MSA|AA") },
        ]);
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.disposition, "PROCESSED");
        assert.equal((await t.store.getRowReply(out[0]?.rowId ?? 0))?.toString(), "MSA|AA");
        assert.deepEqual(
          m?.history.map((e) => e.kind),
          ["routed", "transformed", "delivered", "disposition"],
        );
      });

      it("UNROUTED when the router selects no handler; FILTERED when handlers send nothing", async () => {
        const u = await t.store.enqueueIngress({ inbound: "IB_U", raw: buf(adt("U1")) });
        await routeAll(t.store, "IB_U", () => []);
        assert.equal((await t.store.getMessage(u.messageId))?.disposition, "UNROUTED");

        const f = await t.store.enqueueIngress({ inbound: "IB_F", raw: buf(adt("F1")) });
        const routed = await routeAll(t.store, "IB_F", () => ["h1", "h2"]);
        await t.store.completeTransform(
          OWNER,
          routed.map((r) => ({ rowId: r.rowId, sends: [] })),
        );
        assert.equal((await t.store.getMessage(f.messageId))?.disposition, "FILTERED");
      });

      it("ERROR when routing fails, a handler fails, or a delivery dead-letters", async () => {
        const r = await t.store.enqueueIngress({ inbound: "IB_R", raw: buf(adt("E1")) });
        const rows = await t.store.claimIngress("IB_R", claim);
        await t.store.completeRouting(OWNER, [{ rowId: rows[0]?.rowId ?? 0, error: "router threw" }]);
        const mr = await t.store.getMessage(r.messageId);
        assert.equal(mr?.disposition, "ERROR");
        assert.equal(mr?.error, "router threw");

        const h = await t.store.enqueueIngress({ inbound: "IB_H", raw: buf(adt("E2")) });
        const routed = await routeAll(t.store, "IB_H", () => ["ok", "bad"]);
        await t.store.completeTransform(
          OWNER,
          routed.map((x) =>
            x.handler === "bad" ? { rowId: x.rowId, error: "handler threw" } : { rowId: x.rowId, sends: [] },
          ),
        );
        assert.equal((await t.store.getMessage(h.messageId))?.disposition, "ERROR");

        const d = await t.store.enqueueIngress({ inbound: "IB_D", raw: buf(adt("E3")) });
        const routedD = await routeAll(t.store, "IB_D", () => ["h"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routedD[0]?.rowId ?? 0, sends: [{ outbound: "OB_D", payload: buf("X") }] },
        ]);
        const out = await t.store.claimOutbound("OB_D", claim);
        await t.store.completeDelivery(OWNER, [{ rowId: out[0]?.rowId ?? 0, status: "dead", error: "AR" }]);
        assert.equal((await t.store.getMessage(d.messageId))?.disposition, "ERROR");
        const dead = await t.store.listDeadLetters({ conn: "OB_D" });
        assert.deepEqual(
          dead.map((x) => x.id),
          [out[0]?.rowId],
        );
      });
    });

    describe("outbound lanes", () => {
      async function queue(n: number, outbound = "OB_LANE"): Promise<number[]> {
        for (let i = 0; i < n; i++) await t.store.enqueueIngress({ inbound: "IB_Q", raw: buf(adt(`Q${i}`)) });
        const routed = await routeAll(t.store, "IB_Q", () => ["h"]);
        await t.store.completeTransform(
          OWNER,
          routed.map((r, i) => ({ rowId: r.rowId, sends: [{ outbound, payload: buf(`P${i}`) }] })),
        );
        return (await t.store.listMessages({ inbound: "IB_Q" })).map((m) => m.id);
      }

      it("keeps the head blocking its lane while it backs off, then delivers in order", async () => {
        await queue(3);
        const now = Date.now();
        const first = await t.store.claimOutbound("OB_LANE", { ...claim, now });
        assert.deepEqual(
          first.map((r) => r.payload.toString()),
          ["P0", "P1", "P2"],
        );
        const [head, ...rest] = first;
        await t.store.completeDelivery(OWNER, [
          { rowId: head?.rowId ?? 0, status: "retry", error: "AE", nextAttemptAt: now + 5000 },
        ]);
        await t.store.releaseClaims(
          OWNER,
          rest.map((r) => r.rowId),
        );
        // Nothing may overtake the retrying head.
        assert.deepEqual(await t.store.claimOutbound("OB_LANE", { ...claim, now: now + 10 }), []);
        assert.equal((await t.store.laneHead("OB_LANE"))?.nextAttemptAt, now + 5000);
        const again = await t.store.claimOutbound("OB_LANE", { ...claim, now: now + 5000 });
        assert.deepEqual(
          again.map((r) => [r.payload.toString(), r.attempts]),
          [
            ["P0", 1],
            ["P1", 0],
            ["P2", 0],
          ],
        );
      });

      it("moves on past a dead-lettered head, and other lanes flow independently", async () => {
        await queue(2);
        await t.store.enqueueIngress({ inbound: "IB_O", raw: buf(adt("O1")) });
        const routed = await routeAll(t.store, "IB_O", () => ["h"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routed[0]?.rowId ?? 0, sends: [{ outbound: "OB_OTHER", payload: buf("OTHER") }] },
        ]);
        const now = Date.now();
        const head = (await t.store.claimOutbound("OB_LANE", { ...claim, limit: 1, now }))[0];
        await t.store.completeDelivery(OWNER, [
          { rowId: head?.rowId ?? 0, status: "retry", error: "down", nextAttemptAt: now + 60_000 },
        ]);
        // OB_LANE is blocked, OB_OTHER is not.
        assert.equal((await t.store.claimOutbound("OB_OTHER", { ...claim, now })).length, 1);
        const h2 = (await t.store.claimOutbound("OB_LANE", { ...claim, limit: 1, now: now + 60_000 }))[0];
        await t.store.completeDelivery(OWNER, [{ rowId: h2?.rowId ?? 0, status: "dead", error: "AR" }]);
        const next = await t.store.claimOutbound("OB_LANE", { ...claim, now: now + 60_000 });
        assert.deepEqual(
          next.map((r) => r.payload.toString()),
          ["P1"],
        );
      });
    });

    describe("operator actions", () => {
      async function deadLetter(): Promise<{ messageId: number; rowId: number }> {
        const { messageId } = await t.store.enqueueIngress({ inbound: "IB_X", raw: buf(adt("X1")) });
        const routed = await routeAll(t.store, "IB_X", () => ["h"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routed[0]?.rowId ?? 0, sends: [{ outbound: "OB_X", payload: buf("PAYLOAD-X") }] },
        ]);
        const out = await t.store.claimOutbound("OB_X", claim);
        await t.store.completeDelivery(OWNER, [{ rowId: out[0]?.rowId ?? 0, status: "dead", error: "AR" }]);
        return { messageId, rowId: out[0]?.rowId ?? 0 };
      }

      it("resends one outbound row at the tail of its lane", async () => {
        const { messageId, rowId } = await deadLetter();
        const copy = await t.store.resendOutbound(rowId);
        assert.ok(copy !== undefined && copy > rowId);
        assert.equal((await t.store.getMessage(messageId))?.disposition, "ROUTED");
        const out = await t.store.claimOutbound("OB_X", claim);
        assert.deepEqual(
          out.map((r) => [r.rowId, r.payload.toString()]),
          [[copy, "PAYLOAD-X"]],
        );
        await t.store.completeDelivery(OWNER, [{ rowId: copy ?? 0, status: "ok" }]);
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.disposition, "PROCESSED");
        assert.equal(m?.rows.find((r) => r.id === rowId)?.state, "replaced");
        assert.equal(await t.store.resendOutbound(copy ?? 0).then((x) => typeof x), "number");
      });

      it("replays a message from ingress as a new run, keeping the old rows as history", async () => {
        const { messageId } = await deadLetter();
        assert.equal(await t.store.replayMessage(messageId), true);
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.disposition, "RECEIVED");
        assert.equal(m?.run, 2);
        assert.equal(m?.error, null);
        const rows = await t.store.claimIngress("IB_X", claim);
        assert.equal(rows.length, 1);
        await t.store.completeRouting(OWNER, [{ rowId: rows[0]?.rowId ?? 0, handlers: [] }]);
        const after = await t.store.getMessage(messageId);
        assert.equal(after?.disposition, "UNROUTED");
        assert.ok((after?.rows.length ?? 0) >= 4);
        assert.equal(await t.store.replayMessage(999_999), false);
      });

      it("a replay supersedes the earlier run's dead letters, so a bulk replay cannot resend them", async () => {
        const { messageId, rowId } = await deadLetter();
        assert.deepEqual(
          (await t.store.listDeadLetters()).map((r) => r.id),
          [rowId],
        );
        assert.equal(await t.store.replayMessage(messageId), true);
        assert.deepEqual(await t.store.listDeadLetters(), []);
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.rows.find((r) => r.id === rowId)?.state, "replaced");
        // The new run dead-letters again: only its own row is listed.
        const routed = await routeAll(t.store, "IB_X", () => ["h"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routed[0]?.rowId ?? 0, sends: [{ outbound: "OB_X", payload: buf("PAYLOAD-X") }] },
        ]);
        const out = await t.store.claimOutbound("OB_X", claim);
        await t.store.completeDelivery(OWNER, [{ rowId: out[0]?.rowId ?? 0, status: "dead", error: "AR" }]);
        assert.deepEqual(
          (await t.store.listDeadLetters()).map((r) => r.id),
          [out[0]?.rowId],
        );
      });

      it("cancels a message's open rows: disposition ERROR, nothing left to claim", async () => {
        const { messageId } = await t.store.enqueueIngress({ inbound: "IB_C", raw: buf(adt("C1")) });
        const routed = await routeAll(t.store, "IB_C", () => ["h"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routed[0]?.rowId ?? 0, sends: [{ outbound: "OB_C", payload: buf("C") }] },
        ]);
        assert.equal(await t.store.cancelMessage(messageId), 1);
        const m = await t.store.getMessage(messageId);
        assert.equal(m?.disposition, "ERROR");
        assert.equal(m?.error, "cancelled by operator");
        assert.deepEqual(await t.store.claimOutbound("OB_C", claim), []);
        assert.equal(await t.store.cancelRow(m?.rows[0]?.id ?? 0), false);
      });
    });

    describe("blind index", () => {
      it("finds messages by an identifier token, in one group commit with the message, and forgets them on purge", async () => {
        const index = new BlindIndex(Buffer.alloc(32, 7));
        const mrn = "MRN-SYNTH-0042";
        const [a, b, c] = await Promise.all([
          t.store.enqueueIngress({
            inbound: "IB_I",
            raw: buf(adt("I1")),
            identifiers: index.tokens([mrn, "I1"]),
          }),
          t.store.enqueueIngress({
            inbound: "IB_J",
            raw: buf(adt("I2")),
            identifiers: index.tokens(["OTHER", "I2"]),
          }),
          t.store.enqueueIngress({
            inbound: "IB_I",
            raw: buf(adt("I3")),
            identifiers: index.tokens([mrn, "I3"]),
          }),
        ]);
        const found = await t.store.listMessages({ identifier: index.token(mrn) });
        assert.deepEqual(
          found.map((m) => m.id),
          [c?.messageId, a?.messageId],
        );
        assert.deepEqual(
          (await t.store.listMessages({ identifier: index.token("I2") })).map((m) => m.id),
          [b?.messageId],
        );
        // Combined with the other filters, and nothing for a value never seen (or another key's token).
        assert.equal(
          (await t.store.listMessages({ identifier: index.token(mrn), inbound: "IB_J" })).length,
          0,
        );
        assert.equal((await t.store.listMessages({ identifier: index.token("NOPE") })).length, 0);
        assert.equal(
          (await t.store.listMessages({ identifier: new BlindIndex(Buffer.alloc(32, 8)).token(mrn) })).length,
          0,
        );
        // The database holds tokens only, never the value.
        const tokens = await t.query("SELECT token FROM message_identifiers");
        assert.equal(tokens.length, 6);
        assert.ok(tokens.every((r) => !String(r.token).includes("MRN")));
        // A purge takes the message's tokens with it.
        await routeAll(t.store, "IB_I", () => []);
        await routeAll(t.store, "IB_J", () => []);
        await t.exec("UPDATE messages SET received_at = 0");
        assert.equal(await t.store.purgeBatch({ before: Date.now() }), 3);
        assert.equal(await count("SELECT count(*) AS n FROM message_identifiers"), 0);
      });
    });

    describe("duplicate detection", () => {
      const dedupe = { sender: "LAB^NORTH", windowMs: 60_000 };
      it("records a repeat of an accepted control id from the same sender as DUPLICATE: no stage row, counted", async () => {
        const t0 = Date.now();
        const a = await t.store.enqueueIngress({
          inbound: "IB_D",
          raw: buf(adt("D1")),
          controlId: "D1",
          dedupe,
          receivedAt: t0,
        });
        const b = await t.store.enqueueIngress({
          inbound: "IB_D",
          raw: buf(adt("D1")),
          controlId: "D1",
          dedupe,
          receivedAt: t0 + 1000,
        });
        assert.equal(a.disposition, "RECEIVED");
        assert.deepEqual(b, { messageId: b.messageId, disposition: "DUPLICATE", duplicateOf: a.messageId });
        assert.equal(
          await count("SELECT count(*) AS n FROM stage_rows WHERE message_id = ?", b.messageId),
          0,
        );
        const detail = await t.store.getMessage(b.messageId);
        assert.equal(detail?.disposition, "DUPLICATE");
        assert.deepEqual(
          detail?.history.map((e) => [e.kind, e.detail]),
          [["duplicate", `of message ${a.messageId}`]],
        );
        // Another sender, another inbound, or past the window: not a duplicate.
        const other = await t.store.enqueueIngress({
          inbound: "IB_D",
          raw: buf(adt("D1")),
          controlId: "D1",
          dedupe: { ...dedupe, sender: "LAB^SOUTH" },
          receivedAt: t0 + 2000,
        });
        assert.equal(other.disposition, "RECEIVED");
        const late = await t.store.enqueueIngress({
          inbound: "IB_D",
          raw: buf(adt("D1")),
          controlId: "D1",
          dedupe,
          receivedAt: t0 + 61_001,
        });
        assert.equal(late.disposition, "RECEIVED");
        const elsewhere = await t.store.enqueueIngress({
          inbound: "IB_E",
          raw: buf(adt("D1")),
          controlId: "D1",
          dedupe,
          receivedAt: t0 + 3000,
        });
        assert.equal(elsewhere.disposition, "RECEIVED");
        const c = (await t.store.stats()).connections.find((x) => x.conn === "IB_D");
        assert.equal(c?.received, 4);
        assert.equal(c?.duplicates, 1);
        // Only the accepted ones are queued for routing.
        assert.equal((await t.store.claimIngress("IB_D", claim)).length, 3);
      });

      it("catches two copies in one group commit, and never counts a rejected arrival as the original", async () => {
        const [x, y] = await Promise.all([
          t.store.enqueueIngress({ inbound: "IB_D", raw: buf(adt("D2")), controlId: "D2", dedupe }),
          t.store.enqueueIngress({ inbound: "IB_D", raw: buf(adt("D2")), controlId: "D2", dedupe }),
        ]);
        assert.deepEqual([x?.disposition, y?.disposition], ["RECEIVED", "DUPLICATE"]);
        await t.store.recordRejected({
          inbound: "IB_D",
          raw: buf("bad"),
          controlId: "D3",
          error: "cannot parse",
        });
        const fixed = await t.store.enqueueIngress({
          inbound: "IB_D",
          raw: buf(adt("D3")),
          controlId: "D3",
          dedupe,
        });
        assert.equal(fixed.disposition, "RECEIVED");
      });
    });

    describe("texts as given", () => {
      it("keeps quotes, backslashes, braces, commas and NULL-like words exactly, in every column", async () => {
        // Names and texts travel in multi-row statements on PostgreSQL (array literals): none may bend.
        const tricky = `O'Brien \\ "q" {a,b} NULL \\x00 ; -- $1 é`;
        const inbound = `IB_'"{},\\`;
        const r = await t.store.enqueueIngress({
          inbound,
          raw: buf(adt("T1")),
          controlId: tricky,
          messageType: "ADT^A01",
        });
        const rejected = await t.store.recordRejected({
          inbound,
          raw: buf("x"),
          error: tricky,
          controlId: "NULL",
        });
        const [row] = await t.store.claimIngress(inbound, claim);
        assert.ok(row);
        assert.equal(row.controlId, tricky);
        await t.store.completeRouting(OWNER, [{ rowId: row.rowId, error: tricky }]);
        const m = await t.store.getMessage(r.messageId);
        assert.deepEqual(
          [m?.inbound, m?.controlId, m?.error, m?.disposition],
          [inbound, tricky, tricky, "ERROR"],
        );
        assert.equal(m?.rows[0]?.error, tricky);
        const bad = await t.store.getMessage(rejected.messageId);
        assert.deepEqual([bad?.controlId, bad?.error], ["NULL", tricky]);
        const listed = await t.store.listMessages({ controlId: tricky });
        assert.deepEqual(
          listed.map((x) => x.id),
          [r.messageId],
        );
        const c = (await t.store.stats()).connections.find((x) => x.conn === inbound);
        assert.deepEqual([c?.received, c?.errored], [2, 2]);
      });
    });

    describe("error and detail texts at rest", () => {
      it("are sealed in the database (they can quote patient data) and read back in the clear", async () => {
        const quote = "Unexpected token in JSON at position 0: MSH|^~\\&|TEST^PATIENT";
        const rej = await t.store.recordRejected({ inbound: "IB_T", raw: buf("x"), error: quote });
        await t.store.enqueueIngress({ inbound: "IB_T", raw: buf(adt("T1")) });
        const routed = await routeAll(t.store, "IB_T", () => ["h"]);
        await t.store.completeTransform(OWNER, [
          { rowId: routed[0]?.rowId ?? 0, error: `handler: ${quote}` },
        ]);
        const stored = [
          ...(await t.query("SELECT error AS v FROM messages")),
          ...(await t.query("SELECT error AS v FROM stage_rows")),
          ...(await t.query("SELECT detail AS v FROM events")),
        ].map((r) => String(r.v));
        assert.ok(stored.length >= 5);
        assert.equal(
          stored.some((v) => v.includes("TEST^PATIENT")),
          false,
        );
        const m = await t.store.getMessage(rej.messageId);
        assert.equal(m?.error, quote);
        assert.equal(m?.history[0]?.detail, quote);
        const failed = await t.store.getMessage(routed[0]?.messageId ?? 0);
        assert.equal(failed?.error, `handler: ${quote}`);
        assert.equal(failed?.rows.find((r) => r.stage === "routed")?.error, `handler: ${quote}`);
        assert.deepEqual(
          failed?.history.map((e) => e.detail),
          ["h", `h: handler: ${quote}`, "ERROR"],
        );
        assert.equal((await t.store.listMessages({ inbound: "IB_T" }))[1]?.error, quote);
        assert.equal((await t.store.listDeadLetters())[0]?.error, `handler: ${quote}`);
        // A sealed text moved onto another row does not open there.
        await t.exec(
          "UPDATE messages SET error = (SELECT error FROM messages WHERE id = ?) WHERE id = ?",
          rej.messageId,
          failed?.id ?? 0,
        );
        assert.match((await t.store.getMessage(failed?.id ?? 0))?.error ?? "", /^\[unreadable: /);
      });
    });

    describe("undecryptable rows", () => {
      const garbage = Buffer.concat([Buffer.from([1, 4]), Buffer.from("dead"), Buffer.alloc(40, 7)]);

      it("dead-letters an undecryptable ingress row and claims the rest", async () => {
        const a = await t.store.enqueueIngress({ inbound: "IB_BAD", raw: buf(adt("BAD1")) });
        const b = await t.store.enqueueIngress({ inbound: "IB_BAD", raw: buf(adt("OK1")) });
        await t.exec("UPDATE messages SET raw = ? WHERE id = ?", garbage, a.messageId);
        const rows = await t.store.claimIngress("IB_BAD", claim);
        assert.deepEqual(
          rows.map((r) => r.messageId),
          [b.messageId],
        );
        const m = await t.store.getMessage(a.messageId);
        assert.equal(m?.disposition, "ERROR");
        assert.match(m?.error ?? "", /^undecryptable: messages:\d+: /);
        assert.equal(m?.rows[0]?.state, "dead");
        assert.deepEqual(await t.store.claimIngress("IB_BAD", claim), []);
      });

      it("an undecryptable head does not block its outbound lane", async () => {
        for (const cid of ["L1", "L2"])
          await t.store.enqueueIngress({ inbound: "IB_BL", raw: buf(adt(cid)) });
        const routed = await routeAll(t.store, "IB_BL", () => ["h"]);
        await t.store.completeTransform(
          OWNER,
          routed.map((r, i) => ({ rowId: r.rowId, sends: [{ outbound: "OB_BL", payload: buf(`P${i}`) }] })),
        );
        const lane = await t.query("SELECT id FROM stage_rows WHERE conn = 'OB_BL' ORDER BY id");
        await t.exec("UPDATE stage_rows SET payload = ? WHERE id = ?", garbage, Number(lane[0]?.id));
        const out = await t.store.claimOutbound("OB_BL", claim);
        assert.deepEqual(
          out.map((r) => r.payload.toString()),
          ["P1"],
        );
        assert.deepEqual(
          (await t.store.listDeadLetters({ conn: "OB_BL" })).map((r) => r.id),
          [Number(lane[0]?.id)],
        );
        assert.equal((await t.store.stats()).connections.find((c) => c.conn === "OB_BL")?.failed, 1);
      });
    });

    describe("monitoring and retention", () => {
      it("counts per connection and reports queue depth per stage and lane", async () => {
        const startedAt = Date.now();
        for (const id of ["S1", "S2", "S3"])
          await t.store.enqueueIngress({ inbound: "IB_S", raw: buf(adt(id)) });
        await t.store.recordRejected({ inbound: "IB_S", raw: buf("bad"), error: "parse" });
        const rows = await t.store.claimIngress("IB_S", { ...claim, limit: 2 });
        await t.store.completeRouting(OWNER, [
          { rowId: rows[0]?.rowId ?? 0, handlers: [] },
          { rowId: rows[1]?.rowId ?? 0, handlers: ["h"] },
        ]);
        const s = await t.store.stats();
        const c = s.connections.find((x) => x.conn === "IB_S");
        assert.equal(c?.received, 4);
        assert.equal(c?.errored, 1);
        assert.equal(c?.unrouted, 1);
        assert.ok((c?.lastActivity ?? 0) > 0);
        const depth = s.depth.sort((a, b) => a.stage.localeCompare(b.stage));
        assert.deepEqual(
          depth.map(({ oldestAt: _oldest, ...d }) => d),
          [
            { stage: "ingress", conn: "IB_S", pending: 1, claimed: 0 },
            { stage: "routed", conn: "IB_S", pending: 1, claimed: 0 },
          ],
        );
        // How long each queue has waited: the oldest open row's queue time, for the metrics' age gauge.
        for (const d of depth)
          assert.ok(d.oldestAt >= startedAt && d.oldestAt <= Date.now(), `${d.stage} oldestAt`);
      });

      it("purges final messages past retention in batches and keeps in-flight ones", async () => {
        const old = Date.now() - 10 * 86_400_000;
        for (let i = 0; i < 5; i++) {
          await t.store.enqueueIngress({ inbound: "IB_P", raw: buf(adt(`OLD${i}`)), receivedAt: old });
        }
        const inflight = await t.store.enqueueIngress({
          inbound: "IB_P2",
          raw: buf(adt("INFLIGHT")),
          receivedAt: old,
        });
        const fresh = await t.store.enqueueIngress({ inbound: "IB_P", raw: buf(adt("NEW")) });
        await routeAll(t.store, "IB_P", () => []);
        const cutoff = Date.now() - 86_400_000;
        assert.equal(await t.store.purgeBatch({ before: cutoff, batchSize: 2 }), 2);
        assert.equal(await t.store.purgeBatch({ before: cutoff, batchSize: 2 }), 2);
        assert.equal(await t.store.purgeBatch({ before: cutoff, batchSize: 2 }), 1);
        assert.equal(await t.store.purgeBatch({ before: cutoff, batchSize: 2 }), 0);
        const left = (await t.store.listMessages()).map((m) => m.id).sort((a, b) => a - b);
        assert.deepEqual(left, [inflight.messageId, fresh.messageId]);
        assert.equal(
          await count("SELECT count(*) AS n FROM events WHERE message_id < ?", inflight.messageId),
          0,
        );
      });

      it("never reuses a message id after a purge (audit entries name messages by id)", async () => {
        const old = Date.now() - 10 * 86_400_000;
        const a = await t.store.recordRejected({
          inbound: "IB_ID",
          raw: buf("x"),
          error: "e",
          receivedAt: old,
        });
        const b = await t.store.recordRejected({
          inbound: "IB_ID",
          raw: buf("y"),
          error: "e",
          receivedAt: old,
        });
        assert.equal(await t.store.purgeBatch({ before: Date.now() - 86_400_000 }), 2);
        await t.reopen();
        const c = await t.store.enqueueIngress({ inbound: "IB_ID", raw: buf(adt("ID3")) });
        assert.ok(
          c.messageId > b.messageId,
          `id ${c.messageId} reused (purged ${a.messageId}, ${b.messageId})`,
        );
        const rows = await t.query("SELECT id FROM stage_rows WHERE message_id = ?", c.messageId);
        const events = await t.store.getMessage(c.messageId);
        assert.equal(rows.length, 1);
        assert.equal(events?.id, c.messageId);
      });

      it("keeps a connector's cursor across a reopen, one value per connection", async () => {
        assert.equal(await t.store.getCursor("IB_DB"), undefined);
        await t.store.setCursor("IB_DB", "41");
        await t.store.setCursor("IB_DB", "42");
        await t.store.setCursor("IB_OTHER", "2026-01-01T00:00:00Z");
        await t.reopen();
        assert.equal(await t.store.getCursor("IB_DB"), "42");
        assert.equal(await t.store.getCursor("IB_OTHER"), "2026-01-01T00:00:00Z");
      });

      it("records the schema version once and reopens without re-migrating", async () => {
        const versions = async () =>
          (await t.query("SELECT version FROM store_schema_version ORDER BY version")).map((r) => r.version);
        const before = await versions();
        assert.ok(before.length >= 1);
        assert.deepEqual(
          before,
          before.map((_, i) => i + 1),
        );
        await t.reopen();
        assert.deepEqual(await versions(), before);
      });

      it("refuses a store written by a newer engine, saying to upgrade the engine", async () => {
        const [latest] = await t.query("SELECT max(version) AS v FROM store_schema_version");
        await t.exec(
          "INSERT INTO store_schema_version (version, applied_at) VALUES (?, ?)",
          Number(latest?.v) + 1,
          0,
        );
        await assert.rejects(t.reopen(), (e: Error) => {
          assert.equal(e.name, "StoreSchemaError");
          assert.match(e.message, /newer than this engine supports .*upgrade the engine/);
          return true;
        });
      });

      it("ids ascend across transactions (PostgreSQL: from the sequence its id column owns, found by pg_get_serial_sequence)", async () => {
        if (kind === "postgres") {
          for (const table of ["messages", "stage_rows", "events"]) {
            const [r] = await t.query(`SELECT pg_get_serial_sequence('${table}', 'id') AS seq`);
            assert.match(String(r?.seq), new RegExp(`\\.${table}_id_seq$`));
          }
        }
        const a = await t.store.enqueueIngress({ inbound: "IB_SEQ", raw: buf(adt("Q1")) });
        const b = await t.store.enqueueIngress({ inbound: "IB_SEQ", raw: buf(adt("Q2")) });
        assert.ok(b.messageId > a.messageId);
      });
    });
  });
}
