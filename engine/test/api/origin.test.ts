/**
 * A web page cannot use the localhost API: real HTTP requests and WebSocket upgrades with a forged
 * Host (DNS rebinding) or a browser Origin are refused before auth; the names the engine is bound
 * to, requests without Origin (CLI, extension host) and the serve flags' extra names pass.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { afterEach, describe, it } from "mocha";
import { WebSocket } from "ws";
import { type Harness, PASSWORD, startApi } from "./helpers.js";

interface Raw {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field
  body: any;
}

/** node:http lets a test send any Host and Origin (fetch derives Host from the URL). */
function raw(
  h: Harness,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Raw> {
  const url = new URL(h.base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(payload !== undefined && { "content-type": "application/json" }) },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function port(h: Harness): string {
  return new URL(h.base).port;
}

/** Opens /ws/stats with extra upgrade headers; resolves "open" or the refused status and code. */
function upgrade(
  h: Harness,
  token: string,
  opts: { origin?: string; host?: string },
): Promise<{ status: number; code?: string }> {
  const ws = new WebSocket(`${h.base.replace("http", "ws")}/ws/stats`, {
    headers: { authorization: `Bearer ${token}`, ...(opts.host !== undefined && { host: opts.host }) },
    ...(opts.origin !== undefined && { origin: opts.origin }),
  });
  return new Promise((resolve, reject) => {
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(text).error.code }));
    });
    ws.on("error", reject);
  });
}

describe("api/origin: Host and Origin checks", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("accepts the loopback names the engine is bound to, with no Origin (CLI, extension host)", async () => {
    h = await startApi();
    for (const host of [
      `127.0.0.1:${port(h)}`,
      `localhost:${port(h)}`,
      `[::1]:${port(h)}`,
      `LOCALHOST:${port(h)}`,
    ]) {
      const r = await raw(h, "GET", "/health", { host });
      assert.equal(r.status, 200, host);
    }
    // Node's fetch (what the extension host uses) sends no Origin: a login works.
    const login = await h.call("POST", "/auth/login", { body: { username: "viewer", password: PASSWORD } });
    assert.equal(login.status, 200);
  });

  it("refuses a forged Host (DNS rebinding) on public and authenticated routes with 421 HOST_NOT_ALLOWED", async () => {
    h = await startApi();
    const token = await h.login("viewer");
    for (const host of [
      `evil.example:${port(h)}`,
      "evil.example",
      `127.0.0.1:${Number(port(h)) + 1}`,
      "127.0.0.1",
    ]) {
      const health = await raw(h, "GET", "/health", { host });
      assert.equal(health.status, 421, host);
      assert.equal(health.body.error.code, "HOST_NOT_ALLOWED");
      const stats = await raw(h, "GET", "/stats", { host, authorization: `Bearer ${token}` });
      assert.equal(stats.status, 421, host);
    }
    // A rebinding page's simple POST never reaches the login check (no lockout, no audit noise).
    const post = await raw(
      h,
      "POST",
      "/auth/login",
      { host: `evil.example:${port(h)}` },
      { username: "administrator", password: "x" },
    );
    assert.equal(post.status, 421);
  });

  it("refuses a browser Origin that is not allowed with 403 ORIGIN_NOT_ALLOWED, even on the right Host", async () => {
    h = await startApi();
    const host = `127.0.0.1:${port(h)}`;
    for (const origin of [
      "http://evil.example",
      `http://127.0.0.1:${port(h)}`,
      "null",
      "vscode-webview://abc",
    ]) {
      const r = await raw(
        h,
        "POST",
        "/auth/login",
        { host, origin },
        { username: "viewer", password: PASSWORD },
      );
      assert.equal(r.status, 403, origin);
      assert.equal(r.body.error.code, "ORIGIN_NOT_ALLOWED");
    }
  });

  it("refuses the WebSocket upgrade from a foreign Origin or Host, and accepts the extension's own connection", async () => {
    h = await startApi();
    const token = await h.login("viewer");
    assert.deepEqual(await upgrade(h, token, { origin: "http://evil.example" }), {
      status: 403,
      code: "ORIGIN_NOT_ALLOWED",
    });
    assert.deepEqual(await upgrade(h, token, { host: `evil.example:${port(h)}` }), {
      status: 421,
      code: "HOST_NOT_ALLOWED",
    });
    // What extension/src/engine/statsSocket.ts does: `ws` with only an Authorization header.
    assert.deepEqual(await upgrade(h, token, {}), { status: 101 });
  });

  it("accepts the hosts and origins given by --api-allowed-host / --api-allowed-origin", async () => {
    h = await startApi({
      allowed: {
        allowedHosts: ["engine.example.test", "proxy.example.test:443"],
        allowedOrigins: ["https://dash.example.test"],
      },
    });
    assert.equal((await raw(h, "GET", "/health", { host: "engine.example.test" })).status, 200);
    assert.equal((await raw(h, "GET", "/health", { host: `engine.example.test:${port(h)}` })).status, 200);
    assert.equal((await raw(h, "GET", "/health", { host: "proxy.example.test:443" })).status, 200);
    assert.equal((await raw(h, "GET", "/health", { host: "proxy.example.test:8443" })).status, 421);
    const ok = await raw(h, "GET", "/health", {
      host: `127.0.0.1:${port(h)}`,
      origin: "https://DASH.example.test:443",
    });
    assert.equal(ok.status, 200);
    const other = await raw(h, "GET", "/health", {
      host: `127.0.0.1:${port(h)}`,
      origin: "https://dash.example.test:8443",
    });
    assert.equal(other.status, 403);
    const token = await h.login("viewer");
    assert.deepEqual(await upgrade(h, token, { origin: "https://dash.example.test" }), { status: 101 });
  });
});
