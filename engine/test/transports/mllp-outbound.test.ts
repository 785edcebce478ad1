import assert from "node:assert/strict";
import { parse } from "../../src/hl7/index.js";
import { createOutbound, type OutboundConnector } from "../../src/transports/index.js";
import { ackBytes, adt, captureLog, freePort, mllpPeer } from "./helpers.js";

const meta = (id: string) => ({ messageId: id, controlId: id });

describe("transports/mllp outbound", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function peer(reply: Parameters<typeof mllpPeer>[0], port?: number) {
    const p = await mllpPeer(reply, port);
    cleanups.push(p.close);
    return p;
  }

  function outbound(port: number, settings: Record<string, unknown> = {}) {
    const ob: OutboundConnector = createOutbound(
      "mllp",
      "OB_TEST_ADT",
      { host: "127.0.0.1", port, reconnectBaseMs: 10, reconnectMaxMs: 50, ...settings },
      { log: captureLog() },
    );
    cleanups.push(() => ob.close());
    return ob;
  }

  it("maps MSA-1: AA/CA ok, AE/CE retry, AR/CR permanent, and returns the reply", async () => {
    const codes = ["AA", "AE", "AR", "CA", "CE", "CR"] as const;
    let i = 0;
    const p = await peer((f) => ackBytes(f, codes[i++]!));
    const ob = outbound(p.port);
    const results = [];
    for (const c of codes) results.push(await ob.send(Buffer.from(adt(`M${c}`)), meta(c)));
    assert.deepEqual(
      results.map((r) => r.status),
      ["ok", "retry", "permanent", "ok", "retry", "permanent"],
    );
    assert.equal(parse(results[2]!.reply!.toString()).get("MSA-1"), "AR");
    assert.equal(results[1]!.error, "negative ACK AE");
    assert.equal(p.connections, 1, "one persistent connection");
    assert.equal(ob.state.sent, 2);
    assert.equal(ob.state.failed, 4);
  });

  it("treats a reply that is not an HL7 ACK as retry", async () => {
    const p = await peer(() => Buffer.from("hello"));
    const r = await outbound(p.port).send(Buffer.from(adt("X1")), meta("X1"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, /not an HL7 message/);
  });

  it("keeps one message in flight and preserves call order", async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const p = await peer(async (f) => {
      maxOutstanding = Math.max(maxOutstanding, ++outstanding);
      await new Promise((r) => setTimeout(r, 2));
      outstanding--;
      return ackBytes(f);
    });
    const ob = outbound(p.port);
    const ids = Array.from({ length: 20 }, (_, i) => `ORD${i}`);
    const results = await Promise.all(ids.map((id) => ob.send(Buffer.from(adt(id)), meta(id))));
    assert.ok(results.every((r) => r.status === "ok"));
    assert.deepEqual(
      p.received.map((f) => parse(f.toString()).controlId),
      ids,
    );
    assert.equal(maxOutstanding, 1, "the next frame is written only after the previous ACK");
  });

  it("returns retry on ACK timeout and drops the connection so a late ACK is not misread", async () => {
    let n = 0;
    const late: { f: Buffer; s?: () => void }[] = [];
    const p = await peer((f) => {
      if (n++ === 0) {
        late.push({ f });
        return undefined; // stay silent for the first message
      }
      return ackBytes(f);
    });
    const ob = outbound(p.port, { ackTimeoutMs: 300 });
    const first = await ob.send(Buffer.from(adt("T1")), meta("T1"));
    assert.equal(first.status, "retry");
    assert.match(first.error!, /no reply within 300 ms/);
    const second = await ob.send(Buffer.from(adt("T2")), meta("T2"));
    assert.equal(second.status, "ok");
    assert.equal(parse(second.reply!.toString()).get("MSA-2"), "T2");
    assert.equal(p.connections, 2, "a fresh connection after the timeout");
  });

  it("ignores a reply whose MSA-2 is not the sent MSH-10 and waits for the matching one", async () => {
    let n = 0;
    const p = await peer((f) => {
      // First message: a stray ACK for some other message, then its own ACK.
      if (n++ === 0)
        return Buffer.concat([ackBytes(adt("STRAY9")), Buffer.from([0x1c, 0x0d, 0x0b]), ackBytes(f)]);
      return ackBytes(f, "AR");
    });
    const log = captureLog();
    const ob = createOutbound(
      "mllp",
      "OB_TEST_ADT",
      { host: "127.0.0.1", port: p.port, ackTimeoutMs: 5_000 },
      { log },
    );
    cleanups.push(() => ob.close());
    const first = await ob.send(Buffer.from(adt("M1")), meta("M1"));
    assert.equal(first.status, "ok");
    assert.equal(parse(first.reply!.toString()).get("MSA-2"), "M1");
    // The next ACK is not shifted by the stray one.
    const second = await ob.send(Buffer.from(adt("M2")), meta("M2"));
    assert.equal(second.status, "permanent");
    assert.equal(parse(second.reply!.toString()).get("MSA-2"), "M2");
    const ignored = log.entries.find((e) => e.msg?.includes("does not match"));
    assert.ok(ignored, "the mismatched ACK is logged");
    assert.deepEqual([ignored.obj.expected, ignored.obj.got], ["M1", "STRAY9"]);
    assert.ok(!JSON.stringify(log.entries).includes("TEST^PATIENT"), "ids only, no bodies");
  });

  it("matches on the payload's MSH-10 when SendMeta has no controlId, and times out on mismatches only", async () => {
    const p = await peer(() => ackBytes(adt("OTHER1")));
    const ob = outbound(p.port, { ackTimeoutMs: 150 });
    const r = await ob.send(Buffer.from(adt("P1")), { messageId: "7" });
    assert.equal(r.status, "retry");
    assert.match(r.error!, /no reply within 150 ms/);
  });

  it("takes an ACK without MSA-2 as the reply (nothing to compare)", async () => {
    const p = await peer(() => Buffer.from("MSH|^~\\&|R|F|S|F|20260101||ACK|A1|P|2.5.1\rMSA|AA"));
    const r = await outbound(p.port).send(Buffer.from(adt("NOMSA2")), meta("NOMSA2"));
    assert.equal(r.status, "ok");
  });

  it("reconnects after the peer restarts", async () => {
    const first = await mllpPeer((f) => ackBytes(f));
    const port = first.port;
    const ob = outbound(port);
    assert.equal((await ob.send(Buffer.from(adt("R1")), meta("R1"))).status, "ok");
    await first.close();
    // Peer down: the send fails with retry instead of hanging.
    const down = await ob.send(Buffer.from(adt("R2")), meta("R2"));
    assert.equal(down.status, "retry");
    assert.match(down.error!, /ECONNREFUSED|closed/);
    const stillDown = await ob.send(Buffer.from(adt("R2")), meta("R2"));
    assert.match(stillDown.error!, /ECONNREFUSED/);
    assert.equal(ob.state.status, "error");
    const second = await peer((f) => ackBytes(f), port);
    let r = await ob.send(Buffer.from(adt("R2")), meta("R2"));
    // At most one more failure while the stale socket is noticed; then delivery succeeds.
    if (r.status !== "ok") r = await ob.send(Buffer.from(adt("R2")), meta("R2"));
    assert.equal(r.status, "ok");
    assert.equal(parse(second.received.at(-1)!.toString()).controlId, "R2");
    assert.equal(ob.state.status, "connected");
  });

  it("returns retry (not a hang) when nothing listens", async () => {
    const port = await freePort();
    const ob = outbound(port);
    const r = await ob.send(Buffer.from(adt("D1")), meta("D1"));
    assert.equal(r.status, "retry");
    assert.match(r.error!, new RegExp(`connect 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it("with expectAck = false reports ok once written", async () => {
    const p = await peer(() => undefined);
    const r = await outbound(p.port, { expectAck: false }).send(Buffer.from(adt("N1")), meta("N1"));
    assert.equal(r.status, "ok");
    assert.equal(r.reply, undefined);
  });

  it("close() finishes the in-flight send, then later sends retry", async () => {
    const p = await peer((f) => ackBytes(f));
    const ob = outbound(p.port);
    const inflight = ob.send(Buffer.from(adt("C1")), meta("C1"));
    await ob.close();
    assert.equal((await inflight).status, "ok");
    const after = await ob.send(Buffer.from(adt("C2")), meta("C2"));
    assert.equal(after.status, "retry");
    assert.equal(ob.state.status, "closed");
  });
});
