import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  AUDIT_ACTIONS,
  type AuditEntry,
  AuthService,
  auditVerify,
  canonicalJson,
  GENESIS_HASH,
  verifyChain,
} from "../../src/auth/index.js";
import { addUser, BACKENDS, type Fixture, PASSWORD, rejectsWith, setup } from "./helpers.js";

for (const backend of BACKENDS)
  describe(`auth/audit (${backend})`, () => {
    let f: Fixture;
    beforeEach(async () => {
      f = await setup(backend, { maxFailedAttempts: 10 });
      await addUser(f, "op.smith", "operator"); // seq 1: user.add
      const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD }); // 2
      await rejectsWith(
        () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
        "AUTH_INVALID_CREDENTIALS",
      ); // 3
      const session = await f.auth.authenticate(token);
      await f.auth.recordAudit(session, AUDIT_ACTIONS.messageRawViewed, "message:42", {
        connection: "IB_TEST_ADT",
      }); // 4
      await f.auth.recordAudit(session, AUDIT_ACTIONS.messageReplayed, "message:42"); // 5
      await f.auth.recordAudit("deployer.one", AUDIT_ACTIONS.configStaged, "stage:abc", { problems: 0 }); // 6
      await f.auth.recordAudit("deployer.one", AUDIT_ACTIONS.configPromoted, "version:7"); // 7
      await f.auth.recordAudit("deployer.one", AUDIT_ACTIONS.configRolledBack, "version:6"); // 8
      await f.auth.logout(token); // 9
    });
    afterEach(() => f.cleanup());

    it("records who did what, in order, with a linked hash on each entry", async () => {
      const entries = await f.auth.listAudit({ limit: 100 });
      assert.deepEqual(
        entries.map((e) => [e.seq, e.actor, e.action]),
        [
          [1, "test-setup", "user.add"],
          [2, "op.smith", "auth.login"],
          [3, "op.smith", "auth.login_failed"],
          [4, "op.smith", "message.raw_view"],
          [5, "op.smith", "message.replay"],
          [6, "deployer.one", "config.stage"],
          [7, "deployer.one", "config.promote"],
          [8, "deployer.one", "config.rollback"],
          [9, "op.smith", "auth.logout"],
        ],
      );
      assert.equal(entries[0]?.prevHash, GENESIS_HASH);
      for (let i = 1; i < entries.length; i++) assert.equal(entries[i]?.prevHash, entries[i - 1]?.hash);
      assert.equal(entries[3]?.time, new Date(f.clock.t).toISOString());
      assert.deepEqual(JSON.parse(entries[3]?.details ?? ""), { connection: "IB_TEST_ADT" });
    });

    it("verifies an untouched log", async () => {
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, true);
      assert.equal(result.entries, 9);
      assert.equal(result.firstBad, undefined);
      assert.equal(result.head.seq, 9);
    });

    it("pages by cursor and filters by actor and action", async () => {
      const page1 = await f.auth.listAudit({ limit: 4 });
      const page2 = await f.auth.listAudit({ limit: 4, afterSeq: page1.at(-1)?.seq });
      assert.deepEqual(
        page1.map((e) => e.seq),
        [1, 2, 3, 4],
      );
      assert.deepEqual(
        page2.map((e) => e.seq),
        [5, 6, 7, 8],
      );
      assert.deepEqual(
        (await f.auth.listAudit({ limit: 10, actor: "deployer.one" })).map((e) => e.seq),
        [6, 7, 8],
      );
      assert.deepEqual(
        (await f.auth.listAudit({ limit: 10, action: "config.promote" })).map((e) => e.seq),
        [7],
      );
    });

    it("the database refuses UPDATE and DELETE on the audit table", async () => {
      await assert.rejects(() => f.sql("UPDATE auth_audit SET actor = 'x' WHERE seq = 4"), /append-only/);
      await assert.rejects(() => f.sql("DELETE FROM auth_audit WHERE seq = 9"), /append-only/);
      await assert.rejects(() => f.sql("UPDATE auth_audit_head SET seq = 3"), /forward/);
      await assert.rejects(() => f.sql("DELETE FROM auth_audit_head"), /cannot be deleted/);
      assert.equal((await f.auth.verifyAudit()).ok, true);
    });

    it("detects an edited row and names it", async () => {
      await f.dropGuards();
      await f.sql("UPDATE auth_audit SET actor = 'someone.else' WHERE seq = 4");
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 4);
      assert.match(result.reason ?? "", /altered/);
    });

    it("detects an edited row even when its own hash was recomputed", async () => {
      await f.dropGuards();
      const [row] = await f.sql("SELECT * FROM auth_audit WHERE seq = 5");
      assert.ok(row);
      const details = canonicalJson({ note: "forged" });
      const canonical = JSON.stringify([row.seq, row.time, row.actor, row.action, row.target, details]);
      const hash = createHash("sha256")
        .update(String(row.prev_hash))
        .update("\n")
        .update(canonical)
        .digest("hex");
      await f.sql("UPDATE auth_audit SET details = ?, hash = ? WHERE seq = 5", details, hash);
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 6);
      assert.match(result.reason ?? "", /does not link to entry 5/);
    });

    it("detects a deleted row in the middle", async () => {
      await f.dropGuards();
      await f.sql("DELETE FROM auth_audit WHERE seq = 3");
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 3);
      assert.match(result.reason ?? "", /missing/);
    });

    it("detects a deleted row whose successors were renumbered to close the gap", async () => {
      await f.dropGuards();
      await f.sql("DELETE FROM auth_audit WHERE seq = 3");
      for (let seq = 4; seq <= 9; seq++)
        await f.sql("UPDATE auth_audit SET seq = ? WHERE seq = ?", seq - 1, seq);
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 3);
    });

    it("detects deleted rows at the end of the log", async () => {
      await f.dropGuards();
      await f.sql("DELETE FROM auth_audit WHERE seq >= 8");
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 8);
      assert.match(result.reason ?? "", /truncated/);
    });

    it("detects reordered rows", async () => {
      await f.dropGuards();
      await f.sql("UPDATE auth_audit SET seq = -1 WHERE seq = 6");
      await f.sql("UPDATE auth_audit SET seq = 6 WHERE seq = 7");
      await f.sql("UPDATE auth_audit SET seq = 7 WHERE seq = -1");
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 6);
    });

    it("audit verify (the CLI function) works on a separately opened repository", async () => {
      const cli = await f.another();
      assert.deepEqual(await auditVerify(cli), await f.auth.verifyAudit());
      await f.dropGuards();
      await f.sql("UPDATE auth_audit SET details = '{}' WHERE seq = 2");
      const result = await auditVerify(cli);
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 2);
    });

    it("a second connection (another process) continues the same chain", async () => {
      const auth = new AuthService(await f.another(), { now: f.clock.now });
      await auth.recordAudit("engine", AUDIT_ACTIONS.keyRotated);
      await f.auth.recordAudit("engine", AUDIT_ACTIONS.keyRotated);
      assert.deepEqual(await auth.verifyAudit(), await f.auth.verifyAudit());
      assert.equal((await f.auth.verifyAudit()).entries, 11);
      assert.equal((await f.auth.verifyAudit()).ok, true);
    });

    it("concurrent appends from two engines serialize into one unbroken chain", async () => {
      const other = new AuthService(await f.another(), { now: f.clock.now });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? other : f.auth).recordAudit(`actor.${i}`, AUDIT_ACTIONS.keyRotated, `n:${i}`),
        ),
      );
      const result = await f.auth.verifyAudit();
      assert.equal(result.ok, true, result.reason);
      assert.equal(result.entries, 49);
    });

    it("audit verify reads without taking the write lock: it works while the engine is writing", async () => {
      // The engine holds the write lock (a transaction in progress); the CLI must not queue behind it
      // nor make the engine queue behind a long verify.
      const release = await f.holdWriteLock();
      try {
        const result = await auditVerify(await f.another());
        assert.equal(result.ok, true);
        assert.equal(result.entries, 9);
      } finally {
        await release();
      }
    });
  });

describe("auth/audit chain (pure)", () => {
  it("canonical JSON sorts keys at every level", async () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } }),
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
  });

  it("an empty log with a genesis head verifies", async () => {
    assert.deepEqual(verifyChain([], { seq: 0, hash: GENESIS_HASH }), {
      ok: true,
      entries: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    });
  });

  it("a missing head record is itself tampering", async () => {
    const result = verifyChain([] as AuditEntry[], undefined);
    assert.equal(result.ok, false);
    assert.match(result.reason ?? "", /head/);
  });
});
