import assert from "node:assert/strict";
import { encodeMllp, parse } from "../../src/hl7/index.js";
import {
  createInbound,
  type InboundConnector,
  type InboundRejection,
  type ReceiveMeta,
} from "../../src/transports/index.js";
import { ackingIntake, adt, context, controlIdOf, RawMllpClient, until } from "./helpers.js";

describe("transports/mllp inbound", () => {
  let inbound: InboundConnector | undefined;
  afterEach(async () => {
    await inbound?.stop();
    inbound = undefined;
  });

  async function startInbound(settings: Record<string, unknown>, receive = ackingIntake().receive) {
    inbound = createInbound("mllp", "IB_TEST_ADT", { host: "127.0.0.1", port: 0, ...settings });
    const ctx = context(receive);
    await inbound.start(ctx);
    return { port: inbound.state.port!, ctx };
  }

  it("replies with the intake's ACK, MLLP framed, and reports the peer", async () => {
    const intake = ackingIntake();
    const { port } = await startInbound({}, intake.receive);
    const client = await RawMllpClient.connect(port);
    client.write(encodeMllp(adt("MSG001")));
    const [reply] = await client.waitFrames(1);
    assert.equal(controlIdOf(reply!), "MSG001");
    assert.equal(intake.received[0]!.payload.toString(), adt("MSG001"));
    assert.equal(intake.received[0]!.meta.transport, "mllp");
    assert.match(intake.received[0]!.meta.remote!, /^127\.0\.0\.1:\d+$/);
    const st = inbound!.state;
    assert.equal(st.status, "listening");
    assert.equal(st.messages, 1);
    assert.equal(st.connections, 1);
    assert.ok(st.bytesIn > 0 && st.bytesOut > 0 && st.lastActivity! > 0);
    client.close();
  });

  it("serves many concurrent connections, each getting its own ACKs in order", async () => {
    const { port } = await startInbound({});
    const clients = await Promise.all(Array.from({ length: 8 }, () => RawMllpClient.connect(port)));
    clients.forEach((c, i) => {
      for (let j = 0; j < 5; j++) c.write(encodeMllp(adt(`C${i}M${j}`)));
    });
    const replies = await Promise.all(clients.map((c) => c.waitFrames(5)));
    replies.forEach((frames, i) => {
      assert.deepEqual(
        frames.map((f) => controlIdOf(f)),
        [0, 1, 2, 3, 4].map((j) => `C${i}M${j}`),
      );
    });
    assert.equal(inbound!.state.totalConnections, 8);
    for (const c of clients) c.close();
  });

  it("reassembles a frame split over many chunks and ignores bytes outside frames", async () => {
    const intake = ackingIntake();
    const { port } = await startInbound({}, intake.receive);
    const client = await RawMllpClient.connect(port);
    const bytes = Buffer.concat([Buffer.from("noise\r\n"), encodeMllp(adt("SPLIT1"))]);
    for (let i = 0; i < bytes.length; i += 7) {
      client.write(bytes.subarray(i, i + 7));
      await new Promise((r) => setImmediate(r));
    }
    const [reply] = await client.waitFrames(1);
    assert.equal(controlIdOf(reply!), "SPLIT1");
    assert.equal(intake.received.length, 1);
    assert.equal(intake.received[0]!.payload.toString(), adt("SPLIT1"));
    client.close();
  });

  it("handles several frames in one chunk, replying in order", async () => {
    const intake = ackingIntake();
    // The first payload takes longest: replies must still follow arrival order.
    const receive = async (payload: Buffer, meta: Parameters<typeof intake.receive>[1]) => {
      if (payload.toString().includes("|FIRST|")) await new Promise((r) => setTimeout(r, 30));
      return intake.receive(payload, meta);
    };
    const { port } = await startInbound({}, receive);
    const client = await RawMllpClient.connect(port);
    client.write(Buffer.concat(["FIRST", "SECOND", "THIRD"].map((id) => encodeMllp(adt(id)))));
    const frames = await client.waitFrames(3);
    assert.deepEqual(
      frames.map((f) => controlIdOf(f)),
      ["FIRST", "SECOND", "THIRD"],
    );
    assert.deepEqual(
      intake.received.map((r) => r.payload.toString()),
      [adt("FIRST"), adt("SECOND"), adt("THIRD")],
    );
    client.close();
  });

  it("closes the connection with a logged error when a frame exceeds maxFrameBytes", async () => {
    const intake = ackingIntake();
    const { port, ctx } = await startInbound({ maxFrameBytes: 64 }, intake.receive);
    const client = await RawMllpClient.connect(port);
    client.write(encodeMllp(adt("BIG")));
    await client.closed;
    assert.equal(intake.received.length, 0);
    assert.equal(client.frames.length, 0);
    const err = ctx.log.entries.find((e) => e.level === "error");
    assert.ok(err, "an error is logged");
    assert.match(String(err.obj.error), /64-byte limit/);
    assert.ok(!JSON.stringify(ctx.log.entries).includes("TEST^PATIENT"), "no message body in logs");
    assert.match(inbound!.state.lastError!, /limit/);
    // The listener keeps serving other connections.
    const other = await RawMllpClient.connect(port);
    other.write(encodeMllp("MSH|^~\\&|A|B|C|D|||ADT^A01|S1|P|2.5"));
    await other.waitFrames(1);
    other.close();
  });

  it("completes a frame on <FS> even when the trailing CR never comes", async () => {
    const intake = ackingIntake();
    const { port } = await startInbound({}, intake.receive);
    const client = await RawMllpClient.connect(port);
    // A sender that ends its frame with FS alone and then waits for the ACK.
    client.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(adt("NOCR1")), Buffer.from([0x1c])]));
    const [reply] = await client.waitFrames(1);
    assert.equal(controlIdOf(reply!), "NOCR1");
    // The CR arriving late is swallowed, not taken as noise before the next frame's ACK.
    client.write(Buffer.concat([Buffer.from("\r"), encodeMllp(adt("NOCR2"))]));
    const frames = await client.waitFrames(2);
    assert.equal(controlIdOf(frames[1]!), "NOCR2");
    assert.deepEqual(
      intake.received.map((r) => r.payload.toString()),
      [adt("NOCR1"), adt("NOCR2")],
    );
    client.close();
  });

  it("processes a CR-less last frame when the peer half-closes right after it", async () => {
    const intake = ackingIntake();
    const { port } = await startInbound({}, intake.receive);
    const client = await RawMllpClient.connect(port);
    client.socket.end(Buffer.concat([Buffer.from([0x0b]), Buffer.from(adt("LAST1")), Buffer.from([0x1c])]));
    const [reply] = await client.waitFrames(1);
    assert.equal(controlIdOf(reply!), "LAST1");
    assert.equal(intake.received.length, 1);
    await client.closed;
  });

  it("with ctx.reject, NAKs an oversized frame in reply order and keeps serving the connection", async () => {
    const intake = ackingIntake();
    const rejected: { reason: InboundRejection; meta: ReceiveMeta }[] = [];
    inbound = createInbound("mllp", "IB_TEST_ADT", { host: "127.0.0.1", port: 0, maxFrameBytes: 200 });
    const ctx = context(intake.receive);
    ctx.reject = async (reason, meta) => {
      rejected.push({ reason, meta });
      return { reply: Buffer.from("MSH|^~\\&|||||||ACK|NAK1|P|2.5.1\rMSA|AR|BIG1") };
    };
    await inbound.start(ctx);
    const client = await RawMllpClient.connect(inbound.state.port!);
    // Before, oversized and after in one write: replies must come back in that order.
    client.write(
      Buffer.concat([
        encodeMllp(adt("BEFORE1")),
        encodeMllp(adt("BIG1", "X".repeat(400))),
        encodeMllp(adt("AFTER1")),
      ]),
    );
    const frames = await client.waitFrames(3);
    assert.equal(controlIdOf(frames[0]!), "BEFORE1");
    assert.match(frames[1]!.toString(), /MSA\|AR\|BIG1/);
    assert.equal(controlIdOf(frames[2]!), "AFTER1");
    // The connection stays usable after the NAK.
    client.write(encodeMllp(adt("AFTER2")));
    assert.equal(controlIdOf((await client.waitFrames(4))[3]!), "AFTER2");
    assert.equal(rejected.length, 1);
    const { reason, meta } = rejected[0]!;
    assert.equal(reason.code, "MLLP_FRAME_TOO_LARGE");
    assert.match(reason.message, /200-byte limit/);
    assert.ok(reason.bytesSeen > 200, `bytesSeen ${reason.bytesSeen}`);
    assert.ok(reason.head.length > 0 && reason.head.length <= 200);
    assert.match(reason.head.toString(), /^MSH\|[^\r]*\|BIG1\|/, "the head carries MSH for the NAK");
    assert.equal(meta.transport, "mllp");
    assert.match(meta.remote!, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(
      intake.received.map((r) => parse(r.payload.toString()).controlId),
      ["BEFORE1", "AFTER1", "AFTER2"],
    );
    assert.ok(!JSON.stringify(ctx.log.entries).includes("TEST^PATIENT"), "no message body in logs");
    client.close();
  });

  it("closes without a reply when ctx.reject fails", async () => {
    inbound = createInbound("mllp", "IB_TEST_ADT", { host: "127.0.0.1", port: 0, maxFrameBytes: 64 });
    const ctx = context(ackingIntake().receive);
    ctx.reject = async () => {
      throw new Error("store unavailable");
    };
    await inbound.start(ctx);
    const client = await RawMllpClient.connect(inbound.state.port!);
    client.write(encodeMllp(adt("BIG2")));
    await client.closed;
    assert.equal(client.frames.length, 0);
    assert.ok(ctx.log.entries.some((e) => e.level === "error" && e.obj.error === "store unavailable"));
  });

  it("closes a connection idle longer than idleTimeoutMs", async () => {
    const { port, ctx } = await startInbound({ idleTimeoutMs: 50 });
    const client = await RawMllpClient.connect(port);
    await client.closed;
    assert.ok(ctx.log.entries.some((e) => e.msg?.includes("idle timeout")));
    await until(() => inbound!.state.connections === 0);
  });

  it("does not time out a connection while its payload is still in the intake", async () => {
    const intake = ackingIntake();
    const slow = async (p: Buffer, m: Parameters<typeof intake.receive>[1]) => {
      await new Promise((r) => setTimeout(r, 150));
      return intake.receive(p, m);
    };
    const { port } = await startInbound({ idleTimeoutMs: 40 }, slow);
    const client = await RawMllpClient.connect(port);
    client.write(encodeMllp(adt("SLOW1")));
    const [reply] = await client.waitFrames(1);
    assert.equal(controlIdOf(reply!), "SLOW1");
    client.close();
  });

  it("closes without replying when the intake fails (nothing committed, so no ACK)", async () => {
    const { port, ctx } = await startInbound({}, async () => {
      throw new Error("store unavailable");
    });
    const client = await RawMllpClient.connect(port);
    client.write(encodeMllp(adt("FAIL1")));
    await client.closed;
    assert.equal(client.frames.length, 0);
    assert.ok(ctx.log.entries.some((e) => e.level === "error" && e.obj.error === "store unavailable"));
  });

  it("sends a NAK the intake returns and sends nothing when it returns no reply", async () => {
    let n = 0;
    const { port } = await startInbound({}, async () =>
      n++ === 0
        ? { accepted: true }
        : { accepted: false, reply: Buffer.from("MSH|^~\\&|||||||ACK|N1|P|2.5\rMSA|AR|X") },
    );
    const client = await RawMllpClient.connect(port);
    client.write(encodeMllp(adt("NONE")));
    client.write(encodeMllp(adt("NAK")));
    const [nak] = await client.waitFrames(1);
    assert.match(nak!.toString(), /MSA\|AR/);
    client.close();
  });

  it("stops gracefully: in-flight payloads finish and are ACKed, then the listener is gone", async () => {
    const intake = ackingIntake();
    let entered!: () => void;
    const inIntake = new Promise<void>((r) => {
      entered = r;
    });
    const slow = async (p: Buffer, m: Parameters<typeof intake.receive>[1]) => {
      entered();
      await new Promise((r) => setTimeout(r, 100));
      return intake.receive(p, m);
    };
    const { port } = await startInbound({}, slow);
    const client = await RawMllpClient.connect(port);
    client.write(encodeMllp(adt("INFLIGHT")));
    await inIntake;
    const stopped = inbound!.stop();
    const [reply] = await client.waitFrames(1);
    assert.equal(controlIdOf(reply!), "INFLIGHT");
    await stopped;
    await client.closed;
    assert.equal(inbound!.state.status, "stopped");
    await assert.rejects(RawMllpClient.connect(port), /ECONNREFUSED/);
    inbound = undefined;
  });

  it("reports a clear error when the port is taken", async () => {
    const { port } = await startInbound({});
    const second = createInbound("mllp", "IB_SECOND", { host: "127.0.0.1", port });
    await assert.rejects(
      second.start(context(ackingIntake().receive)),
      /IB_SECOND: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
    assert.equal(second.state.status, "error");
  });
});
