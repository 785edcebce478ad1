/** WebSocket /ws/stats through the real `ws` client: auth at upgrade, pushes, closes when the session ends. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "mocha";
import { WebSocket } from "ws";
import { WS_CLOSE } from "../../src/api/index.js";
import { type Harness, receive, startApi } from "./helpers.js";

interface Feed {
  messages: unknown[];
  next(): Promise<unknown>;
  closed: Promise<{ code: number; reason: string }>;
  ws: WebSocket;
}

function open(h: Harness, token?: string): Promise<Feed> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ws = new WebSocket(`${h.base.replace("http", "ws")}/ws/stats`, { headers });
  const messages: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    const w = waiters.shift();
    if (w) w(m);
    else messages.push(m);
  });
  return new Promise((resolve, reject) => {
    ws.on("open", () =>
      resolve({
        ws,
        messages,
        closed,
        next: () =>
          messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise((r) => waiters.push(r)),
      }),
    );
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })),
      );
    });
    ws.on("error", (err) => reject(err));
  });
}

describe("api/ws/stats", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startApi({ statsIntervalMs: 40 });
  });
  afterEach(() => h.close());

  it("refuses the upgrade without a token or with a forged one (HTTP 401, no 101)", async () => {
    await assert.rejects(open(h), (err: { status?: number; body?: string }) => {
      assert.equal(err.status, 401);
      assert.equal(JSON.parse(err.body ?? "").error.code, "UNAUTHENTICATED");
      return true;
    });
    await assert.rejects(open(h, "x".repeat(43)), { status: 401 });
  });

  it("pushes the /stats body repeatedly to an authorised session", async () => {
    await receive(h, "WS0001");
    const token = await h.login("viewer");
    const feed = await open(h, token);
    const first = (await feed.next()) as { totals: { received: number }; at: string };
    assert.equal(first.totals.received, 1);
    await receive(h, "WS0002");
    // Keep reading: a later push reflects the second arrival.
    for (;;) {
      const m = (await feed.next()) as { totals: { received: number } };
      if (m.totals.received === 2) break;
    }
    feed.ws.close();
    await feed.closed;
  });

  it("closes 4401 when the session is logged out while the socket is open", async () => {
    const token = await h.login("viewer");
    const feed = await open(h, token);
    await feed.next();
    await h.call("POST", "/auth/logout", { token });
    const { code } = await feed.closed;
    assert.equal(code, WS_CLOSE.unauthenticated);
  });

  it("does not keep a session alive: closes 4401 once it idles out", async () => {
    const token = await h.login("operator");
    const feed = await open(h, token);
    await feed.next();
    h.clock.advance(h.auth.policy.sessionIdleMs + 1);
    assert.equal((await feed.closed).code, WS_CLOSE.unauthenticated);
  });

  it("closes 4401 when the user is disabled", async () => {
    const token = await h.login("viewer");
    const feed = await open(h, token);
    await feed.next();
    h.users.disable("test-setup", "viewer");
    assert.equal((await feed.closed).code, WS_CLOSE.unauthenticated);
  });
});
