import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createOutbound, type OutboundConnector, statusResult } from "../../src/transports/index.js";
import { adt, freePort } from "./helpers.js";

interface Seen {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe("transports/rest outbound", () => {
  let server: http.Server;
  let port: number;
  let respond: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const seen: Seen[] = [];
  const open: OutboundConnector[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        respond(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    seen.length = 0;
    for (const o of open.splice(0)) await o.close();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function rest(settings: Record<string, unknown> = {}) {
    const ob = createOutbound("rest", "OB_TEST_REST", {
      url: `http://127.0.0.1:${port}/intake?x=1`,
      ...settings,
    });
    open.push(ob);
    return ob;
  }

  it("maps statuses: 2xx ok; 408, 429, 5xx retry; other 4xx permanent", async () => {
    const statuses = [200, 201, 204, 400, 401, 404, 408, 409, 422, 429, 500, 502, 503];
    const expected = [
      "ok",
      "ok",
      "ok",
      "permanent",
      "permanent",
      "permanent",
      "retry",
      "permanent",
      "permanent",
      "retry",
      "retry",
      "retry",
      "retry",
    ];
    const queue = [...statuses];
    respond = (_req, res) => res.writeHead(queue.shift()!).end();
    const ob = rest();
    const got = [];
    for (const s of statuses) got.push((await ob.send(Buffer.from("{}"), { messageId: String(s) })).status);
    assert.deepEqual(got, expected);
    assert.deepEqual(
      statuses.map((s) => statusResult(s)),
      expected,
    );
  });

  it("sends method, headers and body; returns the response body as the reply", async () => {
    respond = (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"id":"abc"}');
    const ob = rest({ method: "PUT", headers: { Authorization: "Bearer t0ken", "X-Partner": "ACME" } });
    const r = await ob.send(Buffer.from(adt("REST1")), { messageId: "1" });
    assert.equal(r.status, "ok");
    assert.equal(r.reply?.toString(), '{"id":"abc"}');
    assert.equal(seen[0]!.method, "PUT");
    assert.equal(seen[0]!.url, "/intake?x=1");
    assert.equal(seen[0]!.headers.authorization, "Bearer t0ken");
    assert.equal(seen[0]!.headers["x-partner"], "ACME");
    assert.equal(seen[0]!.headers["content-type"], "x-application/hl7-v2+er7");
    assert.equal(seen[0]!.body, adt("REST1"));
  });

  it("keeps the error body of a failed request as the reply, with the status in the error", async () => {
    respond = (_req, res) => res.writeHead(422).end("bad field PID-5");
    const r = await rest().send(Buffer.from("{}"), { messageId: "1" });
    assert.deepEqual([r.status, r.error, r.reply?.toString()], ["permanent", "HTTP 422", "bad field PID-5"]);
  });

  it("does not follow redirects: a 3xx is permanent and names the location", async () => {
    for (const code of [301, 302, 303, 307, 308]) {
      seen.length = 0;
      respond = (req, res) => {
        if (req.url === "/moved") res.writeHead(200).end("followed");
        else res.writeHead(code, { location: "/moved" }).end();
      };
      const r = await rest().send(Buffer.from(adt("REDIR1")), { messageId: String(code) });
      assert.deepEqual([r.status, r.error], ["permanent", `HTTP ${code} → /moved`], `status ${code}`);
      assert.deepEqual(
        seen.map((x) => [x.method, x.url]),
        [["POST", "/intake?x=1"]],
        `status ${code}: only the original request`,
      );
    }
  });

  it("a refused connection and a timeout are retries", async () => {
    const closed = await freePort();
    const r1 = await createOutbound("rest", "OB_DOWN", { url: `http://127.0.0.1:${closed}/` }).send(
      Buffer.from("{}"),
      {
        messageId: "1",
      },
    );
    assert.equal(r1.status, "retry");
    assert.match(r1.error!, /ECONNREFUSED/);

    respond = (_req, res) => setTimeout(() => res.writeHead(200).end(), 500);
    const r2 = await rest({ timeoutMs: 50 }).send(Buffer.from("{}"), { messageId: "2" });
    assert.equal(r2.status, "retry");
    assert.match(r2.error!, /no response within 50 ms/);
  });

  it("reads the response body up to maxResponseBytes: an endless body is cut there, the delivery stays ok", async () => {
    let written = 0;
    let hungUp: () => void = () => {};
    const gone = new Promise<void>((r) => {
      hungUp = r;
    });
    // An endless 200 response, bounded only by a 256 MiB safety stop.
    respond = (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (written < 256 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => hungUp());
      pump();
    };
    const r = await rest({ maxResponseBytes: 100_000 }).send(Buffer.from(adt("BIGREPLY")), {
      messageId: "1",
    });
    assert.equal(r.status, "ok");
    assert.equal(r.reply?.length, 100_000);
    assert.equal(r.error, "response body over maxResponseBytes (100000); reply cut");
    await gone; // the client hung up instead of reading on
    assert.ok(written < 64 * 1024 * 1024, `server wrote ${written} bytes before the client hung up`);
    // A body within the limit is kept whole, with no error; the default limit is 1 MiB.
    respond = (_req, res) => res.writeHead(200).end(Buffer.alloc(1024 * 1024, 0x42));
    const whole = await rest().send(Buffer.from("{}"), { messageId: "2" });
    assert.deepEqual([whole.status, whole.reply?.length, whole.error], ["ok", 1024 * 1024, undefined]);
    respond = (_req, res) => res.writeHead(503).end(Buffer.alloc(2000, 0x43));
    const failed = await rest({ maxResponseBytes: 10 }).send(Buffer.from("{}"), { messageId: "3" });
    assert.deepEqual(
      [failed.status, failed.reply?.length, failed.error],
      ["retry", 10, "HTTP 503; response body over maxResponseBytes (10); reply cut"],
    );
  });

  it("sends a bearer token or basic credentials", async () => {
    respond = (_req, res) => res.writeHead(200).end();
    await rest({ token: "t0k" }).send(Buffer.from("{}"), { messageId: "1" });
    await rest({ username: "mf", password: "pw" }).send(Buffer.from("{}"), { messageId: "2" });
    assert.equal(seen[0]!.headers.authorization, "Bearer t0k");
    assert.equal(seen[1]!.headers.authorization, `Basic ${Buffer.from("mf:pw").toString("base64")}`);
    assert.throws(
      () => rest({ token: "a", username: "u", password: "p" }),
      /use one of token, username\/password/,
    );
    assert.throws(() => rest({ username: "u" }), /setting 'username': and password go together/);
  });

  it("rejects a bad url with a positioned error", () => {
    assert.throws(
      () => createOutbound("rest", "OB_R", { url: "not a url" }),
      /OB_R: setting 'url': is not a valid URL/,
    );
    assert.throws(
      () => createOutbound("rest", "OB_R", { url: "ftp://x/" }),
      /setting 'url': must be http: or https:/,
    );
    assert.throws(
      () => createOutbound("rest", "OB_R", { url: "http://x/", method: "GET" }),
      /setting 'method'/,
    );
  });
});
