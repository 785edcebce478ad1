import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import {
  AUDIT_ACTIONS,
  type AuditEntry,
  AuthService,
  auditVerify,
  canonicalJson,
  GENESIS_HASH,
  SqliteAuthRepository,
  verifyChain,
} from "../../src/auth/index.js";
import { addUser, type Fixture, PASSWORD, rejectsWith, setup } from "./helpers.js";

/** What an attacker with write access to the file does first. */
function dropGuards(db: Database.Database): void {
  db.exec("DROP TRIGGER auth_audit_no_update; DROP TRIGGER auth_audit_no_delete;");
}

describe("auth/audit", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = setup({ maxFailedAttempts: 10 });
    await addUser(f, "op.smith", "operator"); // seq 1: user.add
    const { token } = await f.auth.login({ username: "op.smith", password: PASSWORD }); // 2
    await rejectsWith(
      () => f.auth.login({ username: "op.smith", password: "wrong-password-x" }),
      "AUTH_INVALID_CREDENTIALS",
    ); // 3
    const session = f.auth.authenticate(token);
    f.auth.recordAudit(session, AUDIT_ACTIONS.messageRawViewed, "message:42", { connection: "IB_TEST_ADT" }); // 4
    f.auth.recordAudit(session, AUDIT_ACTIONS.messageReplayed, "message:42"); // 5
    f.auth.recordAudit("deployer.one", AUDIT_ACTIONS.configStaged, "stage:abc", { problems: 0 }); // 6
    f.auth.recordAudit("deployer.one", AUDIT_ACTIONS.configPromoted, "version:7"); // 7
    f.auth.recordAudit("deployer.one", AUDIT_ACTIONS.configRolledBack, "version:6"); // 8
    f.auth.logout(token); // 9
  });
  afterEach(() => f.cleanup());

  it("records who did what, in order, with a linked hash on each entry", () => {
    const entries = f.auth.listAudit({ limit: 100 });
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

  it("verifies an untouched log", () => {
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, true);
    assert.equal(result.entries, 9);
    assert.equal(result.firstBad, undefined);
    assert.equal(result.head.seq, 9);
  });

  it("pages by cursor and filters by actor and action", () => {
    const page1 = f.auth.listAudit({ limit: 4 });
    const page2 = f.auth.listAudit({ limit: 4, afterSeq: page1.at(-1)?.seq });
    assert.deepEqual(
      page1.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      page2.map((e) => e.seq),
      [5, 6, 7, 8],
    );
    assert.deepEqual(
      f.auth.listAudit({ limit: 10, actor: "deployer.one" }).map((e) => e.seq),
      [6, 7, 8],
    );
    assert.deepEqual(
      f.auth.listAudit({ limit: 10, action: "config.promote" }).map((e) => e.seq),
      [7],
    );
  });

  it("the database refuses UPDATE and DELETE on the audit table", () => {
    assert.throws(() => f.db.prepare("UPDATE auth_audit SET actor = 'x' WHERE seq = 4").run(), /append-only/);
    assert.throws(() => f.db.prepare("DELETE FROM auth_audit WHERE seq = 9").run(), /append-only/);
    assert.throws(() => f.db.prepare("UPDATE auth_audit_head SET seq = 3").run(), /forward/);
    assert.throws(() => f.db.prepare("DELETE FROM auth_audit_head").run(), /cannot be deleted/);
    assert.equal(f.auth.verifyAudit().ok, true);
  });

  it("detects an edited row and names it", () => {
    dropGuards(f.db);
    f.db.prepare("UPDATE auth_audit SET actor = 'someone.else' WHERE seq = 4").run();
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad, 4);
    assert.match(result.reason ?? "", /altered/);
  });

  it("detects an edited row even when its own hash was recomputed", () => {
    dropGuards(f.db);
    const row = f.db.prepare("SELECT * FROM auth_audit WHERE seq = 5").get() as Record<string, unknown>;
    const details = canonicalJson({ note: "forged" });
    const canonical = JSON.stringify([row.seq, row.time, row.actor, row.action, row.target, details]);
    const hash = createHash("sha256")
      .update(String(row.prev_hash))
      .update("\n")
      .update(canonical)
      .digest("hex");
    f.db.prepare("UPDATE auth_audit SET details = ?, hash = ? WHERE seq = 5").run(details, hash);
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad, 6);
    assert.match(result.reason ?? "", /does not link to entry 5/);
  });

  it("detects a deleted row in the middle", () => {
    dropGuards(f.db);
    f.db.prepare("DELETE FROM auth_audit WHERE seq = 3").run();
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad, 3);
    assert.match(result.reason ?? "", /missing/);
  });

  it("detects a deleted row whose successors were renumbered to close the gap", () => {
    dropGuards(f.db);
    f.db.prepare("DELETE FROM auth_audit WHERE seq = 3").run();
    for (let seq = 4; seq <= 9; seq++)
      f.db.prepare("UPDATE auth_audit SET seq = ? WHERE seq = ?").run(seq - 1, seq);
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad, 3);
  });

  it("detects deleted rows at the end of the log", () => {
    dropGuards(f.db);
    f.db.prepare("DELETE FROM auth_audit WHERE seq >= 8").run();
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad, 8);
    assert.match(result.reason ?? "", /truncated/);
  });

  it("detects reordered rows", () => {
    dropGuards(f.db);
    f.db.exec(`
      UPDATE auth_audit SET seq = -1 WHERE seq = 6;
      UPDATE auth_audit SET seq = 6 WHERE seq = 7;
      UPDATE auth_audit SET seq = 7 WHERE seq = -1;`);
    const result = f.auth.verifyAudit();
    assert.equal(result.ok, false);
    assert.equal(result.firstBad, 6);
  });

  it("audit verify (the CLI function) works on a separately opened file", () => {
    const cli = new Database(f.file);
    try {
      assert.deepEqual(auditVerify(cli), f.auth.verifyAudit());
      dropGuards(cli);
      cli.prepare("UPDATE auth_audit SET details = '{}' WHERE seq = 2").run();
      const result = auditVerify(cli);
      assert.equal(result.ok, false);
      assert.equal(result.firstBad, 2);
    } finally {
      cli.close();
    }
  });

  it("audit verify reads without taking the write lock: it works while the engine is writing", () => {
    // The engine holds the write lock (a transaction in progress); the CLI must not queue behind it
    // nor make the engine queue behind a long verify.
    const cli = new Database(f.file, { timeout: 0 });
    f.db.exec("BEGIN IMMEDIATE");
    try {
      f.db.prepare("DELETE FROM auth_throttle").run();
      const result = auditVerify(cli);
      assert.equal(result.ok, true);
      assert.equal(result.entries, 9);
      assert.equal(new AuthService(new SqliteAuthRepository(cli)).verifyAudit().ok, true);
    } finally {
      f.db.exec("ROLLBACK");
      cli.close();
    }
  });

  it("a second connection (another process) continues the same chain", () => {
    const other = new Database(f.file);
    try {
      const auth = new AuthService(new SqliteAuthRepository(other), { now: f.clock.now });
      auth.recordAudit("engine", AUDIT_ACTIONS.keyRotated);
      f.auth.recordAudit("engine", AUDIT_ACTIONS.keyRotated);
      assert.deepEqual(auth.verifyAudit(), f.auth.verifyAudit());
      assert.equal(f.auth.verifyAudit().entries, 11);
      assert.equal(f.auth.verifyAudit().ok, true);
    } finally {
      other.close();
    }
  });
});

describe("auth/audit chain (pure)", () => {
  it("canonical JSON sorts keys at every level", () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: null } }),
      '{"a":{"c":null,"d":[2,{"x":2,"y":1}]},"b":1}',
    );
  });

  it("an empty log with a genesis head verifies", () => {
    assert.deepEqual(verifyChain([], { seq: 0, hash: GENESIS_HASH }), {
      ok: true,
      entries: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    });
  });

  it("a missing head record is itself tampering", () => {
    const result = verifyChain([] as AuditEntry[], undefined);
    assert.equal(result.ok, false);
    assert.match(result.reason ?? "", /head/);
  });
});
