/**
 * Hostile inputs against a real running engine (SQLite store on a temp file, real sockets): a bounded
 * sweep of random and malicious bytes to every listener type (MLLP, TCP, HTTP), after which the engine
 * still answers and its memory stayed bounded; and a file name the file system refuses dead-letters one
 * message instead of holding its lane.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import fc from "fast-check";
import { parse } from "../../src/hl7/index.js";
import type { Engine } from "../../src/runtime/index.js";
import { adt, freePort, MllpSender, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const ROUTES = `
import { env, file, handler, http, inbound, mllp, outbound, router, send, tcp } from "messagefoundry";

const limits = { maxFrameBytes: 65536, frameTimeoutMs: 300 };
inbound("IB_HOSTILE_MLLP", mllp({ host: "127.0.0.1", port: env("mllp_port", "int"), ...limits }), { router: "adt_router" });
inbound("IB_HOSTILE_TCP", tcp({ host: "127.0.0.1", port: env("tcp_port", "int"), ...limits }), { router: "adt_router" });
inbound("IB_HOSTILE_HTTP", http({ host: "127.0.0.1", port: env("http_port", "int"), maxBodyBytes: 65536, requestTimeoutMs: 300 }), {
  router: "adt_router",
});
outbound("OB_HOSTILE_FILE", file({ path: env("out_dir"), filename: "{MSH-10}.hl7" }));

router("adt_router", (msg) => (msg.get("MSH-9.1") === "ADT" ? ["adt_handler"] : []));
handler("adt_handler", (msg) => send("OB_HOSTILE_FILE", msg));
`;

interface Rig {
  engine: Engine;
  ports: { mllp: number; tcp: number; http: number };
  outDir: string;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const t = tempDir();
  const ports = { mllp: await freePort(), tcp: await freePort(), http: await freePort() };
  const outDir = join(t.dir, "out");
  const config = join(t.dir, "config");
  writeFiles(config, {
    "routes.ts": ROUTES,
    "environments/test.toml": `mllp_port = ${ports.mllp}\ntcp_port = ${ports.tcp}\nhttp_port = ${ports.http}\nout_dir = ${JSON.stringify(outDir)}\n`,
  });
  const engine = await openEngine(config, join(t.dir, "engine.db"));
  return {
    engine,
    ports,
    outDir,
    async close() {
      await engine.stop();
      t.cleanup();
    },
  };
}

async function dispositionOf(engine: Engine, controlId: string): Promise<string | undefined> {
  const [m] = await engine.store.listMessages({ controlId, limit: 1 });
  return m?.disposition;
}

type Target = "mllp" | "tcp" | "http";

/** Pieces that hit parser and framing corners: delimiters, escapes, frame bytes, NUL, odd headers. */
const FRAGMENTS = [
  "MSH|^~\\&|",
  "MSH|",
  "MSH",
  "|",
  "^",
  "~",
  "&",
  "\\",
  "\\X0D\\",
  "\\E\\",
  "\\H\\",
  "\r",
  "\n",
  "\r\n",
  "\x0b",
  "\x1c",
  "\x1c\r",
  "\x00",
  "\xff\xfe",
  "ORU^R01",
  "|2.5.1",
  "PID|1||",
  "MSA|AA|",
  "POST / HTTP/1.1\r\n",
  "Content-Length: 99999999\r\n",
  "Transfer-Encoding: chunked\r\n",
  "Content-Length: 5\r\nContent-Length: 7\r\n",
  "\r\n\r\n",
  "0\r\n\r\n",
  "ffffffff\r\n",
];

const chunkArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 64 }).map((p) => Buffer.from(p.join(""), "latin1")),
  // Floods of one byte: start blocks, separators, or a frame past maxFrameBytes.
  fc
    .record({
      n: fc.integer({ min: 1, max: 150_000 }),
      b: fc.constantFrom(0x0b, 0x7c, 0x0d, 0x0a, 0x41, 0x1c),
    })
    .map(({ n, b }) => Buffer.alloc(n, b)),
);

const sessionArb = fc.record({
  target: fc.constantFrom<Target>("mllp", "tcp", "http"),
  chunks: fc.array(chunkArb, { minLength: 1, maxLength: 6 }),
  /** end: FIN; destroy: reset; stall: leave a frame open and go quiet (the listener must close it). */
  finish: fc.constantFrom("end", "destroy", "stall"),
});

/** What leaves a frame (or request) in progress on each listener. */
const OPEN_FRAME: Record<Target, Buffer> = {
  mllp: Buffer.from("\x0bMSH|^~\\&|", "latin1"),
  tcp: Buffer.from("MSH|^~\\&|no end of line"),
  http: Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nMSH|"),
};

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
}

function postAck(port: number, body: string): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/", method: "POST", agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          code: parse(Buffer.concat(chunks).toString("latin1")).get("MSA-1"),
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** One newline-framed HL7 message over TCP; resolves with the reply's MSA-1. */
async function tcpAck(port: number, text: string): Promise<string | undefined> {
  const s = await connect(port);
  const reply = await new Promise<string>((resolve, reject) => {
    let got = "";
    s.on("data", (c: Buffer) => {
      got += c.toString("latin1");
      if (got.includes("\n")) resolve(got.slice(0, got.indexOf("\n")));
    });
    s.on("error", reject);
    s.write(`${text}\n`);
  });
  s.destroy();
  return parse(reply).get("MSA-1");
}

/** Heap and buffers outside it (sockets, frames): what a flood would grow. */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("runtime: hostile inputs", function () {
  this.timeout(120_000);
  let r: Rig;
  before(async () => {
    r = await rig();
  });
  after(async () => {
    await r?.close();
  });

  it("a sweep of random and malicious bytes to MLLP, TCP and HTTP: the engine keeps serving, memory bounded", async () => {
    // Warm up every path once, so the measurement is of the sweep, not of first use.
    const warm = await MllpSender.connect(r.ports.mllp);
    assert.equal(await warm.send(adt("WARM1")), "AA");
    warm.close();
    assert.equal(await tcpAck(r.ports.tcp, adt("WARM2")), "AA");
    assert.equal((await postAck(r.ports.http, adt("WARM3"))).code, "AA");
    const before = memory();

    const stalled: Promise<void>[] = [];
    await fc.assert(
      fc.asyncProperty(sessionArb, async ({ target, chunks, finish }) => {
        const s = await connect(r.ports[target]);
        s.on("error", () => {}); // resets are expected
        s.resume(); // read and drop replies, so the engine is never held up by an unread socket
        const closed = new Promise<void>((res) => s.on("close", () => res()));
        for (const c of chunks) if (!s.destroyed) s.write(c);
        if (finish === "destroy") s.destroy();
        else if (finish === "end") s.end();
        else if (!s.destroyed) s.write(OPEN_FRAME[target]);
        // end: the engine closes after its replies; stall: it closes when the frame deadline passes.
        if (finish === "stall") stalled.push(closed);
        else await closed;
      }),
      { numRuns: 150 },
    );
    await Promise.all(stalled); // every half-open frame was closed by the engine, none left hanging
    const open = () =>
      r.engine.runner
        .connections()
        .filter((c) => c.direction === "inbound")
        .reduce((n, c) => n + ("connections" in c.connector ? c.connector.connections : 0), 0);
    await until(() => open() === 0);

    const sender = await MllpSender.connect(r.ports.mllp);
    assert.equal(await sender.send(adt("AFTER1")), "AA");
    sender.close();
    assert.equal(await tcpAck(r.ports.tcp, adt("AFTER2")), "AA");
    assert.deepEqual(await postAck(r.ports.http, adt("AFTER3")), { status: 200, code: "AA" });
    const growth = memory() - before;
    // The sweep sent tens of MB; a generous bound that a leak of held frames or sockets would break.
    assert.ok(growth < 128 * 1024 * 1024, `memory grew by ${growth} bytes`);
  });

  it("a file name the file system refuses dead-letters that message; the lane keeps delivering", async () => {
    const sender = await MllpSender.connect(r.ports.mllp);
    const long = "L".repeat(300); // {MSH-10}.hl7 over 255 bytes: ENAMETOOLONG
    assert.equal(await sender.send(adt(long)), "AA");
    assert.equal(await sender.send(adt("NEXT1")), "AA");
    sender.close();
    await until(async () => (await dispositionOf(r.engine, "NEXT1")) === "PROCESSED");
    assert.equal(await dispositionOf(r.engine, long), "ERROR");
    assert.ok(existsSync(join(r.outDir, "NEXT1.hl7")));
  });
});
