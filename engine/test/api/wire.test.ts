/**
 * `messagefoundry/api` holds on the wire. Its types are derived from the route schemas, so the check is
 * that the real engine's answers fit those schemas exactly: every route's 2xx answer, an error answer
 * and a /ws/stats frame are validated by a strict validator (no type coercion, no defaults, nothing
 * removed — unlike the serializer), and GET /graph must carry the running graph whole (a field the
 * schema forgot would be dropped silently by the serializer). A route nobody exercises here fails the
 * last test, so a new route gets its check the moment it exists.
 */
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import { after, before, describe, it } from "mocha";
import { WebSocket } from "ws";
import { errorBody } from "../../src/api/schemas/common.js";
import { totpAt } from "../auth/helpers.js";
import { until } from "../support/fixtures.js";
import { deadLetterOutbound, freePort, type Harness, PASSWORD, receive, startApi } from "./helpers.js";

/** A fastify instance used only as a strict JSON Schema validator (the same ajv the API compiles with). */
class StrictValidator {
  readonly #app: FastifyInstance = Fastify({
    ajv: {
      customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true },
    },
  });
  readonly #urls = new Map<string, string>();

  add(key: string, schema: unknown): void {
    const url = `/check/${this.#urls.size}`;
    this.#urls.set(key, url);
    this.#app.post(url, { schema: { body: schema as object } }, async () => ({ ok: true }));
  }

  has(key: string): boolean {
    return this.#urls.has(key);
  }

  /** Undefined when `body` fits the schema registered under `key`, else the validator's message. */
  async problem(key: string, body: unknown): Promise<string | undefined> {
    const url = this.#urls.get(key);
    if (url === undefined) return `no schema for ${key}`;
    const res = await this.#app.inject({
      method: "POST",
      url,
      payload: JSON.stringify(body),
      headers: {
        "content-type": "application/json",
      },
    });
    return res.statusCode === 200 ? undefined : res.json<{ message: string }>().message;
  }

  close(): Promise<void> {
    return this.#app.close();
  }
}

/** A config to stage and promote: fresh ports, and a secret setting from env() (its use is marked secret). */
const stagedConfig = (adtPort: number, sinkPort: number) => ({
  "environments/test.toml": "# the secret comes from MEFOR_VALUE_WIRE_TOKEN\n",
  "adt.ts": `import { alert, handler, inbound, mllp, outbound, rest, router, send, env } from "messagefoundry";
alert("AL_WIRE_DOWN", { when: { connection: "IB_WIRE_ADT", down: "1ms" }, notify: ["OB_WIRE_REST"] });
inbound("IB_WIRE_ADT", mllp({ host: "127.0.0.1", port: ${adtPort} }), { router: "wire_router" });
outbound("OB_WIRE_ADT", mllp({ host: "127.0.0.1", port: ${sinkPort} }));
outbound("OB_WIRE_REST", rest({ url: "http://127.0.0.1:${sinkPort}/in", token: env("wire_token") }));
router("wire_router", () => ["wire_handler"]);
handler("wire_handler", (msg) => [send("OB_WIRE_ADT", msg), send("OB_WIRE_REST", msg)]);
`,
});

describe("api/wire: answers fit messagefoundry/api's schemas", () => {
  let h: Harness;
  const validator = new StrictValidator();
  const checked = new Set<string>();
  let operator: string;
  let deployer: string;

  /** Calls the API and validates the answer against the schema of `route` for the status it got. */
  async function call(
    route: string,
    path: string,
    opts: { token?: string; body?: unknown; status?: number } = {},
  ) {
    const [method] = route.split(" ");
    const res = await h.call(method ?? "GET", path, opts);
    assert.equal(res.status, opts.status ?? 200, `${route}: ${JSON.stringify(res.body)}`);
    const key = `${route} ${res.status}`;
    assert.ok(validator.has(key), `${key} has a response schema`);
    assert.equal(await validator.problem(key, res.body), undefined, `${key}: ${JSON.stringify(res.body)}`);
    checked.add(route);
    return res.body;
  }

  before(async () => {
    h = await startApi({
      processEnv: {
        MEFOR_VALUE_WIRE_TOKEN: "synthetic-token",
        MEFOR_INDEX_KEY: Buffer.alloc(32, 1).toString("base64"),
      },
    });
    for (const r of h.app.apiRoutes.routes()) {
      for (const [status, schema] of Object.entries((r.schema?.response ?? {}) as Record<string, unknown>))
        validator.add(`${r.method} ${r.url} ${status}`, schema);
    }
    validator.add("error", errorBody);
    operator = await h.login("operator");
    deployer = await h.login("deployer");
  });
  after(async () => {
    await validator.close();
    await h.close();
  });

  it("auth and health", async () => {
    await call("GET /health", "/health");
    await call("POST /auth/login", "/auth/login", { body: { username: "viewer", password: PASSWORD } });
    await call("GET /auth/session", "/auth/session", { token: operator });
    await call("POST /auth/reauth", "/auth/reauth", { token: operator, body: { password: PASSWORD } });
    const spare = await h.login("viewer");
    await call("POST /auth/logout", "/auth/logout", { token: spare });
  });

  it("users, sessions, tokens and the password change", async () => {
    const admin = await h.login("administrator");
    await call("GET /users", "/users", { token: admin });
    const added = await call("POST /users", "/users", {
      token: admin,
      body: { name: "wire.deployer", role: "deployer" },
      status: 201,
    });
    await call("POST /users/:name/role", "/users/wire.deployer/role", {
      token: admin,
      body: { role: "viewer" },
    });
    await call("POST /users/:name/disable", "/users/wire.deployer/disable", { token: admin });
    await call("POST /users/:name/enable", "/users/wire.deployer/enable", { token: admin });
    const mfa = (
      await call("POST /users/:name/mfa-reset", "/users/wire.deployer/mfa-reset", { token: admin })
    ).mfa;
    const reset = await call("POST /users/:name/password-reset", "/users/wire.deployer/password-reset", {
      token: admin,
    });
    assert.notEqual(reset.oneTimePassword, added.oneTimePassword);
    h.clock.advance(30_000);
    const changeCode = totpAt(mfa.secret, h.clock.t + 30_000);
    const login = await h.call("POST", "/auth/login", {
      body: {
        username: "wire.deployer",
        password: reset.oneTimePassword,
        totp: totpAt(mfa.secret, h.clock.t),
      },
    });
    await call("POST /auth/password", "/auth/password", {
      token: login.body.token,
      body: {
        currentPassword: reset.oneTimePassword,
        newPassword: "wire-password-changed",
        totp: changeCode,
      },
    });
    const spare = await h.login("viewer");
    await call("GET /users/:name/sessions", "/users/viewer/sessions", { token: admin });
    const own = await call("GET /me/sessions", "/me/sessions", { token: spare });
    const id = own.items[0].id;
    await call("DELETE /users/:name/sessions/:sessionId", `/users/viewer/sessions/${id}`, { token: admin });
    await call("DELETE /users/:name/sessions", "/users/viewer/sessions", { token: admin });
    const mine = await h.login("viewer");
    const other = await h.login("viewer");
    const otherId = (await h.call("GET", "/me/sessions", { token: other })).body.items.find(
      (x: { current: boolean }) => x.current,
    ).id;
    await call("DELETE /me/sessions/:sessionId", `/me/sessions/${otherId}`, { token: mine });
    await call("DELETE /me/sessions", "/me/sessions", { token: mine });
    const token = await call("POST /me/tokens", "/me/tokens", {
      token: mine,
      body: { name: "wire", permissions: ["monitoring:read"], expiresInDays: 7 },
      status: 201,
    });
    await call("GET /me/tokens", "/me/tokens", { token: mine });
    await call("GET /users/:name/tokens", "/users/viewer/tokens", { token: admin });
    await call("DELETE /me/tokens/:tokenId", `/me/tokens/${token.id}`, { token: mine });
    const second = await h.call("POST", "/me/tokens", {
      token: mine,
      body: { name: "wire-2", permissions: ["monitoring:read"], expiresInDays: 7 },
    });
    await call("DELETE /users/:name/tokens/:tokenId", `/users/viewer/tokens/${second.body.id}`, {
      token: admin,
    });
  });

  it("monitoring and connection control", async () => {
    await receive(h, "WIRE0001", "TEST", "IB_WIRE_OTHER");
    await call("GET /connections", "/connections", { token: operator });
    await call("GET /stats", "/stats", { token: operator });
    await call("GET /metrics", "/metrics", { token: operator });
    await call("GET /support/log", "/support/log", { token: operator });
    await call("POST /connections/:name/start", "/connections/IB_TEST_ADT/start", { token: operator });
    await call("POST /connections/:name/stop", "/connections/IB_TEST_ADT/stop", { token: operator });
  });

  it("messages, dead letters and their re-queues, with error text present", async () => {
    const { messageId, rowId } = await deadLetterOutbound(h, "WIRE0002");
    await call("GET /messages", "/messages", { token: operator });
    await call("POST /messages/find", "/messages/find", {
      token: operator,
      body: { identifier: "WIRE0002" },
    });
    // The free-text search answers the same page shape (and finds the row by a part of its control id).
    const found = await call("GET /messages", "/messages?text=wire0002&limit=1", { token: operator });
    assert.deepEqual(
      found.items.map((m: { id: number }) => m.id),
      [messageId],
    );
    const detail = await call("GET /messages/:id", `/messages/${messageId}`, { token: operator });
    assert.ok(JSON.stringify(detail).includes("AR from receiver"), "error text is in the answer");
    await call("GET /messages/:id/raw", `/messages/${messageId}/raw`, { token: operator });
    await call("GET /dead-letters", "/dead-letters", { token: operator });
    await call("POST /outbound-rows/:id/resend", `/outbound-rows/${rowId}/resend`, {
      token: operator,
      status: 202,
    });
    await call("POST /dead-letters/replay", "/dead-letters/replay", {
      token: operator,
      body: { filter: {} },
      status: 202,
    });
    await call("POST /messages/:id/replay", `/messages/${messageId}/replay`, {
      token: operator,
      status: 202,
    });
  });

  it("config: stage, promote, the graph carried whole, history and rollback", async () => {
    const first = (await call("GET /config/active", "/config/active", { token: deployer })).active;
    const staged = await call("POST /config/stage", "/config/stage", {
      token: deployer,
      body: { files: stagedConfig(await freePort(), await freePort()) },
    });
    assert.equal(staged.hasErrors, false, JSON.stringify(staged.problems));
    // Rows the earlier tests left queued on the boot config's connections stay queued (listed as removed).
    const keep = Object.fromEntries(
      (staged.removedQueued as { connection: string }[]).map((q) => [q.connection, "keep"]),
    );
    await call("POST /config/promote", "/config/promote", {
      token: deployer,
      body: { stageId: staged.stageId, removedQueued: keep },
    });
    const graph = await call("GET /graph", "/graph", { token: deployer });
    const running = h.engine.runner.registry?.graph;
    assert.ok(running);
    assert.ok(
      running.envUses.some((u) => u.secret === true),
      "the staged config marks a secret env use",
    );
    assert.deepEqual(graph, JSON.parse(JSON.stringify(running)));
    assert.equal(graph.alerts.length, 1, "the graph carries the alert rules");

    // A stopped inbound with a down alert: GET /alerts and the stats carry it (ticks driven here).
    await h.engine.runner.stopConnection("IB_WIRE_ADT");
    await until(async () => {
      await h.engine.alerts.tick();
      return h.engine.alerts.active().length === 1;
    });
    const alerts = await call("GET /alerts", "/alerts", { token: operator });
    assert.deepEqual(
      [
        alerts.active.length,
        alerts.recent.map((n: { kind: string; alert: string }) => `${n.kind} ${n.alert}`),
      ],
      [1, ["firing AL_WIRE_DOWN"]],
    );
    const stats = await call("GET /stats", "/stats", { token: operator });
    assert.deepEqual(
      stats.alerts.map((a: { alert: string }) => a.alert),
      ["AL_WIRE_DOWN"],
    );
    await h.engine.runner.startConnection("IB_WIRE_ADT");
    await call("GET /config/history", "/config/history", { token: deployer });
    const kept = await call(
      "GET /config/versions/:versionId/files",
      `/config/versions/${first.versionId}/files`,
      {
        token: deployer,
      },
    );
    assert.ok(Object.keys(kept.files).length > 0, "the boot version's files");
    await call("POST /config/rollback", "/config/rollback", {
      token: deployer,
      body: { versionId: first.versionId },
    });
  });

  it("cluster: a single node's status and member list; stepdown has no lease to hand over", async () => {
    const status = (await call("GET /cluster/status", "/cluster/status", { token: operator })) as Record<
      string,
      unknown
    >;
    assert.equal(status.role, "single-node");
    assert.equal(status.clustered, false);
    assert.equal(status.leader, null);
    await call("GET /cluster/nodes", "/cluster/nodes", { token: operator });
    const res = await h.call("POST", "/cluster/stepdown", { token: deployer });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "CONFLICT");
    assert.equal(await validator.problem("error", res.body), undefined, JSON.stringify(res.body));
    checked.add("POST /cluster/stepdown");
  });

  it("an error answer has the error body", async () => {
    const res = await h.call("GET", "/messages/999999", { token: operator });
    assert.equal(res.status, 404);
    assert.equal(await validator.problem("error", res.body), undefined, JSON.stringify(res.body));
  });

  it("a /ws/stats frame has the GET /stats body", async () => {
    const ws = new WebSocket(`${h.base.replace("http", "ws")}/ws/stats`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    const frame = await new Promise<unknown>((resolve, reject) => {
      ws.once("message", (data) => resolve(JSON.parse(data.toString())));
      ws.once("error", reject);
    });
    ws.close();
    assert.equal(await validator.problem("GET /stats 200", frame), undefined, JSON.stringify(frame));
    checked.add("GET /ws/stats");
  });

  it("every route with a response schema was checked above", () => {
    const withSchema = h.app.apiRoutes
      .routes()
      .filter((r) => r.websocket || Object.keys((r.schema?.response ?? {}) as object).length > 0)
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(
      withSchema.filter((r) => !checked.has(r)),
      [],
    );
  });
});
