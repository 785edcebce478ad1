/**
 * The one door, proven route by route: the list comes from the app itself (every route fastify
 * registered), not from a hand-written table, so a new route is covered the moment it exists.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { buildApp, PUBLIC_ROUTES, type RouteInfo } from "../../src/api/index.js";
import { can, type Permission, ROLES, type Role } from "../../src/auth/index.js";
import { concrete, type Harness, startApi } from "./helpers.js";

describe("api/routes: deny by default", () => {
  let h: Harness;
  const tokens = new Map<Role, string>();
  let routes: readonly RouteInfo[];

  before(async () => {
    h = await startApi();
    for (const role of ROLES) tokens.set(role, await h.login(role));
    routes = h.app.apiRoutes.routes();
  });
  after(() => h.close());

  it("collects every route fastify knows, and only those", () => {
    assert.ok(routes.length >= 24, `only ${routes.length} routes collected`);
    for (const r of routes)
      assert.ok(h.app.hasRoute({ method: r.method, url: r.url }), `${r.method} ${r.url}`);
    // fastify's own route tree (4 columns per level), parsed: the same set of method+path pairs.
    const printed = new Set<string>();
    const stack: string[] = [];
    for (const line of h.app.printRoutes({ commonPrefix: false }).split("\n")) {
      const m = /^(.*?)(\/\S*)(?: \(([A-Z, ]+)\))?\s*$/.exec(line);
      if (!m?.[2]) continue;
      const depth = (m[1] ?? "").length / 4 - 1;
      stack.length = depth;
      const path = stack.join("") + m[2];
      stack.push(m[2]);
      for (const method of m[3]?.split(", ") ?? []) printed.add(`${method} ${path}`);
    }
    assert.deepEqual(new Set(routes.map((r) => `${r.method} ${r.url}`)), printed);
  });

  it("only /health and POST /auth/login are public", () => {
    const open = routes.filter((r) => r.access.kind === "public").map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(open.sort(), [...PUBLIC_ROUTES].sort());
  });

  it("every non-public route answers 401 without a token and with a forged one", async () => {
    for (const r of routes.filter((x) => x.access.kind !== "public")) {
      for (const token of [undefined, "forged-token-0000000000000000000000000000000"]) {
        const res = await h.call(r.method, concrete(r.url), { token });
        assert.equal(res.status, 401, `${r.method} ${r.url} token=${token}`);
        assert.match(res.body.error.code, /^(UNAUTHENTICATED|SESSION_INVALID)$/);
        assert.equal(typeof res.body.error.message, "string");
      }
    }
  });

  it("every permission route answers 403 to a role without the permission, and lets a role with it through", async () => {
    const everyoneHas: string[] = [];
    for (const r of routes) {
      if (r.access.kind !== "permission") continue;
      const permission: Permission = r.access.permission;
      const denied = ROLES.find((role) => !can(role, permission));
      if (denied === undefined) {
        // No built-in role lacks it (monitoring:read): nothing to refuse; recorded so it stays visible.
        assert.ok(ROLES.every((role) => can(role, permission)));
        everyoneHas.push(`${r.method} ${r.url}`);
      } else {
        const res = await h.call(r.method, concrete(r.url), { token: tokens.get(denied) });
        assert.equal(res.status, 403, `${r.method} ${r.url} as ${denied}`);
        assert.equal(res.body.error.code, "FORBIDDEN");
      }
      const allowed =
        ROLES.find((role) => can(role, permission) && role !== "administrator") ?? "administrator";
      const ok = await h.call(r.method, concrete(r.url), { token: tokens.get(allowed) });
      assert.ok(
        ![401, 403].includes(ok.status),
        `${r.method} ${r.url} as ${allowed}: ${ok.status} ${JSON.stringify(ok.body)}`,
      );
    }
    assert.ok(
      everyoneHas.every((x) =>
        /\/(connections|stats|ws\/stats|alerts|graph|config\/active|config\/history|support\/log|cluster\/status|cluster\/nodes)$/.test(
          x,
        ),
      ),
    );
  });

  it("sensitive routes need a recent re-authentication (403 REAUTH_REQUIRED), then pass", async () => {
    const sensitive = routes.filter((r) => r.access.kind !== "public" && r.access.reauth === true);
    assert.deepEqual(sensitive.map((r) => `${r.method} ${r.url}`).sort(), [
      "DELETE /users/:name/sessions",
      "DELETE /users/:name/sessions/:sessionId",
      "DELETE /users/:name/tokens/:tokenId",
      "GET /messages/:id/raw",
      "POST /cluster/stepdown",
      "POST /config/promote",
      "POST /config/rollback",
      "POST /config/stage",
      "POST /dead-letters/replay",
      "POST /me/tokens",
      "POST /messages/:id/replay",
      "POST /outbound-rows/:id/resend",
      "POST /users",
      "POST /users/:name/disable",
      "POST /users/:name/enable",
      "POST /users/:name/mfa-reset",
      "POST /users/:name/password-reset",
      "POST /users/:name/role",
    ]);
    const token = await h.login("operator");
    const deployer = await h.login("deployer");
    const admin = await h.login("administrator");
    const as = (url: string) =>
      url.startsWith("/config") || url.startsWith("/cluster")
        ? deployer
        : url.startsWith("/users")
          ? admin
          : token;
    h.clock.advance(h.auth.policy.recentAuthMs + 1000);
    for (const r of sensitive) {
      const res = await h.call(r.method, concrete(r.url), { token: as(r.url) });
      assert.equal(res.status, 403, `${r.method} ${r.url}`);
      assert.equal(res.body.error.code, "REAUTH_REQUIRED");
    }
    for (const [t, body] of [
      [token, { password: "correct-horse-battery" }],
      // Deployers and administrators have MFA: their re-authentication takes a fresh TOTP code too.
      [deployer, { password: "correct-horse-battery", totp: h.totp("deployer") }],
      [admin, { password: "correct-horse-battery", totp: h.totp("administrator") }],
    ] as const) {
      const re = await h.call("POST", "/auth/reauth", { token: t, body });
      assert.equal(re.status, 200);
    }
    for (const r of sensitive) {
      const res = await h.call(r.method, concrete(r.url), { token: as(r.url) });
      assert.notEqual(res.body?.error?.code, "REAUTH_REQUIRED", `${r.method} ${r.url}`);
    }
  });

  it("openapi.json lists every route with its access, and needs a session", async () => {
    assert.equal((await h.call("GET", "/openapi.json")).status, 401);
    const res = await h.call("GET", "/openapi.json", { token: tokens.get("viewer") });
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, "3.1.0");
    for (const r of routes) {
      const path = r.url.replace(/:(\w+)/g, "{$1}");
      const op = res.body.paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${path} missing from openapi.json`);
      assert.deepEqual(op["x-access"], r.access);
      assert.deepEqual(op.security, r.access.kind === "public" ? [] : [{ bearer: [] }]);
      for (const p of path.match(/\{(\w+)\}/g) ?? []) {
        assert.ok(
          op.parameters.some((x: { name: string; in: string }) => `{${x.name}}` === p && x.in === "path"),
          `${r.method} ${path} documents ${p}`,
        );
      }
    }
    assert.ok(res.body.paths["/config/stage"].post.requestBody);
    assert.equal(res.body.paths["/ws/stats"].get["x-websocket"], true);
  });
});

describe("api/routes: registration refuses undeclared routes", () => {
  const services = {} as Parameters<typeof buildApp>[0];

  it("a route without a permission stops the app from starting", async () => {
    const app = buildApp({ ...services, auth: { policy: {} } } as Parameters<typeof buildApp>[0]);
    app.register(async (s) => {
      s.get("/sneaky", async () => ({ secret: true }));
    });
    await assert.rejects(
      async () => app.ready().then(() => undefined),
      /GET \/sneaky declares no access.*denied by default/,
    );
  });

  it("a route may not make itself public, nor declare an unknown permission", async () => {
    const app = buildApp({ ...services, auth: { policy: {} } } as Parameters<typeof buildApp>[0]);
    app.register(async (s) => {
      s.get("/open", { config: { public: true } }, async () => ({}));
    });
    await assert.rejects(async () => app.ready().then(() => undefined), /GET \/open may not be public/);

    const app2 = buildApp({ ...services, auth: { policy: {} } } as Parameters<typeof buildApp>[0]);
    app2.register(async (s) => {
      s.get("/typo", { config: { permission: "messages:reed" as Permission } }, async () => ({}));
    });
    await assert.rejects(
      async () => app2.ready().then(() => undefined),
      /unknown permission "messages:reed"/,
    );
  });
});
