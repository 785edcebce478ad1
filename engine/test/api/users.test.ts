/**
 * Users, sessions and the must-change-password flow over real HTTP, on both backends: the engine on a
 * SQLite file and on the machine's PostgreSQL (a schema per run), the API on a loopback port.
 */
import assert from "node:assert/strict";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { BACKENDS, totpAt } from "../auth/helpers.js";
import { type Harness, PASSWORD, startApi } from "./helpers.js";

const NEW_PASSWORD = "a-brand-new-passphrase";

for (const backend of BACKENDS)
  describe(`api/users (${backend})`, function () {
    this.timeout(30_000);
    let h: Harness;
    let admin: string;

    before(async () => {
      h = await startApi({ backend });
    });
    after(() => h.close());
    beforeEach(async () => {
      // A fresh login counts as a recent re-authentication for the changes below.
      admin = await h.login("administrator");
    });

    const signIn = async (username: string, password: string, totp?: string) =>
      h.call("POST", "/auth/login", { body: { username, password, ...(totp && { totp }) } });

    const audited = async (action: string, target: string) =>
      (await h.auth.listAudit({ limit: 1000, action })).filter((e) => e.target === target);

    it("lists users without a hash or secret, only to administrators", async () => {
      const res = await h.call("GET", "/users", { token: admin });
      assert.equal(res.status, 200);
      const names = res.body.items.map((u: { name: string }) => u.name);
      assert.ok(names.includes("administrator") && names.includes("viewer"));
      const text = JSON.stringify(res.body);
      assert.doesNotMatch(text, /argon2|passwordHash|secret/i);
      const viewer = await h.login("viewer");
      assert.equal((await h.call("GET", "/users", { token: viewer })).status, 403);
    });

    it("adds a user with a one-time password that must be changed before anything else", async () => {
      const add = await h.call("POST", "/users", {
        token: admin,
        body: { name: "new.viewer", role: "viewer" },
      });
      assert.equal(add.status, 201, JSON.stringify(add.body));
      const otp: string = add.body.oneTimePassword;
      assert.match(otp, /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
      assert.equal(add.body.mfa, undefined, "viewers need no MFA");
      assert.equal(add.body.user.mustChangePassword, true);
      assert.equal((await audited(AUDIT_ACTIONS.userAdded, "user:new.viewer"))[0]?.actor, "administrator");

      const login = await signIn("new.viewer", otp);
      assert.equal(login.status, 200);
      assert.equal(login.body.mustChangePassword, true);
      const token: string = login.body.token;
      const blocked = await h.call("GET", "/connections", { token });
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.error.code, "PASSWORD_CHANGE_REQUIRED");
      assert.equal((await h.call("GET", "/auth/session", { token })).status, 200);

      const same = await h.call("POST", "/auth/password", {
        token,
        body: { currentPassword: otp, newPassword: otp },
      });
      assert.equal(same.body.error.code, "PASSWORD_POLICY");
      const wrong = await h.call("POST", "/auth/password", {
        token,
        body: { currentPassword: "not-the-password", newPassword: NEW_PASSWORD },
      });
      assert.equal(wrong.body.error.code, "INVALID_CREDENTIALS");
      const changed = await h.call("POST", "/auth/password", {
        token,
        body: { currentPassword: otp, newPassword: NEW_PASSWORD },
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body.mustChangePassword, false);
      assert.equal((await h.call("GET", "/connections", { token })).status, 200);
      assert.equal((await signIn("new.viewer", otp)).status, 401, "the one-time password is spent");
      assert.equal((await signIn("new.viewer", NEW_PASSWORD)).status, 200);
      const entries = await audited(AUDIT_ACTIONS.userPasswordChanged, "user:new.viewer");
      assert.equal(entries.at(-1)?.actor, "new.viewer");
      assert.match(entries.at(-1)?.details ?? "", /"wasReset":true/);
    });

    it("a new administrator gets an MFA enrolment with the one-time password, shown once", async () => {
      const add = await h.call("POST", "/users", {
        token: admin,
        body: { name: "second.admin", role: "administrator" },
      });
      assert.equal(add.status, 201);
      assert.match(add.body.mfa.uri, /^otpauth:\/\/totp\//);
      h.clock.advance(30_000);
      const login = await signIn(
        "second.admin",
        add.body.oneTimePassword,
        totpAt(add.body.mfa.secret, h.clock.t),
      );
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal(login.body.mustChangePassword, true);
      // Nothing of it is kept in the clear or listed again.
      const list = await h.call("GET", "/users", { token: admin });
      assert.ok(!JSON.stringify(list.body).includes(add.body.mfa.secret));
      assert.ok(!JSON.stringify(list.body).includes(add.body.oneTimePassword));
    });

    it("refuses an existing name, an unknown role and a bad name with clear codes", async () => {
      const dup = await h.call("POST", "/users", { token: admin, body: { name: "viewer", role: "viewer" } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, "USER_EXISTS");
      const role = await h.call("POST", "/users", { token: admin, body: { name: "x.y", role: "root" } });
      assert.equal(role.body.error.code, "VALIDATION_FAILED");
      const name = await h.call("POST", "/users", {
        token: admin,
        body: { name: "bad name!", role: "viewer" },
      });
      assert.equal(name.body.error.code, "INVALID_USERNAME");
      const missing = await h.call("POST", "/users/nobody.here/disable", { token: admin });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, "USER_NOT_FOUND");
    });

    it("disabling ends the user's sessions and sign-ins; enabling lets them back", async () => {
      await h.users.add("test-setup", "temp.op", "operator", PASSWORD);
      const token = (await signIn("temp.op", PASSWORD)).body.token;
      const off = await h.call("POST", "/users/temp.op/disable", { token: admin });
      assert.equal(off.status, 200);
      assert.equal(off.body.user.disabled, true);
      assert.equal((await h.call("GET", "/connections", { token })).status, 401);
      assert.equal((await signIn("temp.op", PASSWORD)).status, 401);
      const on = await h.call("POST", "/users/temp.op/enable", { token: admin });
      assert.equal(on.body.user.disabled, false);
      assert.equal((await signIn("temp.op", PASSWORD)).status, 200);
      assert.equal((await audited(AUDIT_ACTIONS.userDisabled, "user:temp.op")).length, 1);
      assert.equal((await audited(AUDIT_ACTIONS.userEnabled, "user:temp.op")).length, 1);
    });

    it("a role change applies to open sessions at once", async () => {
      await h.users.add("test-setup", "temp.viewer", "viewer", PASSWORD);
      const token = (await signIn("temp.viewer", PASSWORD)).body.token;
      assert.equal((await h.call("POST", "/connections/IB_TEST_ADT/stop", { token })).status, 403);
      const r = await h.call("POST", "/users/temp.viewer/role", { token: admin, body: { role: "operator" } });
      assert.equal(r.status, 200);
      assert.equal(r.body.user.role, "operator");
      assert.equal((await h.call("POST", "/connections/IB_TEST_ADT/stop", { token })).status, 200);
      const [entry] = await audited(AUDIT_ACTIONS.userRoleChanged, "user:temp.viewer");
      assert.match(entry?.details ?? "", /"from":"viewer".*"to":"operator"/);
    });

    it("never disables or demotes the last enabled administrator (409 LAST_ADMIN)", async () => {
      await h.users.add("test-setup", "lone.admin", "viewer", PASSWORD);
      // Every other administrator made by earlier tests is disabled first, so one stays.
      for (const u of (await h.users.list()).filter(
        (x) => x.role === "administrator" && x.name !== "administrator",
      ))
        await h.users.disable("test-setup", u.name);
      for (const [path, body] of [
        ["/users/administrator/disable", undefined],
        ["/users/administrator/role", { role: "operator" }],
      ] as const) {
        const res = await h.call("POST", path, { token: admin, body });
        assert.equal(res.status, 409, path);
        assert.equal(res.body.error.code, "LAST_ADMIN");
      }
      assert.equal((await h.users.get("administrator")).disabled, false);
      // With a second enabled administrator the first may step down.
      await h.call("POST", "/users/lone.admin/role", { token: admin, body: { role: "administrator" } });
      const demote = await h.call("POST", "/users/lone.admin/role", {
        token: admin,
        body: { role: "viewer" },
      });
      assert.equal(demote.status, 200);
      const again = await h.call("POST", "/users/administrator/role", {
        token: admin,
        body: { role: "administrator" },
      });
      assert.equal(again.status, 200, "keeping the role is no demotion");
    });

    it("a password reset ends the sessions and hands out a one-time password", async () => {
      await h.users.add("test-setup", "forgetful", "viewer", PASSWORD);
      const token = (await signIn("forgetful", PASSWORD)).body.token;
      const reset = await h.call("POST", "/users/forgetful/password-reset", { token: admin });
      assert.equal(reset.status, 200);
      assert.equal(reset.body.user.mustChangePassword, true);
      assert.equal((await h.call("GET", "/auth/session", { token })).status, 401);
      assert.equal((await signIn("forgetful", PASSWORD)).status, 401);
      const login = await signIn("forgetful", reset.body.oneTimePassword);
      assert.equal(login.body.mustChangePassword, true);
      assert.equal((await audited(AUDIT_ACTIONS.userPasswordReset, "user:forgetful")).length, 1);
    });

    it("an MFA reset replaces the secret and ends the sessions", async () => {
      const deployer = await h.login("deployer");
      const reset = await h.call("POST", "/users/deployer/mfa-reset", { token: admin });
      assert.equal(reset.status, 200);
      assert.equal(reset.body.user.mfaEnrolled, true);
      assert.equal((await h.call("GET", "/auth/session", { token: deployer })).status, 401);
      assert.equal((await signIn("deployer", PASSWORD, h.totp("deployer"))).status, 401, "old secret");
      h.clock.advance(30_000);
      const login = await signIn("deployer", PASSWORD, totpAt(reset.body.mfa.secret, h.clock.t));
      assert.equal(login.status, 200);
    });

    it("an administrator lists a user's sessions and ends one or all", async () => {
      await h.users.add("test-setup", "busy.op", "operator", PASSWORD);
      const a = (await signIn("busy.op", PASSWORD)).body.token;
      const b = (await signIn("busy.op", PASSWORD)).body.token;
      const c = (await signIn("busy.op", PASSWORD)).body.token;
      const list = await h.call("GET", "/users/busy.op/sessions", { token: admin });
      assert.equal(list.status, 200);
      assert.equal(list.body.items.length, 3);
      const mine = await h.call("GET", "/me/sessions", { token: a });
      const aId = mine.body.items.find((s: { current: boolean }) => s.current).id;
      const end = await h.call("DELETE", `/users/busy.op/sessions/${aId}`, { token: admin });
      assert.equal(end.status, 200);
      assert.equal((await h.call("GET", "/auth/session", { token: a })).status, 401);
      assert.equal((await h.call("GET", "/auth/session", { token: b })).status, 200);
      const unknown = await h.call("DELETE", `/users/busy.op/sessions/${aId}`, { token: admin });
      assert.equal(unknown.body.error.code, "SESSION_NOT_FOUND");
      // Another user's session id does not end this user's session.
      const adminSessions = await h.call("GET", "/me/sessions", { token: admin });
      const foreign = adminSessions.body.items[0].id;
      assert.equal(
        (await h.call("DELETE", `/users/busy.op/sessions/${foreign}`, { token: admin })).status,
        404,
      );
      const all = await h.call("DELETE", "/users/busy.op/sessions", { token: admin });
      assert.equal(all.body.revoked, 2);
      assert.equal((await h.call("GET", "/auth/session", { token: c })).status, 401);
      assert.ok((await audited(AUDIT_ACTIONS.sessionRevoked, "user:busy.op")).length >= 2);
    });

    it("everyone lists their own sessions and ends the others", async () => {
      await h.users.add("test-setup", "roaming.viewer", "viewer", PASSWORD);
      const [one, two, three] = [
        (await signIn("roaming.viewer", PASSWORD)).body.token,
        (await signIn("roaming.viewer", PASSWORD)).body.token,
        (await signIn("roaming.viewer", PASSWORD)).body.token,
      ];
      const list = await h.call("GET", "/me/sessions", { token: one });
      assert.equal(list.body.items.length, 3);
      assert.equal(list.body.items.filter((s: { current: boolean }) => s.current).length, 1);
      const twoId = (await h.call("GET", "/me/sessions", { token: two })).body.items.find(
        (s: { current: boolean }) => s.current,
      ).id;
      assert.equal((await h.call("DELETE", `/me/sessions/${twoId}`, { token: one })).status, 200);
      assert.equal((await h.call("GET", "/auth/session", { token: two })).status, 401);
      const others = await h.call("DELETE", "/me/sessions", { token: one });
      assert.equal(others.body.revoked, 1);
      assert.equal((await h.call("GET", "/auth/session", { token: three })).status, 401);
      assert.equal((await h.call("GET", "/auth/session", { token: one })).status, 200);
    });
  });
