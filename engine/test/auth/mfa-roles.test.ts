/**
 * Deployers need MFA like administrators: a promoted config's code runs inside the engine, beside
 * the store key, so deploying is an administrator-grade power. Other roles are unchanged.
 */
import assert from "node:assert/strict";
import { DEFAULT_AUTH_POLICY, type Role } from "../../src/auth/index.js";
import { type Harness, startApi } from "../api/helpers.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup, totpAt } from "./helpers.js";

for (const backend of BACKENDS)
  describe(`auth/mfa: roles that must enrol (${backend})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await setup(backend);
    });
    afterEach(() => f.cleanup());

    it("by default administrators and deployers must enrol MFA", async () => {
      assert.deepEqual([...DEFAULT_AUTH_POLICY.mfaRequiredRoles].sort(), ["administrator", "deployer"]);
    });

    it("a deployer cannot log in before enrolling MFA, and is told how to enrol", async () => {
      await addUser(f, "release", "deployer");
      const err = await f.auth.login({ username: "release", password: PASSWORD }).catch((e: Error) => e);
      assert.equal((err as { code?: string }).code, "AUTH_MFA_ENROLMENT_REQUIRED");
      assert.match(
        (err as Error).message,
        /role "deployer" requires MFA; enrol it first with: messagefoundry user mfa release/,
      );
      assert.equal(Number(await f.scalar("SELECT COUNT(*) FROM auth_sessions")), 0);
    });

    it("an enrolled deployer logs in and re-authenticates only with a valid TOTP code", async () => {
      await addUser(f, "release", "deployer");
      const { secret } = await f.users.enrolMfa("cli:root", "release");
      await rejectsWith(() => f.auth.login({ username: "release", password: PASSWORD }), "AUTH_MFA_REQUIRED");
      const { token, session } = await f.auth.login({
        username: "release",
        password: PASSWORD,
        totp: totpAt(secret, f.clock.t),
      });
      assert.equal(session.role, "deployer");
      f.clock.advance(30_000);
      await rejectsWith(() => f.auth.reauthenticate(token, PASSWORD), "AUTH_MFA_REQUIRED");
      const again = await f.auth.reauthenticate(token, PASSWORD, totpAt(secret, f.clock.t));
      assert.equal(again.username, "release");
    });

    it("the other roles still log in with a password alone", async () => {
      for (const role of ["operator", "developer", "viewer", "auditor"] as Role[]) {
        await addUser(f, `u_${role}`, role);
        const { session } = await f.auth.login({ username: `u_${role}`, password: PASSWORD });
        assert.equal(session.role, role);
      }
    });
  });

for (const backend of BACKENDS)
  describe(`auth/mfa: a deployer without MFA over the API (${backend})`, () => {
    let h: Harness;
    before(async () => {
      h = await startApi();
      await h.users.add("test-setup", "unenrolled", "deployer", PASSWORD);
    });
    after(() => h.close());

    it("POST /auth/login answers 403 MFA_ENROLMENT_REQUIRED and no session can stage", async () => {
      const res = await h.call("POST", "/auth/login", {
        body: { username: "unenrolled", password: PASSWORD },
      });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, "MFA_ENROLMENT_REQUIRED");
      assert.equal(res.body.token, undefined);
      const stage = await h.call("POST", "/config/stage", { body: { files: { "a.ts": "export {};\n" } } });
      assert.equal(stage.status, 401);

      // Enrolled, the same deployer gets in with a code and may stage.
      const { secret } = await h.users.enrolMfa("test-setup", "unenrolled");
      h.clock.advance(30_000);
      const ok = await h.call("POST", "/auth/login", {
        body: { username: "unenrolled", password: PASSWORD, totp: totpAt(secret, h.clock.t) },
      });
      assert.equal(ok.status, 200);
      const staged = await h.call("POST", "/config/stage", {
        token: ok.body.token,
        body: { files: { "a.ts": "export {};\n" } },
      });
      assert.equal(staged.status, 200);
    });
  });
