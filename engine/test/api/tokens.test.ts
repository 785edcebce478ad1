/**
 * API tokens over real HTTP on both backends: scope within the creator's permissions, messages:raw only
 * when asked for, sensitive actions only for `sensitive` tokens, never user or token management,
 * expiry, revocation, the owner's state, the audit trail, and only a hash stored.
 */
import assert from "node:assert/strict";
import { AUDIT_ACTIONS, hashToken, rows } from "../../src/auth/index.js";
import { BACKENDS } from "../auth/helpers.js";
import { type Harness, PASSWORD, receive, startApi } from "./helpers.js";

const DAY = 86_400_000;

for (const backend of BACKENDS)
  describe(`api/tokens (${backend})`, function () {
    this.timeout(30_000);
    let h: Harness;
    let operator: string;
    let messageId: number;

    before(async () => {
      h = await startApi({ backend });
      messageId = await receive(h, "TOKEN0001");
    });
    after(() => h.close());
    beforeEach(async () => {
      operator = await h.login("operator");
    });

    const make = async (token: string, body: Record<string, unknown>) =>
      h.call("POST", "/me/tokens", { token, body: { expiresInDays: 30, ...body } });

    it("is shown once, stored only as a hash, and acts as its owner within its scope", async () => {
      const made = await make(operator, {
        name: "ci-monitor",
        permissions: ["monitoring:read", "messages:read"],
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const token: string = made.body.token;
      assert.match(token, /^mft_[A-Za-z0-9_-]{43}$/);
      assert.equal(made.body.state, "active");
      assert.equal(made.body.sensitive, false);

      const stored = await h.engine.authRepository.readTransaction(() =>
        rows<{ token_hash: string }>("SELECT token_hash FROM auth_api_tokens WHERE id = ?", made.body.id),
      );
      assert.deepEqual(
        stored.map((r) => r.token_hash),
        [hashToken(token)],
      );

      const session = await h.call("GET", "/auth/session", { token });
      assert.equal(session.body.credential, "token");
      assert.deepEqual(session.body.user.permissions, ["monitoring:read", "messages:read"]);
      assert.equal((await h.call("GET", "/connections", { token })).status, 200);
      const list = await h.call("GET", `/messages/${messageId}`, { token });
      assert.equal(list.status, 200);
      const stop = await h.call("POST", "/connections/IB_TEST_ADT/stop", { token });
      assert.equal(stop.status, 403);
      assert.match(stop.body.error.message, /scope lacks permission connections:control/);

      const mine = await h.call("GET", "/me/tokens", { token: operator });
      const listed = mine.body.items.find((t: { id: number }) => t.id === made.body.id);
      assert.ok(listed.lastUsedAt, "use is recorded");
      assert.ok(!JSON.stringify(mine.body).includes(token), "never listed again");
      const [entry] = (await h.auth.listAudit({ limit: 100, action: AUDIT_ACTIONS.tokenCreated })).filter(
        (e) => e.details.includes('"ci-monitor"'),
      );
      assert.equal(entry?.actor, "operator");
      assert.ok(!entry?.details.includes(token));
    });

    it("grants messages:raw only when asked, and sensitive actions only when made sensitive", async () => {
      const plain = (await make(operator, { name: "no-raw", permissions: ["messages:read"] })).body.token;
      const raw = await h.call("GET", `/messages/${messageId}/raw`, { token: plain });
      assert.equal(raw.status, 403);
      assert.equal(raw.body.error.code, "FORBIDDEN");

      const asked = (await make(operator, { name: "raw", permissions: ["messages:read", "messages:raw"] }))
        .body.token;
      const refused = await h.call("GET", `/messages/${messageId}/raw`, { token: asked });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "TOKEN_NOT_ALLOWED");

      const sensitive = (
        await make(operator, { name: "raw-sensitive", permissions: ["messages:raw"], sensitive: true })
      ).body.token;
      h.clock.advance(h.auth.policy.recentAuthMs + 1000);
      const shown = await h.call("GET", `/messages/${messageId}/raw`, { token: sensitive });
      assert.equal(shown.status, 200, JSON.stringify(shown.body));
      const views = await h.auth.listAudit({ limit: 100, action: AUDIT_ACTIONS.messageRawViewed });
      assert.equal(views.at(-1)?.actor, "operator", "audited as the owner");
    });

    it("cannot reach beyond the creator's permissions", async () => {
      const viewer = await h.login("viewer");
      const res = await make(viewer, { name: "grab", permissions: ["config:deploy"] });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "TOKEN_SCOPE");
      const empty = await make(viewer, { name: "none", permissions: [] });
      assert.equal(empty.body.error.code, "VALIDATION_FAILED");
      const long = await make(viewer, { name: "long", permissions: ["monitoring:read"], expiresInDays: 400 });
      assert.equal(long.body.error.code, "VALIDATION_FAILED");
    });

    it("needs a recent re-authentication to be made", async () => {
      h.clock.advance(h.auth.policy.recentAuthMs + 1000);
      const res = await make(operator, { name: "late", permissions: ["monitoring:read"] });
      assert.equal(res.body.error.code, "REAUTH_REQUIRED");
    });

    it("never manages users, tokens or passwords, even with every permission", async () => {
      const admin = await h.login("administrator");
      const all = (
        await make(admin, {
          name: "admin-all",
          permissions: ["users:manage", "monitoring:read", "messages:raw"],
          sensitive: true,
        })
      ).body.token;
      assert.equal((await h.call("GET", "/users", { token: all })).status, 200);
      for (const [method, path, body] of [
        ["POST", "/users", { name: "sneaky", role: "administrator" }],
        ["POST", "/users/viewer/disable", undefined],
        ["POST", "/users/viewer/password-reset", undefined],
        ["DELETE", "/users/viewer/sessions", undefined],
        ["POST", "/me/tokens", { name: "child", permissions: ["monitoring:read"], expiresInDays: 1 }],
        ["DELETE", "/me/tokens/1", undefined],
        ["POST", "/auth/password", { currentPassword: PASSWORD, newPassword: "another-long-password" }],
        ["POST", "/auth/reauth", { password: PASSWORD }],
      ] as const) {
        const res = await h.call(method, path, { token: all, body });
        assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, "TOKEN_NOT_ALLOWED", `${method} ${path}`);
      }
    });

    it("expires, and is revoked by its owner or an administrator (audited)", async () => {
      const short = (
        await make(operator, { name: "short", permissions: ["monitoring:read"], expiresInDays: 1 })
      ).body.token;
      h.clock.advance(DAY);
      const expired = await h.call("GET", "/connections", { token: short });
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error.code, "SESSION_EXPIRED");

      operator = await h.login("operator");
      const a = await make(operator, { name: "revoke-me", permissions: ["monitoring:read"] });
      assert.equal((await h.call("DELETE", `/me/tokens/${a.body.id}`, { token: operator })).status, 200);
      assert.equal(
        (await h.call("GET", "/connections", { token: a.body.token })).body.error.code,
        "SESSION_INVALID",
      );

      const b = await make(operator, { name: "admin-revokes", permissions: ["monitoring:read"] });
      const admin = await h.login("administrator");
      const listed = await h.call("GET", "/users/operator/tokens", { token: admin });
      assert.ok(
        listed.body.items.some(
          (t: { id: number; state: string }) => t.id === b.body.id && t.state === "active",
        ),
      );
      assert.ok(
        listed.body.items.some(
          (t: { id: number; state: string }) => t.id === a.body.id && t.state === "revoked",
        ),
      );
      const revoked = await h.call("DELETE", `/users/operator/tokens/${b.body.id}`, { token: admin });
      assert.equal(revoked.status, 200);
      assert.equal((await h.call("GET", "/connections", { token: b.body.token })).status, 401);
      const notTheirs = await h.call("DELETE", `/users/viewer/tokens/${b.body.id}`, { token: admin });
      assert.equal(notTheirs.body.error.code, "TOKEN_NOT_FOUND");
      const entries = await h.auth.listAudit({ limit: 100, action: AUDIT_ACTIONS.tokenRevoked });
      assert.deepEqual(
        entries.slice(-2).map((e) => e.actor),
        ["operator", "administrator"],
      );
    });

    it("follows its owner: disabled stops it, a demotion narrows it", async () => {
      await h.users.add("test-setup", "bot.owner", "operator", PASSWORD);
      const owner = (
        await h.call("POST", "/auth/login", { body: { username: "bot.owner", password: PASSWORD } })
      ).body.token;
      const token = (
        await make(owner, { name: "bot", permissions: ["monitoring:read", "connections:control"] })
      ).body.token;
      assert.equal((await h.call("POST", "/connections/IB_TEST_ADT/stop", { token })).status, 200);
      await h.users.setRole("test-setup", "bot.owner", "viewer");
      assert.equal((await h.call("POST", "/connections/IB_TEST_ADT/stop", { token })).status, 403);
      assert.equal((await h.call("GET", "/connections", { token })).status, 200);
      await h.users.disable("test-setup", "bot.owner");
      assert.equal((await h.call("GET", "/connections", { token })).status, 401);
    });
  });
