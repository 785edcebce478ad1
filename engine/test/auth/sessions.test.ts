import assert from "node:assert/strict";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup } from "./helpers.js";

const MIN = 60_000;

for (const backend of BACKENDS)
  describe(`auth/sessions (${backend})`, () => {
    let f: Fixture;
    let token: string;
    beforeEach(async () => {
      f = await setup(backend, { sessionIdleMs: 30 * MIN, sessionAbsoluteMs: 12 * 60 * MIN });
      await addUser(f, "dev.jones", "developer");
      token = (await f.auth.login({ username: "dev.jones", password: PASSWORD })).token;
    });
    afterEach(() => f.cleanup());

    it("authenticates a bearer token to the user's session and permissions", async () => {
      const session = await f.auth.authenticate(token);
      assert.equal(session.username, "dev.jones");
      assert.deepEqual([...session.permissions].sort(), ["messages:read", "metrics:read", "monitoring:read"]);
      assert.equal(session.expiresAt, f.clock.t + 30 * MIN);
      assert.equal(session.absoluteExpiresAt, f.clock.t + 12 * 60 * MIN);
    });

    it("rejects missing, malformed and unknown tokens", async () => {
      await rejectsWith(() => f.auth.authenticate(undefined), "AUTH_SESSION_INVALID");
      await rejectsWith(() => f.auth.authenticate("Bearer abc"), "AUTH_SESSION_INVALID");
      await rejectsWith(
        () => f.auth.authenticate(`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`),
        "AUTH_SESSION_INVALID",
      );
    });

    it("expires after the idle timeout", async () => {
      f.clock.advance(30 * MIN - 1);
      await f.auth.authenticate(token);
      f.clock.advance(30 * MIN);
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_EXPIRED");
      // ...and stays gone: the expired row was deleted.
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_INVALID");
    });

    it("activity keeps a session alive, but never past the absolute timeout", async () => {
      for (let elapsed = 0; elapsed < 12 * 60 * MIN - 20 * MIN; elapsed += 20 * MIN) {
        f.clock.advance(20 * MIN);
        await f.auth.authenticate(token);
      }
      f.clock.advance(20 * MIN);
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_EXPIRED");
    });

    it("a check with touch: false does not extend the idle timeout", async () => {
      f.clock.advance(20 * MIN);
      await f.auth.authenticate(token, { touch: false });
      f.clock.advance(10 * MIN);
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_EXPIRED");
    });

    it("logout ends the session, is audited and is idempotent", async () => {
      assert.equal(await f.auth.logout(token), true);
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_INVALID");
      assert.equal(await f.auth.logout(token), false);
      assert.equal(await f.auth.logout("garbage"), false);
      const entries = await f.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.logout });
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.actor, "dev.jones");
    });

    it("logging out one session leaves the user's other sessions open", async () => {
      const second = (await f.auth.login({ username: "dev.jones", password: PASSWORD })).token;
      await f.auth.logout(token);
      assert.equal((await f.auth.authenticate(second)).username, "dev.jones");
    });

    it("disabling the user ends every session at once", async () => {
      await f.users.disable("admin", "dev.jones");
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_INVALID");
    });

    it("a password change ends existing sessions", async () => {
      await f.users.setPassword("admin", "dev.jones", "another-long-password");
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_INVALID");
      await rejectsWith(
        () => f.auth.login({ username: "dev.jones", password: PASSWORD }),
        "AUTH_INVALID_CREDENTIALS",
      );
      await f.auth.login({ username: "dev.jones", password: "another-long-password" });
    });

    it("a role change applies to open sessions immediately", async () => {
      await f.users.setRole("admin", "dev.jones", "auditor");
      const session = await f.auth.authenticate(token);
      assert.equal(session.role, "auditor");
      assert.ok(!session.permissions.includes("messages:read"));
      assert.ok(session.permissions.includes("audit:read"));
    });

    it("requirePermission enforces the role's permissions", async () => {
      const session = await f.auth.authenticate(token);
      f.auth.requirePermission(session, "messages:read");
      await rejectsWith(() => f.auth.requirePermission(session, "config:stage"), "AUTH_FORBIDDEN");
    });

    it("sweep removes expired sessions and stale throttle records", async () => {
      await rejectsWith(
        () => f.auth.login({ username: "ghost.user", password: "wrong-password-x" }),
        "AUTH_INVALID_CREDENTIALS",
      );
      const live = (await f.auth.login({ username: "dev.jones", password: PASSWORD })).token;
      f.clock.advance(25 * MIN);
      await f.auth.authenticate(live);
      f.clock.advance(10 * MIN);
      // The miss's three counters: (address, name), address, global.
      assert.deepEqual(await f.auth.sweep(), { sessions: 1, throttles: 3 });
      assert.equal((await f.auth.authenticate(live)).username, "dev.jones");
      assert.equal((await f.users.get("dev.jones")).activeSessions, 1);
    });
  });
