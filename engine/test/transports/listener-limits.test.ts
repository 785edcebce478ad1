/**
 * Listener limits through real sockets: the connection cap and the address allow-list at accept, the
 * deadline for a frame in progress, quiet connections left open, and a flood of half-frames that
 * leaves memory bounded. MLLP, TCP (newline) and HTTP listeners.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { encodeMllp } from "../../src/hl7/index.js";
import { ConnectorConfigError, createInbound, type InboundConnector } from "../../src/transports/index.js";
import {
  ackingIntake,
  adt,
  context,
  controlIdOf,
  RawMllpClient,
  selfSignedCert,
  tempDir,
  until,
} from "./helpers.js";

/** A raw client socket: what it received and when the server closed it. */
interface Raw {
  socket: net.Socket;
  received: Buffer[];
  closed: Promise<void>;
  isClosed(): boolean;
}

function openRaw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const received: Buffer[] = [];
    let done = false;
    const closed = new Promise<void>((r) =>
      socket.on("close", () => {
        done = true;
        r();
      }),
    );
    socket.on("data", (c: Buffer) => received.push(c));
    socket.once("connect", () => {
      socket.on("error", () => {}); // a reset from the server is what some tests expect
      resolve({ socket, received, closed, isClosed: () => done });
    });
    socket.once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("transports: listener limits", () => {
  let inbound: InboundConnector | undefined;
  const clients: net.Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await inbound?.stop();
    inbound = undefined;
  });

  async function start(type: string, settings: Record<string, unknown>, receive = ackingIntake().receive) {
    inbound = createInbound(type, "IB_TEST_LIMITS", { host: "127.0.0.1", port: 0, ...settings });
    const ctx = context(receive, "IB_TEST_LIMITS");
    await inbound.start(ctx);
    return { port: inbound.state.port!, ctx };
  }

  async function raw(port: number): Promise<Raw> {
    const r = await openRaw(port);
    clients.push(r.socket);
    return r;
  }

  describe("connection cap", () => {
    it("MLLP: closes connections over maxConnections at once, counts and logs them, serves the rest", async () => {
      const { port, ctx } = await start("mllp", { maxConnections: 2 });
      const a = await RawMllpClient.connect(port);
      const b = await RawMllpClient.connect(port);
      clients.push(a.socket, b.socket);
      await until(() => inbound!.state.connections === 2);
      const extra = await raw(port);
      extra.socket.write(encodeMllp(adt("REFUSED1")));
      await extra.closed;
      assert.equal(extra.received.length, 0, "nothing is answered on a refused connection");
      assert.equal(inbound!.state.refusedConnections, 1);
      const warn = ctx.log.entries.find((e) => e.msg === "connection refused");
      assert.equal(warn?.level, "warn");
      assert.equal(warn?.obj.reason, "connection limit reached");
      assert.ok(!JSON.stringify(ctx.log.entries).includes("REFUSED1"), "no message content in logs");
      a.write(encodeMllp(adt("KEPT1")));
      assert.equal(controlIdOf((await a.waitFrames(1))[0]!), "KEPT1");
      // A slot freed is a slot reusable.
      b.close();
      await until(() => inbound!.state.connections === 1);
      const c = await RawMllpClient.connect(port);
      clients.push(c.socket);
      c.write(encodeMllp(adt("AFTER1")));
      assert.equal(controlIdOf((await c.waitFrames(1))[0]!), "AFTER1");
    });

    it("the default cap is 100 connections", async () => {
      const { port } = await start("tcp", {});
      const open = await Promise.all(Array.from({ length: 100 }, () => raw(port)));
      await until(() => inbound!.state.connections === 100);
      const extra = await raw(port);
      await extra.closed;
      assert.equal(inbound!.state.refusedConnections, 1);
      assert.ok(open.every((r) => !r.isClosed()));
    });

    it("HTTP: closes connections over maxConnections and keeps serving", async () => {
      const { port } = await start("http", { maxConnections: 1 });
      const held = await raw(port);
      await until(() => inbound!.state.connections === 1);
      const extra = await raw(port);
      await extra.closed;
      assert.equal(inbound!.state.refusedConnections, 1);
      held.socket.destroy();
      await until(() => inbound!.state.connections === 0);
      assert.equal(await postStatus(port, adt("HTTP1")), 200);
    });
  });

  describe("allowFrom", () => {
    it("MLLP: a client outside the list is closed at accept; one inside is served", async () => {
      const { port, ctx } = await start("mllp", { allowFrom: ["10.0.0.0/8", "192.168.1.20"] });
      const r = await raw(port);
      r.socket.write(encodeMllp(adt("OUTSIDE1")));
      await r.closed;
      assert.equal(r.received.length, 0);
      assert.equal(inbound!.state.refusedConnections, 1);
      assert.equal(inbound!.state.messages, 0);
      assert.equal(
        ctx.log.entries.find((e) => e.msg === "connection refused")?.obj.reason,
        "client address not allowed",
      );
      await inbound!.stop();
      await start("mllp", { allowFrom: ["10.0.0.0/8", "127.0.0.0/8"] });
      const ok = await RawMllpClient.connect(inbound!.state.port!);
      clients.push(ok.socket);
      ok.write(encodeMllp(adt("INSIDE1")));
      assert.equal(controlIdOf((await ok.waitFrames(1))[0]!), "INSIDE1");
    });

    it("HTTP: a client outside the list gets no answer; one inside is served", async () => {
      const { port } = await start("http", { allowFrom: ["::1/128"] });
      await assert.rejects(postStatus(port, adt("OUTSIDE2")));
      assert.equal(inbound!.state.refusedConnections, 1);
      await inbound!.stop();
      const again = await start("http", { allowFrom: ["127.0.0.1"] });
      assert.equal(await postStatus(again.port, adt("INSIDE2")), 200);
    });

    it("TLS: a client outside the list is closed before the handshake, with one log line", async () => {
      const t = tempDir();
      try {
        const { port, ctx } = await start("mllp", { allowFrom: ["10.0.0.0/8"], tls: selfSignedCert(t.dir) });
        for (let i = 0; i < 3; i++) {
          const r = await raw(port);
          r.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01])); // a ClientHello's first bytes
          await r.closed;
        }
        await sleep(50); // let any late handshake error surface
        assert.equal(inbound!.state.refusedConnections, 3);
        assert.equal(inbound!.state.totalConnections, 0);
        assert.deepEqual(
          ctx.log.entries.filter((e) => e.level !== "debug").map((e) => e.msg),
          ["inbound listening", "connection refused"],
        );
      } finally {
        t.cleanup();
      }
    });

    it("a bad entry is a setting error naming the entry", () => {
      assert.throws(
        () => createInbound("mllp", "IB_BAD", { port: 0, allowFrom: ["10.0.0.0/33"] }),
        (e: unknown) => e instanceof ConnectorConfigError && /allowFrom\.0/.test(e.message),
      );
      assert.throws(
        () => createInbound("http", "IB_BAD", { port: 0, allowFrom: "10.0.0.1" }),
        ConnectorConfigError,
      );
    });
  });

  describe("frame deadline", () => {
    it("MLLP: a sender that starts a frame and stalls is closed unanswered after frameTimeoutMs", async () => {
      const intake = ackingIntake();
      const { port, ctx } = await start("mllp", { frameTimeoutMs: 100 }, intake.receive);
      const r = await raw(port);
      r.socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(adt("STALL1").slice(0, 40))]));
      await r.closed;
      assert.equal(r.received.length, 0, "nothing ACKed");
      assert.equal(intake.received.length, 0);
      const warn = ctx.log.entries.find((e) => /not completed/.test(e.msg ?? ""));
      assert.equal(warn?.level, "warn");
      assert.ok(!JSON.stringify(ctx.log.entries).includes("STALL1"));
    });

    it("TCP newline: a line begun and never ended is closed after frameTimeoutMs", async () => {
      const intake = ackingIntake();
      const { port } = await start("tcp", { frameTimeoutMs: 100 }, intake.receive);
      const r = await raw(port);
      r.socket.write("half a line");
      await r.closed;
      assert.equal(intake.received.length, 0);
    });

    it("TLS: a client that never finishes its handshake is closed after frameTimeoutMs", async () => {
      const t = tempDir();
      try {
        const { port } = await start("mllp", { frameTimeoutMs: 100, tls: selfSignedCert(t.dir) });
        const r = await raw(port); // plain TCP, no ClientHello: the handshake stays open
        r.socket.write(Buffer.from([0x16, 0x03, 0x01])); // the first bytes of a TLS record, then nothing
        await r.closed;
        assert.equal(inbound!.state.messages, 0);
      } finally {
        t.cleanup();
      }
    });

    it("a quiet connection between messages stays open (no idle timeout by default)", async () => {
      const { port } = await start("mllp", { frameTimeoutMs: 50 });
      const c = await RawMllpClient.connect(port);
      clients.push(c.socket);
      c.write(encodeMllp(adt("QUIET1")));
      await c.waitFrames(1);
      await sleep(300); // six frame deadlines with no frame open
      assert.equal(c.socket.destroyed, false);
      c.write(encodeMllp(adt("QUIET2")));
      assert.equal(controlIdOf((await c.waitFrames(2))[1]!), "QUIET2");
    });

    it("frames that each end in time keep a long-running connection open", async () => {
      const { port } = await start("mllp", { frameTimeoutMs: 1000 });
      const c = await RawMllpClient.connect(port);
      clients.push(c.socket);
      // Every chunk ends mid-frame; each frame takes ~0.2 s of the 1 s deadline, the whole run ~1.6 s.
      for (let i = 0; i < 8; i++) {
        const bytes = encodeMllp(adt(`STEP${i}`));
        const cut = 30;
        c.write(bytes.subarray(0, cut));
        await sleep(100);
        c.write(Buffer.concat([bytes.subarray(cut), Buffer.from([0x0b]), Buffer.from("MSH|")]));
        await sleep(100);
        // The frame opened by "MSH|" is abandoned by the next start block (the decoder restarts).
      }
      const frames = await c.waitFrames(8);
      assert.deepEqual(
        frames.map((f) => controlIdOf(f)),
        Array.from({ length: 8 }, (_, i) => `STEP${i}`),
      );
      assert.equal(c.socket.destroyed, false);
    });

    it("HTTP: a request whose body never completes gets 408 and is not handed to the intake", async () => {
      const intake = ackingIntake();
      const { port } = await start("http", { requestTimeoutMs: 100 }, intake.receive);
      const r = await raw(port);
      r.socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nMSH|^~\\&|");
      await r.closed;
      assert.match(Buffer.concat(r.received).toString(), /^HTTP\/1\.1 408/);
      assert.equal(intake.received.length, 0);
    });
  });

  it("a flood of 200 half-frames: excess refused, stalled closed, memory bounded, then a message is ACKed", async () => {
    const intake = ackingIntake();
    const { port } = await start("mllp", { maxConnections: 50, frameTimeoutMs: 200 }, intake.receive);
    const part = Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(32 * 1024, "A")]);
    const before = process.memoryUsage();
    for (let round = 0; round < 4; round++) {
      const flood = await Promise.all(Array.from({ length: 50 }, () => raw(port)));
      for (const r of flood) r.socket.write(part);
      await Promise.all(flood.map((r) => r.closed));
      assert.ok(
        flood.every((r) => r.received.length === 0),
        "no half-frame is answered",
      );
    }
    await until(() => inbound!.state.connections === 0);
    const after = process.memoryUsage();
    assert.equal(intake.received.length, 0);
    assert.equal(inbound!.state.totalConnections + inbound!.state.refusedConnections!, 200);
    // 200 × 32 KiB went in; nothing of it is held. Generous bound for GC timing on a shared machine.
    const growth = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    assert.ok(growth < 64 * 1024 * 1024, `memory grew by ${growth} bytes`);
    const c = await RawMllpClient.connect(port);
    clients.push(c.socket);
    c.write(encodeMllp(adt("AFTERFLOOD")));
    assert.equal(controlIdOf((await c.waitFrames(1))[0]!), "AFTERFLOOD");
  });

  it("a pipelining sender's queued bytes are bounded: reading pauses while the intake is slow", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const intake = ackingIntake();
    const { port } = await start("mllp", { maxFrameBytes: 200_000 }, async (p, m) => {
      await gate;
      return intake.receive(p, m);
    });
    const c = await RawMllpClient.connect(port);
    clients.push(c.socket);
    const frame = encodeMllp(adt("PIPE", "X".repeat(100_000)));
    const n = 40; // 4 MB pipelined while the intake holds the first frame
    for (let i = 0; i < n; i++) c.write(frame);
    await sleep(300); // let the listener read all it is willing to
    const read = inbound!.state.bytesIn;
    release(); // before asserting, so a failure still lets the listener stop
    // About two frames queued plus one in progress: far below the 4 MB sent (and below 32 frames).
    assert.ok(read < 1_000_000, `listener read ${read} bytes`);
    await c.waitFrames(n);
  });
});

function postStatus(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", method: "POST", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end(body);
  });
}
