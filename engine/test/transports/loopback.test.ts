import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createInbound, createOutbound, LoopbackHub, type ReceiveMeta } from "../../src/transports/index.js";
import { ackBytes, adt, captureLog, context, controlIdOf, mllpPeer } from "./helpers.js";

describe("transports/loopback", () => {
  it("an MLLP outbound with reingressTo hands the captured reply to the loopback inbound", async () => {
    const hub = new LoopbackHub();
    const captured: { payload: Buffer; meta: ReceiveMeta }[] = [];
    const loop = createInbound("loopback", "IB_RTE_RESPONSE", {}, { loopback: hub });
    await loop.start(
      context(async (payload, meta) => {
        captured.push({ payload, meta });
        return { accepted: true };
      }, "IB_RTE_RESPONSE"),
    );
    const peer = await mllpPeer((f) => ackBytes(f));
    const ob = createOutbound(
      "mllp",
      "OB_PAYER_RTE",
      { host: "127.0.0.1", port: peer.port, reingressTo: "IB_RTE_RESPONSE" },
      { loopback: hub },
    );
    try {
      const r = await ob.send(Buffer.from(adt("RTE1")), { messageId: "1" });
      assert.equal(r.status, "ok");
      assert.equal(captured.length, 1);
      assert.equal(controlIdOf(captured[0]!.payload), "RTE1");
      assert.deepEqual(captured[0]!.meta, { transport: "loopback", remote: "OB_PAYER_RTE" });
      assert.equal(loop.state.messages, 1);
    } finally {
      await ob.close();
      await loop.stop();
      await peer.close();
    }
  });

  it("a reply that cannot be re-ingressed keeps the delivery ok, with the error noted and logged", async () => {
    const hub = new LoopbackHub();
    const log = captureLog();
    const peer = await mllpPeer((f) => ackBytes(f));
    const ob = createOutbound(
      "tcp",
      "OB_X",
      {
        host: "127.0.0.1",
        port: peer.port,
        framing: "mllp",
        reply: "raw",
        reingressTo: "IB_NOT_RUNNING",
      },
      { loopback: hub, log },
    );
    try {
      const r = await ob.send(Buffer.from(adt("RTE2")), { messageId: "2" });
      // The destination accepted it: a retry would send it twice.
      assert.equal(r.status, "ok");
      assert.equal(controlIdOf(r.reply!), "RTE2", "the reply is kept with the delivery");
      assert.match(r.error!, /loopback inbound IB_NOT_RUNNING is not running/);
      assert.equal(ob.state.sent, 1);
      const warn = log.entries.find((e) => e.level === "warn" && /re-ingress/.test(e.msg ?? ""));
      assert.ok(warn, "a warning is logged");
      assert.equal(warn.obj.messageId, "2");
      assert.ok(!JSON.stringify(log.entries).includes("TEST^PATIENT"), "ids only, no bodies");
    } finally {
      await ob.close();
      await peer.close();
    }
  });

  it("a REST outbound can re-ingress its response body", async () => {
    const hub = new LoopbackHub();
    const got: string[] = [];
    const loop = createInbound("loopback", "IB_REST_REPLY", {}, { loopback: hub });
    await loop.start(
      context(async (p) => {
        got.push(p.toString());
        return { accepted: true };
      }),
    );
    const server = http.createServer((_req, res) => res.end('{"eligible":true}'));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const ob = createOutbound("rest", "OB_REST", { url, reingressTo: "IB_REST_REPLY" }, { loopback: hub });
    try {
      assert.equal((await ob.send(Buffer.from("{}"), { messageId: "3" })).status, "ok");
      assert.deepEqual(got, ['{"eligible":true}']);
    } finally {
      await ob.close();
      await loop.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("a REST response that cannot be re-ingressed keeps the delivery ok, with the error noted", async () => {
    const log = captureLog();
    const server = http.createServer((_req, res) => res.end('{"eligible":true}'));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const ob = createOutbound(
      "rest",
      "OB_REST",
      { url, reingressTo: "IB_ABSENT" },
      { loopback: new LoopbackHub(), log },
    );
    try {
      const r = await ob.send(Buffer.from("{}"), { messageId: "4" });
      assert.equal(r.status, "ok");
      assert.equal(r.reply?.toString(), '{"eligible":true}');
      assert.match(r.error!, /IB_ABSENT is not running/);
      assert.ok(log.entries.some((e) => e.level === "warn" && e.obj.messageId === "4"));
    } finally {
      await ob.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("a REST response cut at maxResponseBytes is not re-ingressed; the delivery stays ok", async () => {
    const hub = new LoopbackHub();
    const got: string[] = [];
    const loop = createInbound("loopback", "IB_REST_CUT", {}, { loopback: hub });
    await loop.start(
      context(async (p) => {
        got.push(p.toString());
        return { accepted: true };
      }),
    );
    const server = http.createServer((_req, res) => res.end('{"eligible":true,"padding":"xxxxxxxxxx"}'));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const ob = createOutbound(
      "rest",
      "OB_REST",
      { url, reingressTo: "IB_REST_CUT", maxResponseBytes: 16 },
      { loopback: hub },
    );
    try {
      const r = await ob.send(Buffer.from("{}"), { messageId: "5" });
      assert.equal(r.status, "ok");
      assert.equal(r.reply?.toString(), '{"eligible":true');
      assert.equal(r.error, "response body over maxResponseBytes (16); reply cut; not re-ingressed");
      assert.deepEqual(got, []);
    } finally {
      await ob.close();
      await loop.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("refuses two loopback inbounds with one name, and frees the name on stop", async () => {
    const hub = new LoopbackHub();
    const a = createInbound("loopback", "IB_DUP", {}, { loopback: hub });
    const b = createInbound("loopback", "IB_DUP", {}, { loopback: hub });
    const ctx = context(async () => ({ accepted: true }));
    await a.start(ctx);
    await assert.rejects(b.start(ctx), /already attached/);
    await a.stop();
    await b.start(ctx);
    assert.equal(b.state.status, "listening");
    await b.stop();
  });

  it("a loopback outbound feeds its target: ok, refused → permanent, not running → retry", async () => {
    const hub = new LoopbackHub();
    const ob = createOutbound("loopback", "OB_LOOP", { target: "IB_LOOP" }, { loopback: hub });
    assert.equal((await ob.send(Buffer.from("x"), { messageId: "1" })).status, "retry");
    const verdicts = [true, false];
    const ib = createInbound("loopback", "IB_LOOP", {}, { loopback: hub });
    await ib.start(
      context(async () => ({ accepted: verdicts.shift()!, reply: Buffer.from("MSA|AA") }), "IB_LOOP"),
    );
    try {
      const ok = await ob.send(Buffer.from("y"), { messageId: "2" });
      assert.deepEqual([ok.status, ok.reply?.toString()], ["ok", "MSA|AA"]);
      assert.equal((await ob.send(Buffer.from("z"), { messageId: "3" })).status, "permanent");
    } finally {
      await ib.stop();
    }
    assert.throws(() => createOutbound("loopback", "OB_L2", {}), /OB_L2: setting 'target': is required/);
  });

  it("reingressTo requires a reply to capture", () => {
    assert.throws(
      () => createOutbound("mllp", "OB_M", { host: "h", port: 1, expectAck: false, reingressTo: "IB_X" }),
      /setting 'reingressTo': needs expectAck = true/,
    );
    assert.throws(
      () => createOutbound("tcp", "OB_T", { host: "h", port: 1, reingressTo: "IB_X" }),
      /setting 'reingressTo': needs reply = "raw" or "ack"/,
    );
  });
});
