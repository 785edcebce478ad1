import assert from "node:assert/strict";
import { AUDIT_ACTIONS } from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup, totpAt } from "./helpers.js";

for (const backend of BACKENDS)
  describe(`auth/mfa (${backend})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await setup(backend, { maxFailedAttempts: 3 });
      await addUser(f, "admin", "administrator");
    });
    afterEach(() => f.cleanup());

    it("an administrator cannot log in before enrolling MFA, and is told how to enrol", async () => {
      const err = await f.auth.login({ username: "admin", password: PASSWORD }).catch((e: Error) => e);
      assert.equal((err as { code?: string }).code, "AUTH_MFA_ENROLMENT_REQUIRED");
      assert.match((err as Error).message, /messagefoundry user mfa admin/);
      assert.equal(Number(await f.scalar("SELECT COUNT(*) FROM auth_sessions")), 0);
    });

    it("enrolment returns an otpauth:// URI an authenticator app understands", async () => {
      const { uri, secret } = await f.users.enrolMfa("cli:root", "admin");
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const url = new URL(uri);
      assert.equal(url.protocol, "otpauth:");
      assert.equal(url.host, "totp");
      assert.equal(decodeURIComponent(url.pathname), "/MessageFoundry:admin");
      assert.equal(url.searchParams.get("secret"), secret);
      assert.equal(url.searchParams.get("issuer"), "MessageFoundry");
      assert.equal(url.searchParams.get("digits"), "6");
      assert.equal(url.searchParams.get("period"), "30");
    });

    it("once enrolled, an administrator needs a valid TOTP code", async () => {
      const { secret } = await f.users.enrolMfa("cli:root", "admin");
      await rejectsWith(() => f.auth.login({ username: "admin", password: PASSWORD }), "AUTH_MFA_REQUIRED");
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD, totp: "000000x" }),
        "AUTH_MFA_INVALID",
      );
      const wrong = totpAt(secret, f.clock.t + 10 * 60_000);
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD, totp: wrong }),
        "AUTH_MFA_INVALID",
      );
      const { session } = await f.auth.login({
        username: "admin",
        password: PASSWORD,
        totp: totpAt(secret, f.clock.t),
      });
      assert.equal(session.mfa, true);
      assert.equal(session.role, "administrator");
      assert.equal(
        JSON.parse((await f.auth.listAudit({ limit: 5, action: AUDIT_ACTIONS.login }))[0]?.details ?? "").mfa,
        true,
      );
    });

    it("a code of the wrong type is refused, not a crash", async () => {
      await f.users.enrolMfa("cli:root", "admin");
      const totp = 123456 as unknown as string; // what a careless JSON client sends
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD, totp }),
        "AUTH_MFA_INVALID",
      );
    });

    it("a valid TOTP with the wrong password still fails as bad credentials", async () => {
      const { secret } = await f.users.enrolMfa("cli:root", "admin");
      await rejectsWith(
        () =>
          f.auth.login({ username: "admin", password: "wrong-password-x", totp: totpAt(secret, f.clock.t) }),
        "AUTH_INVALID_CREDENTIALS",
      );
    });

    it("accepts one step of clock drift either way, not two", async () => {
      const { secret } = await f.users.enrolMfa("cli:root", "admin");
      await f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(secret, f.clock.t - 30_000) });
      f.clock.advance(5 * 60_000);
      await f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(secret, f.clock.t + 30_000) });
      f.clock.advance(5 * 60_000);
      await rejectsWith(
        () =>
          f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(secret, f.clock.t + 60_000) }),
        "AUTH_MFA_INVALID",
      );
    });

    it("a code works once: replaying it is refused", async () => {
      const { secret } = await f.users.enrolMfa("cli:root", "admin");
      const code = totpAt(secret, f.clock.t);
      await f.auth.login({ username: "admin", password: PASSWORD, totp: code });
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD, totp: code }),
        "AUTH_MFA_INVALID",
      );
      f.clock.advance(30_000);
      await f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(secret, f.clock.t) });
    });

    it("wrong codes count toward the lockout", async () => {
      await f.users.enrolMfa("cli:root", "admin");
      for (let i = 0; i < 3; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "admin", password: PASSWORD, totp: "123456" }),
          "AUTH_MFA_INVALID",
        );
      }
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD, totp: "123456" }),
        "AUTH_ACCOUNT_LOCKED",
      );
    });

    it("asking for the code (no TOTP given) does not count as a failure", async () => {
      const { secret } = await f.users.enrolMfa("cli:root", "admin");
      for (let i = 0; i < 5; i++) {
        await rejectsWith(() => f.auth.login({ username: "admin", password: PASSWORD }), "AUTH_MFA_REQUIRED");
      }
      await f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(secret, f.clock.t) });
    });

    it("other roles log in without MFA, but must give a code once they enrol", async () => {
      await addUser(f, "viewer.one", "viewer");
      await f.auth.login({ username: "viewer.one", password: PASSWORD });
      const { secret } = await f.users.enrolMfa("viewer.one", "viewer.one");
      await rejectsWith(
        () => f.auth.login({ username: "viewer.one", password: PASSWORD }),
        "AUTH_MFA_REQUIRED",
      );
      await f.auth.login({ username: "viewer.one", password: PASSWORD, totp: totpAt(secret, f.clock.t) });
    });

    it("re-enrolling replaces the secret and ends sessions opened with the old one", async () => {
      const first = await f.users.enrolMfa("cli:root", "admin");
      const { token } = await f.auth.login({
        username: "admin",
        password: PASSWORD,
        totp: totpAt(first.secret, f.clock.t),
      });
      const second = await f.users.enrolMfa("cli:root", "admin");
      assert.notEqual(first.secret, second.secret);
      await rejectsWith(() => f.auth.authenticate(token), "AUTH_SESSION_INVALID");
      f.clock.advance(60_000);
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(first.secret, f.clock.t) }),
        "AUTH_MFA_INVALID",
      );
      await f.auth.login({ username: "admin", password: PASSWORD, totp: totpAt(second.secret, f.clock.t) });
    });

    it("disabling an administrator's MFA locks them out until they enrol again", async () => {
      await f.users.enrolMfa("cli:root", "admin");
      await f.users.disableMfa("cli:root", "admin");
      await rejectsWith(
        () => f.auth.login({ username: "admin", password: PASSWORD }),
        "AUTH_MFA_ENROLMENT_REQUIRED",
      );
    });
  });
