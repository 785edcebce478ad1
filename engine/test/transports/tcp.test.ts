import assert from "node:assert/strict";
import net from "node:net";
import fc from "fast-check";
import {
  ConnectorConfigError,
  createInbound,
  createOutbound,
  FrameError,
  type FramingSetting,
  framingFrom,
  type InboundConnector,
  type OutboundConnector,
  type ReceiveMeta,
} from "../../src/transports/index.js";
import { ackBytes, adt, context, mllpPeer } from "./helpers.js";

/** Feeds `bytes` to a fresh decoder in chunks of `size`, collecting frames as strings. */
function decodeAll(setting: FramingSetting, bytes: Buffer, size: number, max = 1024): string[] {
  const dec = framingFrom(setting).decoder(max);
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...dec.push(bytes.subarray(i, i + size)).map(String));
  return out;
}

const presets: { setting: FramingSetting; label: string }[] = [
  { setting: "mllp", label: "mllp" },
  { setting: "newline", label: "newline" },
  { setting: "length-prefixed", label: "length-prefixed" },
  { setting: { start: [0x02], end: [0x03] }, label: "custom STX/ETX" },
  { setting: { start: [], end: [0x0d, 0x0a, 0x0d, 0x0a] }, label: "custom multi-byte end" },
];

describe("transports/tcp framing presets", () => {
  for (const { setting, label } of presets) {
    it(`${label}: encode/decode round trip, whole and byte by byte`, () => {
      const f = framingFrom(setting);
      const payloads = ["first", "second payload", "third|with|pipes"];
      const wire = Buffer.concat(payloads.map((p) => f.encode(Buffer.from(p))));
      assert.deepEqual(decodeAll(setting, wire, wire.length), payloads);
      assert.deepEqual(decodeAll(setting, wire, 1), payloads);
      assert.deepEqual(decodeAll(setting, wire, 5), payloads);
    });
  }

  it("any payloads split at any chunk boundaries decode to the same payloads (property)", () => {
    for (const { setting, label } of presets) {
      const f = framingFrom(setting);
      // Payload bytes from 0x20 up avoid every preset's delimiters (VT, FS, CR, LF, STX, ETX).
      fc.assert(
        fc.property(
          fc.array(
            fc
              .uint8Array({ minLength: 1, maxLength: 300 })
              .map((a) => Buffer.from(a.map((x) => Math.max(x, 0x20)))),
            {
              minLength: 1,
              maxLength: 8,
            },
          ),
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
          (payloads, cuts) => {
            const wire = Buffer.concat(payloads.map((p) => f.encode(p)));
            const dec = f.decoder(1024);
            const out: Buffer[] = [];
            let pos = 0;
            for (let i = 0; pos < wire.length; i++) {
              const n = cuts[i % cuts.length]!;
              out.push(...dec.push(wire.subarray(pos, pos + n)));
              pos += n;
            }
            assert.deepEqual(out, payloads, label);
          },
        ),
        { numRuns: 60 },
      );
    }
  });

  it("accepts a plain delimiter string (connections.toml tcp schema)", async () => {
    const ib = createInbound("tcp", "IB_DELIM", { host: "127.0.0.1", port: 0, delimiter: "\r\n" });
    const got: string[] = [];
    await ib.start(
      context(async (p) => {
        got.push(p.toString());
        return { accepted: true, reply: Buffer.from("ok") };
      }),
    );
    try {
      const ob = createOutbound("tcp", "OB_DELIM", {
        host: "127.0.0.1",
        port: ib.state.port!,
        delimiter: "\r\n",
        reply: "raw",
      });
      const r = await ob.send(Buffer.from("line one"), { messageId: "1" });
      await ob.close();
      assert.equal(r.reply?.toString(), "ok");
      assert.deepEqual(got, ["line one"]);
    } finally {
      await ib.stop();
    }
  });

  it("newline drops a CR before LF and skips empty lines", () => {
    assert.deepEqual(decodeAll("newline", Buffer.from("a\r\n\nb\n"), 100), ["a", "b"]);
  });

  it("custom framing ignores bytes outside frames", () => {
    const wire = Buffer.from("junk\x02one\x03more junk\x02two\x03");
    assert.deepEqual(decodeAll({ start: [0x02], end: [0x03] }, wire, 3), ["one", "two"]);
  });

  it("rejects oversized frames for each preset", () => {
    assert.throws(() => decodeAll("newline", Buffer.from("x".repeat(50)), 7, 20), FrameError);
    assert.throws(
      () => decodeAll("length-prefixed", framingFrom("length-prefixed").encode(Buffer.alloc(50)), 64, 20),
      /length prefix 50 exceeds 20/,
    );
    assert.throws(
      () => decodeAll({ start: [2], end: [3] }, Buffer.from(`\x02${"y".repeat(30)}\x03`), 64, 20),
      FrameError,
    );
    assert.throws(
      () => decodeAll("mllp", framingFrom("mllp").encode(Buffer.alloc(50, 0x41)), 64, 20),
      /limit/,
    );
  });

  it("rejects a bad framing setting with a positioned error", () => {
    assert.throws(
      () => createInbound("tcp", "IB_BAD_TCP", { port: 0, framing: "xml" }),
      (e: unknown) =>
        e instanceof ConnectorConfigError && /IB_BAD_TCP: setting 'framing': must be one of/.test(e.message),
    );
    assert.throws(
      () => createInbound("tcp", "IB_BAD_TCP", { port: 0, framing: { start: [2], end: [300] } }),
      /setting 'framing.end': must be an array of byte values 0-255/,
    );
  });
});

describe("transports/tcp over sockets", () => {
  const open: (InboundConnector | OutboundConnector)[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await ("stop" in c ? c.stop() : c.close());
  });

  async function echoInbound(framing: FramingSetting) {
    const received: { payload: string; meta: ReceiveMeta }[] = [];
    const ib = createInbound("tcp", "IB_TEST_TCP", { host: "127.0.0.1", port: 0, framing });
    open.push(ib);
    await ib.start(
      context(async (payload, meta) => {
        received.push({ payload: payload.toString(), meta });
        return { accepted: true, reply: Buffer.from(`ack:${payload}`) };
      }),
    );
    return { port: ib.state.port!, received };
  }

  for (const { setting, label } of presets) {
    it(`${label}: outbound (reply raw) → inbound → framed reply`, async () => {
      const { port, received } = await echoInbound(setting);
      const ob = createOutbound("tcp", "OB_TEST_TCP", {
        host: "127.0.0.1",
        port,
        framing: setting,
        reply: "raw",
      });
      open.push(ob);
      for (const p of ["one", "two"]) {
        const r = await ob.send(Buffer.from(p), { messageId: p });
        assert.equal(r.status, "ok");
        assert.equal(r.reply?.toString(), `ack:${p}`);
      }
      assert.deepEqual(
        received.map((r) => r.payload),
        ["one", "two"],
      );
      assert.equal(received[0]!.meta.transport, "tcp");
    });
  }

  it("newline inbound takes several lines from one chunk and replies per line", async () => {
    const { port, received } = await echoInbound("newline");
    const sock = net.connect({ host: "127.0.0.1", port });
    const replies: string[] = [];
    sock.on("data", (c) => replies.push(c.toString()));
    sock.write('{"a":1}\n{"b":2}\r\n');
    while (replies.join("").split("\n").length < 3) await new Promise((r) => setTimeout(r, 5));
    assert.equal(replies.join(""), 'ack:{"a":1}\nack:{"b":2}\n');
    assert.deepEqual(
      received.map((r) => r.payload),
      ['{"a":1}', '{"b":2}'],
    );
    sock.destroy();
  });

  it("newline inbound with ctx.reject: replies to earlier lines, NAKs the oversized one, then closes", async () => {
    const received: string[] = [];
    const rejected: { code: string; bytesSeen: number; head: string }[] = [];
    const ib = createInbound("tcp", "IB_TEST_TCP", {
      host: "127.0.0.1",
      port: 0,
      framing: "newline",
      maxFrameBytes: 16,
    });
    open.push(ib);
    const ctx = context(async (payload) => {
      received.push(payload.toString());
      return { accepted: true, reply: Buffer.from(`ack:${payload}`) };
    });
    ctx.reject = async (reason) => {
      rejected.push({ code: reason.code, bytesSeen: reason.bytesSeen, head: reason.head.toString() });
      return { reply: Buffer.from("nak:too-large") };
    };
    await ib.start(ctx);
    const sock = net.connect({ host: "127.0.0.1", port: ib.state.port! });
    let replies = "";
    sock.on("data", (c) => {
      replies += c.toString();
    });
    const closed = new Promise<void>((r) => sock.on("close", () => r()));
    // The stream after an oversized line cannot be trusted: "late" must not be taken as a message.
    sock.write(`short\n${"x".repeat(40)}\nlate\n`);
    await closed;
    assert.equal(replies, "ack:short\nnak:too-large\n");
    assert.deepEqual(received, ["short"]);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.code, "FRAME_TOO_LARGE");
    assert.ok(rejected[0]!.bytesSeen > 16);
    assert.equal(rejected[0]!.head, "x".repeat(16));
  });

  it('outbound with reply "ack" reads MSA-1 like MLLP', async () => {
    const peer = await mllpPeer((f) => ackBytes(f, "AR"));
    try {
      const ob = createOutbound("tcp", "OB_TCP_ACK", {
        host: "127.0.0.1",
        port: peer.port,
        framing: "mllp",
        reply: "ack",
      });
      open.push(ob);
      const r = await ob.send(Buffer.from(adt("TA1")), { messageId: "1" });
      assert.equal(r.status, "permanent");
      assert.equal(r.error, "negative ACK AR");
    } finally {
      await peer.close();
    }
  });

  it("outbound with reply none is ok once written", async () => {
    const { port, received } = await echoInbound("length-prefixed");
    const ob = createOutbound("tcp", "OB_TEST_TCP", { host: "127.0.0.1", port, framing: "length-prefixed" });
    open.push(ob);
    assert.equal((await ob.send(Buffer.from("fire"), { messageId: "1" })).status, "ok");
    while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(received[0]!.payload, "fire");
  });
});
