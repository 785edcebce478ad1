/**
 * Login throttling by client address and globally (real SQLite, hand-driven clock): an attacker at
 * one address cannot lock out the same user at another; spraying names locks the address; locks
 * double; a distributed guess hits a global ceiling; a flood of failures does not flood the audit log.
 */
import assert from "node:assert/strict";
import { AUDIT_ACTIONS, type AuditEntry } from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup, totpAt } from "./helpers.js";

const ATTACKER = { address: "203.0.113.9" };
const ADMIN_DESK = { address: "198.51.100.7" };

async function miss(
  f: Fixture,
  username: string,
  client: { address: string },
  code = "AUTH_INVALID_CREDENTIALS",
): Promise<void> {
  await rejectsWith(() => f.auth.login({ username, password: "wrong-password-x", client }), code);
}

for (const backend of BACKENDS)
  describe(`auth/throttle: per address, per (address, user), global (${backend})`, () => {
    let f: Fixture;
    let secret: string;
    afterEach(() => f.cleanup());

    async function start(policy: Parameters<typeof setup>[1] = {}): Promise<void> {
      f = await setup(backend, {
        maxFailedAttempts: 5,
        maxFailedPerAddress: 8,
        lockoutWindowMs: 10 * 60_000,
        lockoutMs: 15 * 60_000,
        ...policy,
      });
      await addUser(f, "admin.root", "administrator");
      await addUser(f, "op.smith", "operator");
      secret = (await f.users.enrolMfa("test-setup", "admin.root")).secret;
    }

    function adminLogin(client: { address: string }) {
      f.clock.advance(30_000);
      return f.auth.login({
        username: "admin.root",
        password: PASSWORD,
        totp: totpAt(secret, f.clock.t),
        client,
      });
    }

    it("six wrong passwords from one address do not lock the administrator out at another", async () => {
      await start();
      for (let i = 0; i < 5; i++) await miss(f, "admin.root", ATTACKER);
      await miss(f, "admin.root", ATTACKER, "AUTH_ACCOUNT_LOCKED");
      const { session } = await adminLogin(ADMIN_DESK);
      assert.equal(session.username, "admin.root");
      // The attacker's address stays locked for that name, right password or not.
      await rejectsWith(() => adminLogin(ATTACKER), "AUTH_ACCOUNT_LOCKED");
      assert.ok((await f.users.get("admin.root")).lockedUntil !== null);
    });

    it("spraying many names from one address locks the address for every name", async () => {
      await start();
      for (let i = 0; i < 8; i++) await miss(f, `guess.${i}`, ATTACKER);
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: PASSWORD, client: ATTACKER }),
        "AUTH_ACCOUNT_LOCKED",
      );
      const { session } = await f.auth.login({
        username: "op.smith",
        password: PASSWORD,
        client: ADMIN_DESK,
      });
      assert.equal(session.username, "op.smith");
      const locked = await f.auth.listAudit({ limit: 50, action: AUDIT_ACTIONS.accountLocked });
      assert.equal(JSON.parse(locked.at(-1)?.details ?? "{}").scope, "address");
    });

    it("an address lock longer than the counting window holds to its end, refused attempts or not", async () => {
      await start();
      for (let i = 0; i < 8; i++) await miss(f, `guess.${i}`, ATTACKER);
      const tryRight = () => f.auth.login({ username: "op.smith", password: PASSWORD, client: ATTACKER });
      // The window (10 min) ends before the lock (15 min): refusals open a new window, not a way in.
      f.clock.advance(11 * 60_000);
      await rejectsWith(tryRight, "AUTH_ACCOUNT_LOCKED");
      f.clock.advance(60_000);
      await rejectsWith(tryRight, "AUTH_ACCOUNT_LOCKED");
      f.clock.advance(3 * 60_000);
      assert.equal((await tryRight()).session.username, "op.smith");
    });

    it("each further lock of the same counter lasts twice as long", async () => {
      await start();
      for (let i = 0; i < 5; i++) await miss(f, "op.smith", ATTACKER);
      f.clock.advance(15 * 60_000);
      for (let i = 0; i < 5; i++) await miss(f, "op.smith", ATTACKER);
      f.clock.advance(15 * 60_000);
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: PASSWORD, client: ATTACKER }),
        "AUTH_ACCOUNT_LOCKED",
      );
      f.clock.advance(15 * 60_000);
      const { session } = await f.auth.login({ username: "op.smith", password: PASSWORD, client: ATTACKER });
      assert.equal(session.username, "op.smith");
    });

    it("past the global ceiling only addresses without a failure of their own get in", async () => {
      await start({ globalMaxFailures: 6 });
      for (let i = 0; i < 6; i++) await miss(f, "admin.root", { address: `192.0.2.${i + 1}` });
      // A botnet address that already failed is held back, right password or not...
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: PASSWORD, client: { address: "192.0.2.1" } }),
        "AUTH_ACCOUNT_LOCKED",
      );
      // ...while the administrator at a clean address signs in.
      assert.equal((await adminLogin(ADMIN_DESK)).session.username, "admin.root");
      f.clock.advance(10 * 60_000);
      const later = await f.auth.login({
        username: "op.smith",
        password: PASSWORD,
        client: { address: "192.0.2.1" },
      });
      assert.equal(later.session.username, "op.smith");
    });

    it("a flood of failures from one address is audited one by one up to a quota, then as one count", async () => {
      await start({ maxFailedAttempts: 1000, maxFailedPerAddress: 1000, failureAuditsPerWindow: 4 });
      for (let i = 0; i < 40; i++) await miss(f, i % 2 ? "op.smith" : "no.such.user", ATTACKER);
      const failed = (): Promise<AuditEntry[]> =>
        f.auth.listAudit({ limit: 1000, action: AUDIT_ACTIONS.loginFailed });
      assert.equal((await failed()).length, 4);
      // The window ends: the next attempt (or the sweep) writes the held-back count.
      f.clock.advance(10 * 60_000);
      await miss(f, "op.smith", ATTACKER);
      const all = await failed();
      const summary = all.find((e) => JSON.parse(e.details).reason === "repeated");
      assert.deepEqual(
        { actor: summary?.actor, ...JSON.parse(summary?.details ?? "{}") },
        {
          actor: "(aggregate)",
          reason: "repeated",
          address: ATTACKER.address,
          count: 36,
          since: new Date(f.clock.t - 10 * 60_000).toISOString(),
        },
      );
      assert.equal(all.length, 4 + 1 + 1);
      // The sweep flushes a window nobody comes back to.
      // This window: the miss above and six more, four of them audited one by one.
      for (let i = 0; i < 6; i++) await miss(f, "op.smith", ATTACKER);
      f.clock.advance(10 * 60_000 + 1);
      await f.auth.sweep();
      const last = (await failed()).at(-1);
      assert.equal(JSON.parse(last?.details ?? "{}").count, 3);
    });

    it("an unknown user is throttled and audited exactly like a known one", async () => {
      await start();
      for (let i = 0; i < 5; i++) await miss(f, "ghost.user", ATTACKER);
      await miss(f, "ghost.user", ATTACKER, "AUTH_ACCOUNT_LOCKED");
      const reasons = (await f.auth.listAudit({ limit: 100, action: AUDIT_ACTIONS.loginFailed })).map(
        (e) => JSON.parse(e.details).reason,
      );
      assert.deepEqual(reasons, [
        "unknown_user",
        "unknown_user",
        "unknown_user",
        "unknown_user",
        "unknown_user",
        "locked",
      ]);
      assert.equal((await f.auth.listAudit({ limit: 10, action: AUDIT_ACTIONS.accountLocked })).length, 1);
    });
  });
