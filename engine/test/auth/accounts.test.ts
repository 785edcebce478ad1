/**
 * The auth core's account operations on both backends: the last-administrator rule (also for the CLI
 * and two administrators racing), one-time passwords, session lists and revocation by reference, and
 * API tokens (only the hash stored, expiry, revocation, a damaged scope grants nothing).
 */
import assert from "node:assert/strict";
import { ApiTokens, AUDIT_ACTIONS, type Session, UserSessions } from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup } from "./helpers.js";

const MIN = 60_000;

for (const backend of BACKENDS)
  describe(`auth/accounts (${backend})`, () => {
    let f: Fixture;
    let sessions: UserSessions;
    let tokens: ApiTokens;
    beforeEach(async () => {
      f = await setup(backend, { mfaRequiredRoles: [], sessionIdleMs: 30 * MIN });
      sessions = new UserSessions(f.repo, f.auth.policy, f.clock.now);
      tokens = new ApiTokens(f.repo, { now: f.clock.now });
      await addUser(f, "admin.one", "administrator");
      await addUser(f, "op.one", "operator");
    });
    afterEach(() => f.cleanup());

    const login = async (username: string) => (await f.auth.login({ username, password: PASSWORD })).token;

    it("keeps one enabled administrator, whoever asks", async () => {
      await rejectsWith(() => f.users.disable("cli:root", "admin.one"), "AUTH_LAST_ADMIN");
      await rejectsWith(() => f.users.setRole("cli:root", "admin.one", "viewer"), "AUTH_LAST_ADMIN");
      // A disabled administrator does not count.
      await addUser(f, "admin.two", "administrator");
      await f.users.disable("cli:root", "admin.two");
      await rejectsWith(() => f.users.disable("cli:root", "admin.one"), "AUTH_LAST_ADMIN");
      await f.users.enable("cli:root", "admin.two");
      // Two administrators disabling each other at once: one of the two changes is refused.
      const results = await Promise.allSettled([
        f.users.disable("admin.one", "admin.two"),
        f.users.disable("admin.two", "admin.one"),
      ]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      const enabled = (await f.users.list()).filter((u) => u.role === "administrator" && !u.disabled);
      assert.equal(enabled.length, 1);
    });

    it("a reset issues a one-time password the user must change; a CLI passwd clears the flag", async () => {
      const issued = await f.users.resetPassword("admin.one", "op.one");
      assert.ok(issued.oneTimePassword);
      assert.equal(issued.user.mustChangePassword, true);
      const { session } = await f.auth.login({ username: "op.one", password: issued.oneTimePassword });
      assert.equal(session.mustChangePassword, true);
      await f.users.setPassword("cli:root", "op.one", "chosen-on-the-host");
      assert.equal((await f.users.get("op.one")).mustChangePassword, false);
    });

    it("changing one's password outside the re-auth window needs the current one; other sessions end", async () => {
      const keep = await login("op.one");
      const other = await login("op.one");
      f.clock.advance(10 * MIN);
      await rejectsWith(
        () =>
          f.auth.changePassword(keep, {
            currentPassword: "wrong-password-x",
            newPassword: "new-password-123",
          }),
        "AUTH_INVALID_CREDENTIALS",
      );
      const after = await f.auth.changePassword(keep, {
        currentPassword: PASSWORD,
        newPassword: "new-password-123",
      });
      assert.equal(after.mustChangePassword, false);
      await rejectsWith(() => f.auth.authenticate(other), "AUTH_SESSION_INVALID");
      assert.equal((await f.auth.authenticate(keep)).username, "op.one");
    });

    it("lists live sessions only and revokes by reference within the user", async () => {
      const a = await login("op.one");
      f.clock.advance(20 * MIN);
      const b = await login("op.one");
      const me = await f.auth.authenticate(b);
      f.clock.advance(15 * MIN); // a is idle past 30 min now; b is not
      const list = await sessions.list(me.userId, me.id);
      assert.equal(list.length, 1);
      assert.equal(list[0]?.current, true);
      assert.match(list[0]?.id ?? "", /^[0-9a-f]{16}$/);
      const adminId = (await f.auth.authenticate(await login("admin.one"))).userId;
      await rejectsWith(
        () => sessions.revoke("admin.one", { id: adminId, name: "admin.one" }, list[0]?.id ?? ""),
        "AUTH_SESSION_NOT_FOUND",
      );
      await sessions.revoke("admin.one", { id: me.userId, name: "op.one" }, list[0]?.id ?? "");
      await rejectsWith(() => f.auth.authenticate(b), "AUTH_SESSION_INVALID");
      await rejectsWith(() => f.auth.authenticate(a), "AUTH_SESSION_EXPIRED");
      const audit = await f.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.sessionRevoked });
      assert.equal(audit.length, 1);
    });

    it("API tokens: hash stored, scope checked, expiry and revocation; a damaged scope grants nothing", async () => {
      const session = await f.auth.authenticate(await login("op.one"));
      await rejectsWith(
        () => tokens.create(session, { name: "x", permissions: ["users:manage"], expiresInDays: 1 }),
        "AUTH_TOKEN_SCOPE",
      );
      const made = await tokens.create(session, {
        name: "ci",
        permissions: ["monitoring:read"],
        expiresInDays: 2,
      });
      const stored = await f.sql<{ token_hash: string }>("SELECT token_hash FROM auth_api_tokens");
      assert.equal(stored.length, 1);
      assert.notEqual(stored[0]?.token_hash, made.token);
      const acting: Session = await f.auth.authenticate(made.token);
      assert.equal(acting.credential, "token");
      assert.deepEqual(acting.permissions, ["monitoring:read"]);
      await rejectsWith(
        () => tokens.create(acting, { name: "child", permissions: ["monitoring:read"], expiresInDays: 1 }),
        "AUTH_TOKEN_NOT_ALLOWED",
      );
      await rejectsWith(() => f.auth.reauthenticate(made.token, PASSWORD), "AUTH_TOKEN_NOT_ALLOWED");

      await f.sql("UPDATE auth_api_tokens SET permissions = ?", "not json");
      assert.deepEqual((await f.auth.authenticate(made.token)).permissions, []);

      f.clock.advance(2 * 24 * 60 * MIN);
      await rejectsWith(() => f.auth.authenticate(made.token), "AUTH_SESSION_EXPIRED");
      const second = await tokens.create(await f.auth.authenticate(await login("op.one")), {
        name: "ci-2",
        permissions: ["monitoring:read"],
        expiresInDays: 1,
      });
      await tokens.revoke("op.one", { id: session.userId, name: "op.one" }, second.record.id);
      await tokens.revoke("op.one", { id: session.userId, name: "op.one" }, second.record.id);
      await rejectsWith(() => f.auth.authenticate(second.token), "AUTH_SESSION_INVALID");
      const revokes = await f.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.tokenRevoked });
      assert.equal(revokes.length, 1, "revoking twice is one revocation");
    });
  });
