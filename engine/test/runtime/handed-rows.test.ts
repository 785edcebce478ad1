/**
 * Rows handed to a delivery thread cross as columns and buffers (handed-rows.ts): every field of every
 * row must arrive as it left, payloads byte for byte — including a payload that is a slice of a larger
 * buffer, an empty one, and the nullable texts.
 */
import assert from "node:assert/strict";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import { handedRows, receivedRows } from "../../src/runtime/handed-rows.js";
import type { ClaimedRow } from "../../src/store/index.js";

function row(rowId: number, payload: Buffer, nulls = false): ClaimedRow {
  return {
    rowId,
    messageId: rowId * 10,
    stage: "outbound",
    conn: "OB_LAB",
    handler: nulls ? null : "to_lab",
    payload,
    attempts: rowId % 3,
    inbound: "IB_ADT",
    contentType: "hl7v2",
    controlId: nulls ? null : `CTRL${rowId}`,
    messageType: nulls ? null : "ADT^A01",
    receivedAt: 1_765_000_000_000 + rowId,
  };
}

describe("runtime: rows handed to a delivery thread", () => {
  it("arrive through a real message port as they left, payloads moved and not shared with the sender", () => {
    const slab = Buffer.from("MSH|^~\\&|SYNTH|A\rPID|1||SYNTH-1\rMSH|^~\\&|SYNTH|B\r", "latin1");
    const rows = [
      row(1, slab.subarray(0, 32)),
      row(2, Buffer.alloc(0), true),
      row(3, slab.subarray(32)),
      row(2 ** 40, Buffer.from("MSH|^~\\&|É", "utf8")),
    ];
    const { port1, port2 } = new MessageChannel();
    try {
      const handed = handedRows(rows);
      port1.postMessage(handed.rows, handed.transfer);
      assert.equal(handed.rows.bytes.byteLength, 0, "the payload buffer was transferred");
      const received = receiveMessageOnPort(port2);
      assert.ok(received);
      const back = receivedRows(received.message);
      assert.deepEqual(back, rows);
      assert.ok(back.every((r) => Buffer.isBuffer(r.payload)));
      assert.equal(
        slab.toString("latin1").startsWith("MSH|^~\\&|SYNTH|A"),
        true,
        "the sender's bytes untouched",
      );
    } finally {
      port1.close();
      port2.close();
    }
  });

  it("an empty batch crosses as nothing", () => {
    const handed = handedRows([]);
    assert.deepEqual(receivedRows(handed.rows), []);
  });
});
