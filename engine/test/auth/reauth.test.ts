import assert from "node:assert/strict";
import { AUDIT_ACTIONS, isRecentAuth } from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup, totpAt } from "./helpers.js";

const MIN = 60_000;

for (const backend of BACKENDS)
  describe(`auth/recent re-authentication (${backend})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await setup(backend, { recentAuthMs: 5 * MIN, maxFailedAttempts: 3 });
      await addUser(f, "op.smith", "operator");
    });
    afterEach(() => f.cleanup());

    it("a fresh login counts as recent; five minutes later it no longer does", async () => {
      const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD });
      f.auth.requireRecentAuth(await f.auth.authenticate(token));
      f.clock.advance(5 * MIN);
      f.auth.requireRecentAuth(await f.auth.authenticate(token));
      f.clock.advance(1);
      const session = await f.auth.authenticate(token);
      await rejectsWith(() => f.auth.requireRecentAuth(session), "AUTH_REAUTH_REQUIRED");
      assert.equal(isRecentAuth(session, f.clock.t, 5 * MIN), false);
    });

    it("re-authenticating with the password renews it for the same session", async () => {
      const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD });
      f.clock.advance(20 * MIN);
      await rejectsWith(
        async () => f.auth.requireRecentAuth(await f.auth.authenticate(token)),
        "AUTH_REAUTH_REQUIRED",
      );
      const renewed = await f.auth.reauthenticate(token, PASSWORD);
      assert.equal(renewed.lastAuthAt, f.clock.t);
      f.auth.requireRecentAuth(renewed);
      // The renewal is stored, not just returned.
      f.auth.requireRecentAuth(await f.auth.authenticate(token));
      assert.equal((await f.auth.listAudit({ limit: 5, action: AUDIT_ACTIONS.reauth })).length, 1);
    });

    it("a wrong password is refused, audited and counted toward the lockout", async () => {
      const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD });
      f.clock.advance(20 * MIN);
      await rejectsWith(() => f.auth.reauthenticate(token, "wrong-password-x"), "AUTH_INVALID_CREDENTIALS");
      await rejectsWith(
        async () => f.auth.requireRecentAuth(await f.auth.authenticate(token)),
        "AUTH_REAUTH_REQUIRED",
      );
      assert.equal((await f.auth.listAudit({ limit: 5, action: AUDIT_ACTIONS.reauthFailed })).length, 1);
    });

    it("a lock triggered by failed re-authentication also ends that session", async () => {
      const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD });
      for (let i = 0; i < 3; i++) {
        await rejectsWith(() => f.auth.reauthenticate(token, "wrong-password-x"), "AUTH_INVALID_CREDENTIALS");
      }
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_INVALID");
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: PASSWORD }),
        "AUTH_ACCOUNT_LOCKED",
      );
    });

    it("needs a valid session", async () => {
      await rejectsWith(() => f.auth.reauthenticate("x".repeat(43), PASSWORD), "AUTH_SESSION_INVALID");
    });

    it("an enrolled user must give a fresh TOTP code too", async () => {
      await addUser(f, "admin", "administrator");
      const { secret } = await f.users.enrolMfa("cli:root", "admin");
      const loginCode = totpAt(secret, f.clock.t);
      const { token } = await f.auth.login({ username: "admin", password: PASSWORD, totp: loginCode });
      f.clock.advance(10 * MIN);
      await rejectsWith(() => f.auth.reauthenticate(token, PASSWORD), "AUTH_MFA_REQUIRED");
      await rejectsWith(() => f.auth.reauthenticate(token, PASSWORD, "999999"), "AUTH_MFA_INVALID");
      const session = await f.auth.reauthenticate(token, PASSWORD, totpAt(secret, f.clock.t));
      f.auth.requireRecentAuth(session);
    });
  });
