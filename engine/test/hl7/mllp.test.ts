import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, connect, createServer } from "node:net";
import { decodeHl7Bytes, encodeMllp, MllpDecoder, MllpFrameError, parse } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01 } from "./fixtures.js";

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

describe("hl7 MLLP framing", () => {
  it("encodes <VT> payload <FS><CR>", () => {
    assert.deepEqual([...encodeMllp("AB")], [VT, 0x41, 0x42, FS, CR]);
  });

  it("decodes several frames in one chunk and skips bytes outside frames", () => {
    const d = new MllpDecoder();
    const frames = d.push(
      Buffer.concat([Buffer.from("noise"), encodeMllp("one"), Buffer.from("\r\n"), encodeMllp("two")]),
    );
    assert.deepEqual(frames.map(String), ["one", "two"]);
    assert.equal(d.discardedBytes, 7);
    assert.equal(d.hasPartialFrame, false);
  });

  it("decodes one frame delivered a byte at a time, split right between FS and CR", () => {
    const d = new MllpDecoder();
    const wire = Buffer.concat([encodeMllp(ADT_A01), encodeMllp("second")]);
    const out: string[] = [];
    for (const b of wire) out.push(...d.push(Buffer.from([b])).map(String));
    assert.deepEqual(out, [ADT_A01, "second"]);
  });

  it("accepts an FS without CR and restarts on a new VT inside a frame", () => {
    const d = new MllpDecoder();
    const out = d.push(Buffer.from([VT, 0x61, FS, VT, 0x62, VT, 0x63, FS, CR]));
    assert.deepEqual(out.map(String), ["a", "c"]);
    assert.equal(d.discardedBytes, 1);
  });

  it("completes a frame on FS without waiting for the CR, and swallows a CR that follows later", () => {
    const d = new MllpDecoder();
    assert.deepEqual(d.push(Buffer.from([VT, 0x61, FS])).map(String), ["a"]);
    assert.equal(d.hasPartialFrame, false);
    assert.deepEqual(d.push(Buffer.from([CR, VT, 0x62, FS, CR])).map(String), ["b"]);
    assert.equal(d.discardedBytes, 0, "the late CR is part of the frame trailer, not noise");
    // Only one CR is swallowed; a second one is noise outside frames.
    d.push(Buffer.from([VT, 0x63, FS]));
    d.push(Buffer.from([CR, CR]));
    assert.equal(d.discardedBytes, 1);
  });

  it("end() drops (and counts) an unterminated frame", () => {
    const d = new MllpDecoder();
    d.push(Buffer.from([VT, 0x62, 0x63]));
    assert.equal(d.hasPartialFrame, true);
    assert.deepEqual(d.end(), []);
    assert.equal(d.discardedBytes, 3);
    assert.equal(d.hasPartialFrame, false);
  });

  it("decode() reports frames and oversized drops in wire order, with the dropped frame's head", () => {
    const d = new MllpDecoder({ maxFrameBytes: 8 });
    const items = d.decode(
      Buffer.concat([encodeMllp("ok"), encodeMllp("MSH|far too long"), encodeMllp("next")]),
    );
    assert.equal(items.length, 3);
    assert.equal(String(items[0]), "ok");
    const drop = items[1];
    assert.ok(drop && !Buffer.isBuffer(drop));
    assert.ok(drop.error instanceof MllpFrameError && drop.error.frameBytes > 8);
    assert.equal(drop.head.toString(), "MSH|far ");
    assert.equal(String(items[2]), "next");
  });

  it("fails loudly on an oversized frame, then resynchronises", () => {
    const d = new MllpDecoder({ maxFrameBytes: 8 });
    assert.throws(
      () => d.push(Buffer.concat([encodeMllp("ok"), encodeMllp("far too long payload"), encodeMllp("next")])),
      (e: unknown) =>
        e instanceof MllpFrameError &&
        e.code === "MLLP_FRAME_TOO_LARGE" &&
        e.maxFrameBytes === 8 &&
        e.frames.map(String).join() === "ok,next",
    );
    assert.deepEqual(d.push(encodeMllp("after")).map(String), ["after"]);
    // Oversized across chunks: the tail of the dropped frame is skipped.
    assert.throws(() => d.push(Buffer.concat([Buffer.from([VT]), Buffer.alloc(9, 0x41)])), MllpFrameError);
    assert.deepEqual(
      d.push(Buffer.concat([Buffer.from("AAAA"), Buffer.from([FS, CR]), encodeMllp("z")])).map(String),
      ["z"],
    );
  });

  it("frames messages over a real TCP socket in arbitrary chunks", async () => {
    const received: string[] = [];
    const server = createServer((sock) => {
      const d = new MllpDecoder();
      sock.on("data", (chunk: Buffer) => {
        for (const frame of d.push(chunk)) received.push(decodeHl7Bytes(frame));
        if (received.length === 3) sock.end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const client = connect(port, "127.0.0.1");
    await once(client, "connect");
    const wire = Buffer.concat([1, 2, 3].map((i) => encodeMllp(ADT_A01.replace("MSG00001", `MSG0000${i}`))));
    // Write in uneven slices so frames straddle TCP segments.
    for (let off = 0; off < wire.length; off += 37) {
      client.write(wire.subarray(off, off + 37));
    }
    await once(client, "end");
    client.destroy();
    server.close();
    await once(server, "close");
    assert.deepEqual(
      received.map((t) => parse(t).controlId),
      ["MSG00001", "MSG00002", "MSG00003"],
    );
  });
});
