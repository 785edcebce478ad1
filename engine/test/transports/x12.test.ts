import assert from "node:assert/strict";
import { answer271, generateMessages, seedOf } from "../../src/generate/index.js";
import { createInbound, createOutbound, LoopbackHub, type ReceiveMeta } from "../../src/transports/index.js";
import { build999, buildTa1, parseX12 } from "../../src/x12/index.js";
import { captureLog, context, until } from "./helpers.js";
import { payerAnswer, x12Client, x12Peer } from "./x12-peer.js";

const [I270, I270B] = generateMessages({ type: "X12-270", count: 2, seed: seedOf("x12-connector") }) as [
  string,
  string,
];
const text = (b: Buffer | undefined) => b?.toString("utf8") ?? "";

describe("transports/x12 inbound", () => {
  async function listen(settings: Record<string, unknown>, accepted = true) {
    const got: { payload: Buffer; meta: ReceiveMeta }[] = [];
    const ib = createInbound("x12", "IB_X12", { host: "127.0.0.1", port: 0, ...settings });
    await ib.start(
      context(async (payload, meta) => {
        got.push({ payload, meta });
        if (!accepted) throw new Error("store down");
        return { accepted: true };
      }, "IB_X12"),
    );
    return { ib, got, port: ib.state.port as number };
  }

  it("cuts interchanges from the stream (any chunking, CRLF between) and answers each with a 999 after the commit", async () => {
    const { ib, got, port } = await listen({});
    const c = await x12Client(port);
    try {
      const wire = Buffer.from(`${I270}\r\n${I270B}`);
      for (let i = 0; i < wire.length; i += 97) c.write(wire.subarray(i, i + 97));
      await until(() => c.replies.length === 2);
      assert.deepEqual(
        got.map((g) => text(g.payload)),
        [I270.trimEnd(), I270B.trimEnd()],
      );
      assert.equal(got[0]?.meta.transport, "x12");
      const ack = parseX12(text(c.replies[0]));
      assert.equal(ack.get("ST-01"), "999");
      assert.equal(ack.get("AK9-01"), "A");
      assert.equal(ack.get("ISA-08"), parseX12(I270).get("ISA-06"));
      assert.deepEqual(ack.issues, []);
    } finally {
      c.socket.destroy();
      await ib.stop();
    }
  });

  it("ta1+999: a TA1 then a 999; a count error rejects the set (IK5 R 4); acknowledgments are not acknowledged", async () => {
    const { ib, port } = await listen({ ack: "ta1+999" });
    const c = await x12Client(port);
    try {
      c.write(I270.replace(/SE\*13\*/, "SE*12*"));
      await until(() => c.replies.length === 2);
      assert.equal(parseX12(text(c.replies[0])).get("TA1-04"), "A");
      const ack = parseX12(text(c.replies[1]));
      assert.deepEqual([ack.get("IK5-01"), ack.get("IK5-02"), ack.get("AK9-01")], ["R", "4", "R"]);
      // A 999 sent in is recorded but never answered; the next interchange still is.
      c.write(build999(parseX12(I270)));
      c.write(I270B);
      await until(() => c.replies.length === 4);
      assert.equal(parseX12(text(c.replies[2])).get("TA1-01"), parseX12(I270B).controlNumber);
    } finally {
      c.socket.destroy();
      await ib.stop();
    }
  });

  it("ack none answers nothing; a failed commit closes the connection without an answer", async () => {
    const quiet = await listen({ ack: "none" });
    const failing = await listen({}, false);
    const a = await x12Client(quiet.port);
    const b = await x12Client(failing.port);
    try {
      a.write(I270);
      b.write(I270);
      await until(() => quiet.got.length === 1);
      await b.closed;
      assert.deepEqual(b.replies, []);
      a.write(I270B);
      await until(() => quiet.got.length === 2);
      assert.deepEqual(a.replies, []);
    } finally {
      a.socket.destroy();
      await quiet.ib.stop();
      await failing.ib.stop();
    }
  });
});

describe("transports/x12 inbound limits", () => {
  it("an interchange over maxFrameBytes goes to reject; the next one on the same connection is taken", async () => {
    const got: Buffer[] = [];
    const rejected: { code: string; bytesSeen: number }[] = [];
    const ib = createInbound("x12", "IB_X12", { host: "127.0.0.1", port: 0, maxFrameBytes: 2000 });
    await ib.start({
      ...context(async (payload) => {
        got.push(payload);
        return { accepted: true };
      }, "IB_X12"),
      reject: async (reason) => {
        rejected.push({ code: reason.code, bytesSeen: reason.bytesSeen });
        return {};
      },
    });
    const c = await x12Client(ib.state.port as number);
    try {
      const big = I270.replace("EQ*30~", `${"EQ*30~\n".repeat(400)}`);
      assert.ok(big.length > 2000);
      for (let i = 0; i < big.length; i += 512) c.write(big.slice(i, i + 512));
      c.write(I270B);
      await until(() => got.length === 1 && c.replies.length === 1);
      assert.deepEqual(
        rejected.map((r) => r.code),
        ["X12_INTERCHANGE_TOO_LARGE"],
      );
      assert.equal(text(got[0]), I270B.trimEnd());
      assert.equal(parseX12(text(c.replies[0])).get("AK2-02"), parseX12(I270B).get("ST-02"));
    } finally {
      c.socket.destroy();
      await ib.stop();
    }
  });
});

describe("transports/x12 outbound", () => {
  const meta = { messageId: "m1" };

  it("expectReply blocks for the 271 on the same socket; ta1Required takes the TA1 first", async () => {
    const peer = await x12Peer(payerAnswer);
    const ob = createOutbound("x12", "OB_PAYER", {
      host: "127.0.0.1",
      port: peer.port,
      expectReply: true,
      ta1Required: true,
    });
    try {
      const r = await ob.send(Buffer.from(I270), meta);
      assert.equal(r.status, "ok", r.error);
      const reply = parseX12(text(r.reply));
      assert.equal(reply.get("ST-01"), "271");
      assert.equal(reply.get("NM1[3]-09"), parseX12(I270).get("NM1[3]-09"));
      const r2 = await ob.send(Buffer.from(I270B), meta);
      assert.equal(parseX12(text(r2.reply)).get("TRN-02"), parseX12(I270B).get("TRN-02"));
      assert.equal(peer.received.length, 2);
    } finally {
      await ob.close();
      await peer.close();
    }
  });

  it("reingressTo hands the captured 271 to the loopback inbound", async () => {
    const hub = new LoopbackHub();
    const captured: Buffer[] = [];
    const loop = createInbound("loopback", "IB_RTE_RESPONSE", {}, { loopback: hub });
    const capture = async (p: Buffer) => {
      captured.push(p);
      return { accepted: true };
    };
    await loop.start(context(capture, "IB_RTE_RESPONSE"));
    const peer = await x12Peer((ic) => [answer271(text(ic))]);
    const ob = createOutbound(
      "x12",
      "OB_PAYER",
      { host: "127.0.0.1", port: peer.port, expectReply: true, reingressTo: "IB_RTE_RESPONSE" },
      { loopback: hub },
    );
    try {
      const r = await ob.send(Buffer.from(I270), meta);
      assert.equal(r.status, "ok");
      assert.equal(r.error, undefined);
      assert.equal(captured.length, 1);
      assert.equal(parseX12(text(captured[0])).get("ST-01"), "271");
    } finally {
      await ob.close();
      await loop.stop();
      await peer.close();
    }
  });

  it("ta1Required alone: ok on the TA1 (the recorded reply); a TA1 for another interchange is ignored", async () => {
    const log = captureLog();
    const other = buildTa1(parseX12(I270B));
    const peer = await x12Peer((ic) => [other, buildTa1(parseX12(text(ic)))]);
    const ob = createOutbound(
      "x12",
      "OB_PAYER",
      { host: "127.0.0.1", port: peer.port, ta1Required: true },
      { log },
    );
    try {
      const r = await ob.send(Buffer.from(I270), meta);
      assert.equal(r.status, "ok");
      assert.equal(parseX12(text(r.reply)).get("TA1-01"), parseX12(I270).controlNumber);
      assert.ok(
        log.entries.some((e) => e.level === "warn" && e.msg === "TA1 for another interchange ignored"),
      );
    } finally {
      await ob.close();
      await peer.close();
    }
  });

  it("a TA1 R or a rejecting 999 is permanent; no reply in time is retry; a payload without ISA is permanent", async () => {
    const rejecting = await x12Peer((ic) => [buildTa1(parseX12(text(ic).slice(0, text(ic).indexOf("IEA"))))]);
    const refusing = await x12Peer((ic) => [build999(parseX12(text(ic).replace(/SE\*13\*/, "SE*2*")))]);
    const silent = await x12Peer(() => []);
    const opts = (port: number) => ({
      host: "127.0.0.1",
      port,
      expectReply: true,
      ta1Required: true,
      ackTimeoutMs: 200,
    });
    const a = createOutbound("x12", "OB_A", opts(rejecting.port));
    const b = createOutbound("x12", "OB_B", { ...opts(refusing.port), ta1Required: false });
    const c = createOutbound("x12", "OB_C", opts(silent.port));
    try {
      const ra = await a.send(Buffer.from(I270), meta);
      assert.equal(ra.status, "permanent");
      assert.match(ra.error ?? "", /TA1 rejected the interchange \(note 023\)/);
      const rb = await b.send(Buffer.from(I270), meta);
      assert.equal(rb.status, "permanent");
      assert.equal(parseX12(text(rb.reply)).get("ST-01"), "999");
      const rc = await c.send(Buffer.from(I270), meta);
      assert.equal(rc.status, "retry");
      assert.match(rc.error ?? "", /no reply within 200 ms/);
      const rd = await c.send(Buffer.from("MSH|^~\\&|not x12"), meta);
      assert.equal(rd.status, "permanent");
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
      await Promise.all([rejecting.close(), refusing.close(), silent.close()]);
    }
  });

  it("without expectReply or ta1Required it is done once written", async () => {
    const peer = await x12Peer(() => []);
    const ob = createOutbound("x12", "OB_PAYER", { host: "127.0.0.1", port: peer.port });
    try {
      assert.equal((await ob.send(Buffer.from(I270), meta)).status, "ok");
      await until(() => peer.received.length === 1);
      assert.equal(text(peer.received[0]), I270.trimEnd());
    } finally {
      await ob.close();
      await peer.close();
    }
  });

  it("reingressTo without expectReply is a settings error naming the setting", () => {
    assert.throws(
      () => createOutbound("x12", "OB_PAYER", { host: "h", port: 1, reingressTo: "IB" }),
      /reingressTo.*expectReply/,
    );
  });
});
