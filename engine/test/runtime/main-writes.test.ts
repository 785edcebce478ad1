/**
 * A delivery thread's writes on SQLite run on the main thread's connection (main-writes.ts). Through a
 * real message port and a real SQLite store: a completion commits there and the lane hears its count,
 * the destination's reply arrives byte for byte (it was a slice of a larger buffer), a store error
 * crosses with its name, message and SQLite code, and calls left waiting fail when the thread closes.
 */
import assert from "node:assert/strict";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { applyWrite, MainWriter, type WriteCall, type WriteReply } from "../../src/runtime/main-writes.js";
import type { SqliteStore } from "../../src/store/index.js";
import { adt, buf, type TempStore, tempStore } from "../store/helpers.js";

const OWNER = "test:delivery-thread:OB_LAB";

/** `n` messages taken through routing and transform to outbound rows claimed for OWNER. */
async function outboundRows(store: SqliteStore, n: number): Promise<{ messageId: number; rowId: number }[]> {
  for (let i = 0; i < n; i++) {
    await store.enqueueIngress({ inbound: "IB", raw: buf(adt(`W${i}`)), controlId: `W${i}` });
    const [ingress] = await store.claimIngress("IB", { owner: "r", limit: 1, leaseMs: 60_000 });
    assert.ok(ingress);
    await store.completeRouting("r", [{ rowId: ingress.rowId, handlers: ["h"] }]);
    const [routed] = await store.claimRouted("IB", { owner: "t", limit: 1, leaseMs: 60_000 });
    assert.ok(routed);
    await store.completeTransform("t", [
      { rowId: routed.rowId, sends: [{ outbound: "OB_LAB", payload: buf(adt(`W${i}`)) }] },
    ]);
  }
  const rows = await store.claimOutbound("OB_LAB", { owner: OWNER, limit: n, leaseMs: 60_000 });
  assert.equal(rows.length, n);
  return rows.map((r) => ({ messageId: r.messageId, rowId: r.rowId }));
}

async function outboundRow(store: SqliteStore): Promise<{ messageId: number; rowId: number }> {
  const [row] = await outboundRows(store, 1);
  assert.ok(row);
  return row;
}

describe("runtime: a delivery thread's writes on the main thread's connection", () => {
  let t: TempStore;
  let thread: MessagePort;
  let main: MessagePort;
  let writer: MainWriter;
  beforeEach(() => {
    t = tempStore();
    const channel = new MessageChannel();
    thread = channel.port1;
    main = channel.port2;
    writer = new MainWriter((call) => thread.postMessage(call));
    thread.on("message", (reply: WriteReply) => writer.answer(reply));
    main.on("message", async (call: WriteCall) => main.postMessage(await applyWrite(t.store, call)));
  });
  afterEach(async () => {
    thread.close();
    main.close();
    await t.cleanup();
  });

  it("commits a lane's completion there and answers with its count; the reply crosses byte for byte", async () => {
    const { messageId, rowId } = await outboundRow(t.store);
    const socketChunk = buf(
      `\x0bMSH|^~\\&|LAB|X|||20260101||ACK|A1|P|2.5\rMSA|AA|W1\x1c\r${"x".repeat(4000)}`,
    );
    const reply = socketChunk.subarray(1, socketChunk.indexOf(0x1c));
    assert.equal(await writer.completeDelivery(OWNER, [{ rowId, status: "ok", reply }]), 1);
    const m = await t.store.getMessage(messageId);
    assert.equal(m?.disposition, "PROCESSED");
    const delivered = m?.history.find((e) => e.kind === "delivered");
    assert.ok(delivered?.hasReply);
    assert.deepEqual(await t.store.getEventReply(delivered.id), reply);
  });

  it("gives claims and a lane back there", async () => {
    const { rowId } = await outboundRow(t.store);
    assert.equal(await writer.releaseClaims(OWNER, [rowId]), 1);
    const [again] = await t.store.claimOutbound("OB_LAB", { owner: OWNER, limit: 1, leaseMs: 60_000 });
    assert.equal(again?.rowId, rowId);
    assert.equal(await writer.releaseLane("OB_LAB", OWNER), 1);
  });

  it("a store error crosses with its name, message and SQLite code", async () => {
    const { rowId } = await outboundRow(t.store);
    t.store.db.exec(
      "CREATE TRIGGER refuse BEFORE UPDATE ON stage_rows BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
    );
    await assert.rejects(
      writer.completeDelivery(OWNER, [{ rowId, status: "ok" }]),
      (e: Error & { code?: string }) => {
        assert.equal(e.name, "SqliteError");
        assert.match(e.message, /refused by test/);
        assert.equal(e.code, "SQLITE_CONSTRAINT_TRIGGER");
        return true;
      },
    );
  });

  it("calls still waiting fail when the thread closes", async () => {
    const silent = new MainWriter(() => {});
    const waiting = silent.releaseClaims(OWNER, [1]);
    silent.failAll(new Error("the delivery thread is closing"));
    await assert.rejects(waiting, /closing/);
  });
});
