import assert from "node:assert/strict";
import Database from "better-sqlite3";
import {
  AUDIT_ACTIONS,
  AuthService,
  auditVerify,
  cliActor,
  mfaDisable,
  mfaEnroll,
  SqliteAuthRepository,
  userAdd,
  userDisable,
  userEnable,
  userList,
  userPasswd,
  userSetRole,
} from "../../src/auth/index.js";
import { CHEAP_HASH, Clock, PASSWORD, rejectsWith, tempDb, totpAt } from "./helpers.js";

describe("auth/admin (CLI functions)", () => {
  let t: ReturnType<typeof tempDb>;
  const clock = new Clock();
  const opts = { policy: { hash: CHEAP_HASH }, now: clock.now };
  const service = () => new AuthService(new SqliteAuthRepository(t.db), opts);
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it("bootstrap: the first administrator is created and enrolled from the CLI, then logs in", async () => {
    // Default (production) argon2 cost on purpose: the real bootstrap path, end to end.
    await userAdd(t.db, "admin", "administrator", PASSWORD);
    const { uri, secret } = mfaEnroll(t.db, "admin");
    assert.ok(uri.startsWith("otpauth://totp/MessageFoundry:admin?"));
    const engineDb = new Database(t.file); // the engine's own connection
    try {
      const auth = new AuthService(new SqliteAuthRepository(engineDb));
      const { session } = await auth.login({
        username: "admin",
        password: PASSWORD,
        totp: totpAt(secret, Date.now()),
      });
      assert.equal(session.role, "administrator");
      assert.equal(session.permissions.length, 9);
    } finally {
      engineDb.close();
    }
  });

  it("adds users and lists them without hashes or secrets", async () => {
    await userAdd(t.db, "op.smith", "operator", PASSWORD, opts);
    await userAdd(t.db, "Auditor.A", "auditor", PASSWORD, opts);
    mfaEnroll(t.db, "op.smith", opts);
    const list = userList(t.db, opts);
    assert.deepEqual(
      list.map((u) => [u.name, u.role, u.disabled, u.mfaEnrolled]),
      [
        ["Auditor.A", "auditor", false, false],
        ["op.smith", "operator", false, true],
      ],
    );
    const text = JSON.stringify(list);
    assert.ok(!text.includes("argon2"));
    assert.ok(!/secret|hash/i.test(Object.keys(list[0] ?? {}).join(",")));
  });

  it("refuses duplicates (case-insensitively), unknown roles, weak passwords and bad names", async () => {
    await userAdd(t.db, "op.smith", "operator", PASSWORD, opts);
    await rejectsWith(() => userAdd(t.db, "OP.SMITH", "viewer", PASSWORD, opts), "AUTH_USER_EXISTS");
    await rejectsWith(() => userAdd(t.db, "new.user", "superuser", PASSWORD, opts), "AUTH_INVALID_ROLE");
    await rejectsWith(() => userAdd(t.db, "new.user", "viewer", "short-pass", opts), "AUTH_PASSWORD_POLICY");
    await rejectsWith(() => userAdd(t.db, "new user", "viewer", PASSWORD, opts), "AUTH_INVALID_USERNAME");
    await rejectsWith(() => userAdd(t.db, "-dash", "viewer", PASSWORD, opts), "AUTH_INVALID_USERNAME");
    await assert.rejects(
      () => userAdd(t.db, "new.user", "superuser", PASSWORD, opts),
      /administrator, operator/,
    );
    assert.equal(userList(t.db, opts).length, 1);
  });

  it("changes passwords; unknown users are a clear error", async () => {
    await userAdd(t.db, "op.smith", "operator", PASSWORD, opts);
    await userPasswd(t.db, "op.smith", "a-brand-new-password", opts);
    await service().login({ username: "op.smith", password: "a-brand-new-password" });
    await rejectsWith(() => userPasswd(t.db, "op.smith", "tiny", opts), "AUTH_PASSWORD_POLICY");
    await rejectsWith(() => userPasswd(t.db, "no.such", "a-brand-new-password", opts), "AUTH_USER_NOT_FOUND");
  });

  it("disables and re-enables users; enabling also clears a lockout", async () => {
    await userAdd(t.db, "op.smith", "operator", PASSWORD, opts);
    userDisable(t.db, "op.smith", opts);
    assert.equal(userList(t.db, opts)[0]?.disabled, true);
    const auth = service();
    for (let i = 0; i < 5; i++) {
      await rejectsWith(
        () => auth.login({ username: "op.smith", password: PASSWORD }),
        "AUTH_INVALID_CREDENTIALS",
      );
    }
    await rejectsWith(() => auth.login({ username: "op.smith", password: PASSWORD }), "AUTH_ACCOUNT_LOCKED");
    userEnable(t.db, "op.smith", opts);
    await auth.login({ username: "op.smith", password: PASSWORD });
  });

  it("changes roles", async () => {
    await userAdd(t.db, "dev.one", "developer", PASSWORD, opts);
    userSetRole(t.db, "dev.one", "deployer", opts);
    assert.equal(userList(t.db, opts)[0]?.role, "deployer");
    await rejectsWith(() => userSetRole(t.db, "dev.one", "god", opts), "AUTH_INVALID_ROLE");
  });

  it("enrols and removes MFA", async () => {
    await userAdd(t.db, "viewer.one", "viewer", PASSWORD, opts);
    const { secret } = mfaEnroll(t.db, "viewer.one", opts);
    const auth = service();
    await rejectsWith(() => auth.login({ username: "viewer.one", password: PASSWORD }), "AUTH_MFA_REQUIRED");
    await auth.login({ username: "viewer.one", password: PASSWORD, totp: totpAt(secret, clock.t) });
    mfaDisable(t.db, "viewer.one", opts);
    await auth.login({ username: "viewer.one", password: PASSWORD });
    await rejectsWith(() => mfaEnroll(t.db, "no.such", opts), "AUTH_USER_NOT_FOUND");
  });

  it("audits every change with the CLI actor, and the log verifies", async () => {
    await userAdd(t.db, "op.smith", "operator", PASSWORD, opts);
    await userPasswd(t.db, "op.smith", "a-brand-new-password", { ...opts, actor: "cli:ops-team" });
    userDisable(t.db, "op.smith", opts);
    userEnable(t.db, "op.smith", opts);
    userSetRole(t.db, "op.smith", "viewer", opts);
    mfaEnroll(t.db, "op.smith", opts);
    mfaDisable(t.db, "op.smith", opts);
    const entries = service().listAudit({ limit: 100 });
    assert.deepEqual(
      entries.map((e) => [e.actor, e.action, e.target]),
      [
        [cliActor(), AUDIT_ACTIONS.userAdded, "user:op.smith"],
        ["cli:ops-team", AUDIT_ACTIONS.userPasswordChanged, "user:op.smith"],
        [cliActor(), AUDIT_ACTIONS.userDisabled, "user:op.smith"],
        [cliActor(), AUDIT_ACTIONS.userEnabled, "user:op.smith"],
        [cliActor(), AUDIT_ACTIONS.userRoleChanged, "user:op.smith"],
        [cliActor(), AUDIT_ACTIONS.mfaEnrolled, "user:op.smith"],
        [cliActor(), AUDIT_ACTIONS.mfaDisabled, "user:op.smith"],
      ],
    );
    assert.deepEqual(JSON.parse(entries[4]?.details ?? ""), { from: "operator", to: "viewer" });
    assert.match(cliActor(), /^cli(:.+)?$/);
    assert.deepEqual(auditVerify(t.db), { ok: true, entries: 7, head: { seq: 7, hash: entries[6]?.hash } });
  });
});

describe("auth/sqlite schema", () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it("lives beside other tables under an auth_ prefix with its own version table", () => {
    t.db.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, body BLOB)");
    new SqliteAuthRepository(t.db);
    new SqliteAuthRepository(t.db); // idempotent
    const tables = t.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    assert.deepEqual(tables, [
      "auth_audit",
      "auth_audit_head",
      "auth_schema_version",
      "auth_sessions",
      "auth_throttle",
      "auth_users",
      "messages",
    ]);
    assert.deepEqual(t.db.prepare("SELECT version FROM auth_schema_version").pluck().all(), [1, 2]);
  });

  it("refuses a database migrated by a newer engine", () => {
    new SqliteAuthRepository(t.db);
    t.db.prepare("INSERT INTO auth_schema_version (version, applied_at) VALUES (99, 'later')").run();
    assert.throws(
      () => new SqliteAuthRepository(t.db),
      (e: unknown) => (e as { code?: string }).code === "AUTH_SCHEMA_TOO_NEW" && /version 99/.test(String(e)),
    );
  });
});
