import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AUDIT_ACTIONS, type AuditEntry, type AuthError } from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup } from "./helpers.js";

const failures = async (f: Fixture): Promise<Record<string, unknown>[]> =>
  (await f.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.loginFailed })).map((e: AuditEntry) => ({
    actor: e.actor,
    ...JSON.parse(e.details),
  }));

for (const backend of BACKENDS)
  describe(`auth/login (${backend})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await setup(backend, {
        maxFailedAttempts: 3,
        lockoutWindowMs: 10 * 60_000,
        lockoutMs: 15 * 60_000,
      });
      await addUser(f, "op.smith", "operator");
    });
    afterEach(() => f.cleanup());

    it("opens a session for the right password and audits the login", async () => {
      const { token, session } = await f.auth.login({
        username: "op.smith",
        password: PASSWORD,
        client: { address: "127.0.0.1", userAgent: "test-agent" },
      });
      assert.equal(Buffer.from(token, "base64url").length, 32);
      assert.equal(session.username, "op.smith");
      assert.equal(session.role, "operator");
      assert.ok(session.permissions.includes("messages:replay"));
      assert.ok(!session.permissions.includes("config:deploy"));
      assert.equal(session.lastAuthAt, f.clock.t);
      const [entry] = await f.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.login });
      assert.equal(entry?.actor, "op.smith");
      assert.equal(entry?.target, "user:op.smith");
      assert.equal(JSON.parse(entry?.details ?? "{}").client, "127.0.0.1 test-agent");
    });

    it("matches the user name case-insensitively", async () => {
      const { session } = await f.auth.login({ username: "OP.Smith", password: PASSWORD });
      assert.equal(session.username, "op.smith");
    });

    it("stores only the token's hash: the token never reaches the database", async () => {
      const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD });
      if (f.sqlite) {
        f.sqlite.db.pragma("wal_checkpoint(TRUNCATE)");
        const bytes = readFileSync(f.sqlite.file);
        assert.equal(bytes.includes(Buffer.from(token)), false);
        assert.equal(bytes.includes(Buffer.from(PASSWORD)), false);
      }
      const stored = (await f.sql<{ token_hash: string }>("SELECT token_hash FROM auth_sessions")).map(
        (r) => r.token_hash,
      );
      assert.equal(stored.length, 1);
      assert.notEqual(stored[0], token);
      const users = JSON.stringify(await f.sql("SELECT * FROM auth_users"));
      assert.equal(users.includes(PASSWORD), false);
    });

    it("answers a wrong password, an unknown user and a disabled user the same way", async () => {
      await addUser(f, "viewer.one", "viewer");
      await f.users.disable("test-setup", "viewer.one");
      const attempts = [
        { username: "op.smith", password: "wrong-password-1" },
        { username: "nobody.here", password: PASSWORD },
        { username: "viewer.one", password: PASSWORD },
      ];
      const messages: string[] = [];
      for (const attempt of attempts) {
        const err = await f.auth.login(attempt).then(
          () => assert.fail("login should fail"),
          (e: unknown) => e as AuthError,
        );
        assert.equal(err.code, "AUTH_INVALID_CREDENTIALS");
        assert.equal(err.httpStatus, 401);
        messages.push(err.message);
      }
      assert.equal(new Set(messages).size, 1);
      // ...while the audit trail tells an auditor which it was.
      assert.deepEqual(
        (await failures(f)).map((d) => [d.actor, d.reason]),
        [
          ["op.smith", "bad_password"],
          ["nobody.here", "unknown_user"],
          ["viewer.one", "disabled"],
        ],
      );
    });

    it("refuses malformed user names like unknown ones: throttled per address, audited as (invalid)", async () => {
      await rejectsWith(
        () => f.auth.login({ username: "bad name; DROP", password: PASSWORD }),
        "AUTH_INVALID_CREDENTIALS",
      );
      await rejectsWith(() => f.auth.login({ username: "", password: PASSWORD }), "AUTH_INVALID_CREDENTIALS");
      // One counter for the (address, "(invalid)") pair, one for the address, one global.
      assert.equal(Number(await f.scalar("SELECT COUNT(*) FROM auth_throttle")), 3);
      assert.deepEqual(
        (await failures(f)).map((d) => [d.actor, d.reason]),
        [
          ["(invalid)", "invalid_username"],
          ["(invalid)", "invalid_username"],
        ],
      );
    });

    it("locks the name after N failures in the window, even for the right password", async () => {
      for (let i = 0; i < 3; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "op.smith", password: `wrong-password-${i}` }),
          "AUTH_INVALID_CREDENTIALS",
        );
        f.clock.advance(1000);
      }
      const err = await f.auth.login({ username: "op.smith", password: PASSWORD }).then(
        () => assert.fail("locked account logged in"),
        (e: unknown) => e as AuthError,
      );
      assert.equal(err.code, "AUTH_ACCOUNT_LOCKED");
      assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 14 * 60_000);
      assert.equal((await f.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.accountLocked })).length, 1);
      assert.equal((await failures(f)).at(-1)?.reason, "locked");
      assert.ok((await f.users.get("op.smith")).lockedUntil !== null);
    });

    it("unlocks once the lock period has passed", async () => {
      for (let i = 0; i < 3; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      f.clock.advance(15 * 60_000 - 1);
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: PASSWORD }),
        "AUTH_ACCOUNT_LOCKED",
      );
      f.clock.advance(1);
      const { session } = await f.auth.login({ username: "op.smith", password: PASSWORD });
      assert.equal(session.username, "op.smith");
      assert.equal((await f.users.get("op.smith")).lockedUntil, null);
    });

    it("a miss right after a lock expires does not re-lock at once", async () => {
      for (let i = 0; i < 3; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      f.clock.advance(15 * 60_000);
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: "wrong-password-y" }),
        "AUTH_INVALID_CREDENTIALS",
      );
      await f.auth.login({ username: "op.smith", password: PASSWORD });
    });

    it("only counts failures inside the window", async () => {
      for (let i = 0; i < 2; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      f.clock.advance(10 * 60_000);
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
        "AUTH_INVALID_CREDENTIALS",
      );
      await f.auth.login({ username: "op.smith", password: PASSWORD });
    });

    it("a successful login clears earlier failures", async () => {
      for (let i = 0; i < 2; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      await f.auth.login({ username: "op.smith", password: PASSWORD });
      for (let i = 0; i < 2; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      await f.auth.login({ username: "op.smith", password: PASSWORD });
    });

    it("locks unknown names the same way, so lockouts do not reveal which accounts exist", async () => {
      for (let i = 0; i < 3; i++) {
        await rejectsWith(
          () => f.auth.login({ username: "ghost.user", password: "wrong-password-x" }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      await rejectsWith(
        () => f.auth.login({ username: "ghost.user", password: "wrong-password-x" }),
        "AUTH_ACCOUNT_LOCKED",
      );
    });

    it("parallel guesses cannot outrun the counter while argon2 works", async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          f.auth.login({ username: "op.smith", password: `parallel-guess-${i}` }),
        ),
      );
      const codes = results.map((r) => (r.status === "rejected" ? (r.reason as AuthError).code : "OK"));
      assert.equal(codes.filter((c) => c === "AUTH_INVALID_CREDENTIALS").length, 3);
      assert.equal(codes.filter((c) => c === "AUTH_ACCOUNT_LOCKED").length, 7);
    });

    it("never echoes the password in an error or an audit entry", async () => {
      const secret = "TEST-unique-secret-9f3a";
      const err = await f.auth.login({ username: "op.smith", password: secret }).catch((e: Error) => e);
      assert.ok(!String((err as Error).message).includes(secret));
      const all = await f.auth.listAudit({ limit: 1000 });
      assert.ok(all.every((e) => !JSON.stringify(e).includes(secret)));
    });
  });
