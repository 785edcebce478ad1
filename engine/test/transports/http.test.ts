import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import {
  ConnectorConfigError,
  createInbound,
  type InboundConnector,
  type ReceiveResult,
} from "../../src/transports/index.js";
import { ackBytes, adt, context, controlIdOf } from "./helpers.js";

interface Res {
  status: number;
  body: string;
  type?: string;
}

function post(
  port: number,
  path: string,
  body: string | Buffer,
  method = "POST",
  headers: Record<string, string> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          body: Buffer.concat(chunks).toString(),
          type: res.headers["content-type"],
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("transports/http inbound", () => {
  let ib: InboundConnector | undefined;
  afterEach(async () => {
    await ib?.stop();
    ib = undefined;
  });

  async function start(
    receive: (p: Buffer) => Promise<ReceiveResult>,
    settings: Record<string, unknown> = {},
  ) {
    ib = createInbound("http", "IB_TEST_HTTP", { host: "127.0.0.1", port: 0, path: "/hl7", ...settings });
    const ctx = context(async (p, meta) => {
      assert.equal(meta.transport, "http");
      assert.match(meta.remote!, /^127\.0\.0\.1:\d+$/);
      return receive(p);
    });
    await ib.start(ctx);
    return { port: ib.state.port!, ctx };
  }

  it("answers a POST with 200 and the intake's ACK once it resolves", async () => {
    const bodies: string[] = [];
    const { port } = await start(async (p) => {
      bodies.push(p.toString());
      return { accepted: true, reply: ackBytes(p) };
    });
    const res = await post(port, "/hl7", adt("H1"));
    assert.equal(res.status, 200);
    assert.equal(res.type, "x-application/hl7-v2+er7");
    assert.equal(controlIdOf(Buffer.from(res.body)), "H1");
    assert.deepEqual(bodies, [adt("H1")]);
    assert.equal(ib!.state.messages, 1);
  });

  it("uses the intake's status and content type, 400 for a rejection by default", async () => {
    const replies: ReceiveResult[] = [
      { accepted: false, reply: Buffer.from("MSH|^~\\&|||||||ACK|1|P|2.5\rMSA|AR|1") },
      { accepted: true, httpStatus: 202 },
      { accepted: true, reply: Buffer.from('{"ok":true}'), contentType: "application/fhir+json" },
    ];
    const { port } = await start(async () => replies.shift()!);
    const r1 = await post(port, "/hl7", "x");
    assert.equal(r1.status, 400);
    assert.match(r1.body, /MSA\|AR/);
    const r2 = await post(port, "/hl7", "x");
    assert.equal(r2.status, 202);
    assert.equal(r2.body, "");
    const r3 = await post(port, "/hl7", "x");
    assert.equal(r3.type, "application/fhir+json");
  });

  it("404 for another path, 405 for another method, 400 for an empty body — without calling the intake", async () => {
    let calls = 0;
    const { port } = await start(async () => {
      calls++;
      return { accepted: true };
    });
    assert.equal((await post(port, "/other", "x")).status, 404);
    assert.equal((await post(port, "/hl7", "", "PUT")).status, 405);
    assert.equal((await post(port, "/hl7", "")).status, 400);
    assert.equal(calls, 0);
  });

  it("413 for a body over maxBodyBytes, declared or streamed", async () => {
    let calls = 0;
    const { port } = await start(
      async () => {
        calls++;
        return { accepted: true };
      },
      { maxBodyBytes: 100 },
    );
    assert.equal((await post(port, "/hl7", Buffer.alloc(500, 0x41))).status, 413);
    // Chunked (no Content-Length): the limit is enforced while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, path: "/hl7", method: "POST", agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", reject);
      req.write(Buffer.alloc(80, 0x41));
      req.write(Buffer.alloc(80, 0x41));
      req.end();
    });
    assert.equal(status, 413);
    assert.equal(calls, 0);
  });

  it("503 when the intake fails (nothing committed, the client should retry)", async () => {
    const { port, ctx } = await start(async () => {
      throw new Error("store unavailable");
    });
    const res = await post(port, "/hl7", adt("F1"));
    assert.equal(res.status, 503);
    assert.ok(ctx.log.entries.some((e) => e.level === "error" && e.obj.error === "store unavailable"));
  });

  it("stop() lets an in-flight request finish, then refuses connections", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inIntake = new Promise<void>((r) => {
      entered = r;
    });
    const { port } = await start(async (p) => {
      entered();
      await gate;
      return { accepted: true, reply: ackBytes(p) };
    });
    const pending = post(port, "/hl7", adt("S1"));
    await inIntake;
    const stopped = ib!.stop();
    release();
    const res = await pending;
    assert.equal(res.status, 200);
    await stopped;
    ib = undefined;
    await assert.rejects(
      new Promise((resolve, reject) =>
        net.connect({ host: "127.0.0.1", port }, () => resolve(undefined)).on("error", reject),
      ),
      /ECONNREFUSED/,
    );
  });

  it("with a token, requires the matching bearer token (401 otherwise)", async () => {
    let calls = 0;
    const { port } = await start(
      async () => {
        calls++;
        return { accepted: true };
      },
      { token: "s3cret-token" },
    );
    const none = await post(port, "/hl7", "x");
    assert.equal(none.status, 401);
    assert.equal((await post(port, "/hl7", "x", "POST", { authorization: "Bearer wrong" })).status, 401);
    assert.equal(
      (await post(port, "/hl7", "x", "POST", { authorization: "Bearer s3cret-token" })).status,
      200,
    );
    assert.equal(calls, 1);
  });

  it("validates settings", () => {
    assert.throws(
      () => createInbound("http", "IB_H", { port: 70000 }),
      (e: unknown) =>
        e instanceof ConnectorConfigError && /IB_H: setting 'port': must be <= 65535/.test(e.message),
    );
    assert.throws(
      () => createInbound("http", "IB_H", { port: 1, path: "hl7" }),
      /setting 'path': must start with "\/"/,
    );
    assert.throws(
      () => createInbound("http", "IB_H", { port: 1, tls: { cert: "/c" } }),
      /setting 'tls.key': is required/,
    );
  });
});
