/** Login, lockout, sessions, MFA, re-authentication and the error contract, over real HTTP. */
import assert from "node:assert/strict";
import { request } from "node:http";
import { afterEach, beforeEach, describe, it } from "mocha";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { totpAt } from "../auth/helpers.js";
import { type Harness, PASSWORD, startApi } from "./helpers.js";

describe("api/auth", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startApi({
      policy: { maxFailedAttempts: 3, sessionIdleMs: 10 * 60_000, sessionAbsoluteMs: 60 * 60_000 },
    });
  });
  afterEach(() => h.close());

  it("login returns a bearer token, expiry and the user; the token opens the door", async () => {
    const res = await h.call("POST", "/auth/login", { body: { username: "viewer", password: PASSWORD } });
    assert.equal(res.status, 200);
    assert.match(res.body.token, /^[A-Za-z0-9_-]{40,}$/);
    assert.equal(res.body.expiresAt, new Date(h.clock.t + 10 * 60_000).toISOString());
    assert.deepEqual(res.body.user, {
      name: "viewer",
      role: "viewer",
      permissions: ["monitoring:read", "metrics:read", "messages:read"],
      mfa: false,
    });
    const me = await h.call("GET", "/auth/session", { token: res.body.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.name, "viewer");
    assert.equal((await h.call("GET", "/messages", { token: res.body.token })).status, 200);
  });

  it("a wrong password and an unknown user get the same 401", async () => {
    const a = await h.call("POST", "/auth/login", {
      body: { username: "viewer", password: "wrong-password-1" },
    });
    const b = await h.call("POST", "/auth/login", {
      body: { username: "nobody", password: "wrong-password-1" },
    });
    assert.equal(a.status, 401);
    assert.deepEqual(a.body, b.body);
    assert.equal(a.body.error.code, "INVALID_CREDENTIALS");
  });

  it("locks the name after repeated failures (429 + Retry-After), even for the right password", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await h.call("POST", "/auth/login", {
        body: { username: "operator", password: "wrong-password-1" },
      });
      assert.equal(r.status, 401);
    }
    const locked = await h.call("POST", "/auth/login", {
      body: { username: "operator", password: PASSWORD },
    });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, "ACCOUNT_LOCKED");
    assert.ok(Number(locked.headers.get("retry-after")) > 0);
    h.clock.advance(h.auth.policy.lockoutMs + 1);
    const after = await h.call("POST", "/auth/login", { body: { username: "operator", password: PASSWORD } });
    assert.equal(after.status, 200);
    assert.ok((await h.auth.listAudit({ limit: 50, action: AUDIT_ACTIONS.accountLocked })).length >= 1);
  });

  it("a lockout from another client address does not lock the administrator out here", async () => {
    const port = new URL(h.base).port;
    // Another machine's guesses, from a second loopback address (the socket address is what counts).
    const fromAttacker = (password: string) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ username: "administrator", password });
        const req = request(
          {
            host: "127.0.0.1",
            port,
            localAddress: "127.0.0.2",
            method: "POST",
            path: "/auth/login",
            headers: { host: `127.0.0.1:${port}`, "content-type": "application/json" },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await fromAttacker(`wrong-password-${i}`));
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    await h.login("administrator");
    const locked = await h.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.accountLocked });
    assert.match(JSON.parse(locked[0]?.details ?? "{}").client, /^127\.0\.0\.2/);
  });

  it("a session expires when idle and at its absolute limit (401 SESSION_EXPIRED)", async () => {
    const idle = await h.login("viewer");
    h.clock.advance(10 * 60_000 + 1);
    const r = await h.call("GET", "/stats", { token: idle });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, "SESSION_EXPIRED");

    const busy = await h.login("viewer");
    for (let i = 0; i < 6; i++) {
      h.clock.advance(9 * 60_000);
      assert.equal((await h.call("GET", "/stats", { token: busy })).status, 200, `request ${i}`);
    }
    h.clock.advance(9 * 60_000); // 63 minutes after login: past the 60-minute absolute limit
    assert.equal((await h.call("GET", "/stats", { token: busy })).body.error.code, "SESSION_EXPIRED");
  });

  it("logout ends the session", async () => {
    const token = await h.login("viewer");
    assert.deepEqual((await h.call("POST", "/auth/logout", { token })).body, { ok: true });
    const r = await h.call("GET", "/stats", { token });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, "SESSION_INVALID");
  });

  it("disabling a user or changing the role applies to open sessions at once", async () => {
    const token = await h.login("viewer");
    h.users.setRole("test-setup", "viewer", "auditor");
    assert.equal((await h.call("GET", "/messages", { token })).status, 403);
    h.users.disable("test-setup", "viewer");
    assert.equal((await h.call("GET", "/stats", { token })).status, 401);
  });

  it("administrators need MFA: required, invalid, accepted; unenrolled ones are told how to enrol", async () => {
    const none = await h.call("POST", "/auth/login", {
      body: { username: "administrator", password: PASSWORD },
    });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, "MFA_REQUIRED");
    const bad = await h.call("POST", "/auth/login", {
      body: {
        username: "administrator",
        password: PASSWORD,
        totp: totpAt(h.adminSecret, h.clock.t + 600_000),
      },
    });
    assert.equal(bad.body.error.code, "MFA_INVALID");
    const totp = h.adminTotp();
    const ok = await h.call("POST", "/auth/login", {
      body: { username: "administrator", password: PASSWORD, totp },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.mfa, true);
    const replayed = await h.call("POST", "/auth/login", {
      body: { username: "administrator", password: PASSWORD, totp },
    });
    assert.equal(replayed.body.error.code, "MFA_INVALID");

    h.users.disableMfa("test-setup", "administrator");
    const unenrolled = await h.call("POST", "/auth/login", {
      body: { username: "administrator", password: PASSWORD },
    });
    assert.equal(unenrolled.status, 403);
    assert.equal(unenrolled.body.error.code, "MFA_ENROLMENT_REQUIRED");
    assert.match(unenrolled.body.error.message, /messagefoundry user mfa administrator/);
  });

  it("re-authentication checks the password (and TOTP for MFA users)", async () => {
    const token = await h.login("administrator");
    h.clock.advance(h.auth.policy.recentAuthMs + 1);
    const before = await h.call("GET", "/messages/1/raw", { token });
    assert.equal(before.body.error.code, "REAUTH_REQUIRED");
    const wrong = await h.call("POST", "/auth/reauth", { token, body: { password: "wrong-password-1" } });
    assert.equal(wrong.body.error.code, "INVALID_CREDENTIALS");
    const noTotp = await h.call("POST", "/auth/reauth", { token, body: { password: PASSWORD } });
    assert.equal(noTotp.body.error.code, "MFA_REQUIRED");
    const ok = await h.call("POST", "/auth/reauth", {
      token,
      body: { password: PASSWORD, totp: h.adminTotp() },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.lastAuthAt, new Date(h.clock.t).toISOString());
    const afterward = await h.call("GET", "/messages/1/raw", { token });
    assert.equal(afterward.body.error.code, "MESSAGE_NOT_FOUND");
  });

  it("the session and login responses never carry the password or hashes", async () => {
    const res = await h.call("POST", "/auth/login", { body: { username: "viewer", password: PASSWORD } });
    const text = JSON.stringify(res.body);
    assert.ok(!text.includes(PASSWORD));
    assert.ok(!/argon2/.test(text));
  });
});

describe("api/errors: one body shape for every failure", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startApi();
  });
  afterEach(() => h.close());

  it("schema violations are 400 VALIDATION_FAILED naming the field", async () => {
    const missing = await h.call("POST", "/auth/login", { body: { username: "viewer" } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, "VALIDATION_FAILED");
    assert.match(missing.body.error.message, /password/);
    const extra = await h.call("POST", "/auth/login", {
      body: { username: "viewer", password: PASSWORD, admin: true },
    });
    assert.equal(extra.body.error.code, "VALIDATION_FAILED");
    const token = await h.login("viewer");
    const badId = await h.call("GET", "/messages/abc", { token });
    assert.equal(badId.status, 400);
    assert.match(badId.body.error.message, /params\/id/);
    const badTime = await h.call("GET", "/messages?from=yesterday", { token });
    assert.equal(badTime.body.error.code, "VALIDATION_FAILED");
  });

  it("malformed JSON is 400 BAD_REQUEST; an unknown route is 404 NOT_FOUND", async () => {
    const res = await fetch(`${h.base}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "BAD_REQUEST");
    const nf = await h.call("GET", "/nope");
    assert.equal(nf.status, 404);
    assert.equal(nf.body.error.code, "NOT_FOUND");
  });

  it("GET /health answers without a token and says nothing but status and version", async () => {
    const res = await h.call("GET", "/health");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: "ok", version: "9.9.9-test" });
  });
});
