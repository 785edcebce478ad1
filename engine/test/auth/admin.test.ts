import assert from "node:assert/strict";
import {
  AUDIT_ACTIONS,
  AUTH_MIGRATIONS,
  AuthService,
  type AuthTarget,
  auditVerify,
  cliActor,
  mfaDisable,
  mfaEnroll,
  PERMISSIONS,
  PgAuthRepository,
  SqliteAuthRepository,
  userAdd,
  userDisable,
  userEnable,
  userList,
  userPasswd,
  userSetRole,
} from "../../src/auth/index.js";
import {
  BACKENDS,
  CHEAP_HASH,
  Clock,
  type Fixture,
  PASSWORD,
  rejectsWith,
  setup,
  tempDb,
  tempSchema,
  totpAt,
} from "./helpers.js";

for (const backend of BACKENDS)
  describe(`auth/admin (CLI functions) (${backend})`, () => {
    // The CLI's target: the SQLite file's handle (as `--db` opens it) or the PostgreSQL repository.
    let f: Fixture;
    let target: AuthTarget;
    const clock = new Clock();
    const opts = { policy: { hash: CHEAP_HASH }, now: clock.now };
    const service = () => new AuthService(f.repo, opts);
    beforeEach(async () => {
      f = await setup(backend);
      target = f.sqlite?.db ?? f.repo;
    });
    afterEach(() => f.cleanup());

    it("bootstrap: the first administrator is created and enrolled from the CLI, then logs in", async () => {
      // Default (production) argon2 cost on purpose: the real bootstrap path, end to end.
      await userAdd(target, "admin", "administrator", PASSWORD);
      const { uri, secret } = await mfaEnroll(target, "admin");
      assert.ok(uri.startsWith("otpauth://totp/MessageFoundry:admin?"));
      const auth = new AuthService(await f.another()); // the engine's own connection
      const { session } = await auth.login({
        username: "admin",
        password: PASSWORD,
        totp: totpAt(secret, Date.now()),
      });
      assert.equal(session.role, "administrator");
      assert.equal(session.permissions.length, PERMISSIONS.length);
    });

    it("adds users and lists them without hashes or secrets", async () => {
      await userAdd(target, "op.smith", "operator", PASSWORD, opts);
      await userAdd(target, "Auditor.A", "auditor", PASSWORD, opts);
      await mfaEnroll(target, "op.smith", opts);
      const list = await userList(target, opts);
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
      await userAdd(target, "op.smith", "operator", PASSWORD, opts);
      await rejectsWith(() => userAdd(target, "OP.SMITH", "viewer", PASSWORD, opts), "AUTH_USER_EXISTS");
      await rejectsWith(() => userAdd(target, "new.user", "superuser", PASSWORD, opts), "AUTH_INVALID_ROLE");
      await rejectsWith(
        () => userAdd(target, "new.user", "viewer", "short-pass", opts),
        "AUTH_PASSWORD_POLICY",
      );
      await rejectsWith(() => userAdd(target, "new user", "viewer", PASSWORD, opts), "AUTH_INVALID_USERNAME");
      await rejectsWith(() => userAdd(target, "-dash", "viewer", PASSWORD, opts), "AUTH_INVALID_USERNAME");
      await assert.rejects(
        () => userAdd(target, "new.user", "superuser", PASSWORD, opts),
        /administrator, operator/,
      );
      assert.equal((await userList(target, opts)).length, 1);
    });

    it("changes passwords; unknown users are a clear error", async () => {
      await userAdd(target, "op.smith", "operator", PASSWORD, opts);
      await userPasswd(target, "op.smith", "a-brand-new-password", opts);
      await service().login({ username: "op.smith", password: "a-brand-new-password" });
      await rejectsWith(() => userPasswd(target, "op.smith", "tiny", opts), "AUTH_PASSWORD_POLICY");
      await rejectsWith(
        () => userPasswd(target, "no.such", "a-brand-new-password", opts),
        "AUTH_USER_NOT_FOUND",
      );
    });

    it("disables and re-enables users; enabling also clears a lockout", async () => {
      await userAdd(target, "op.smith", "operator", PASSWORD, opts);
      await userDisable(target, "op.smith", opts);
      assert.equal((await userList(target, opts))[0]?.disabled, true);
      const auth = service();
      for (let i = 0; i < 5; i++) {
        await rejectsWith(
          () => auth.login({ username: "op.smith", password: PASSWORD }),
          "AUTH_INVALID_CREDENTIALS",
        );
      }
      await rejectsWith(
        () => auth.login({ username: "op.smith", password: PASSWORD }),
        "AUTH_ACCOUNT_LOCKED",
      );
      await userEnable(target, "op.smith", opts);
      await auth.login({ username: "op.smith", password: PASSWORD });
    });

    it("changes roles", async () => {
      await userAdd(target, "dev.one", "developer", PASSWORD, opts);
      await userSetRole(target, "dev.one", "deployer", opts);
      assert.equal((await userList(target, opts))[0]?.role, "deployer");
      await rejectsWith(() => userSetRole(target, "dev.one", "god", opts), "AUTH_INVALID_ROLE");
    });

    it("enrols and removes MFA", async () => {
      await userAdd(target, "viewer.one", "viewer", PASSWORD, opts);
      const { secret } = await mfaEnroll(target, "viewer.one", opts);
      const auth = service();
      await rejectsWith(
        () => auth.login({ username: "viewer.one", password: PASSWORD }),
        "AUTH_MFA_REQUIRED",
      );
      await auth.login({ username: "viewer.one", password: PASSWORD, totp: totpAt(secret, clock.t) });
      await mfaDisable(target, "viewer.one", opts);
      await auth.login({ username: "viewer.one", password: PASSWORD });
      await rejectsWith(() => mfaEnroll(target, "no.such", opts), "AUTH_USER_NOT_FOUND");
    });

    it("audits every change with the CLI actor, and the log verifies", async () => {
      await userAdd(target, "op.smith", "operator", PASSWORD, opts);
      await userPasswd(target, "op.smith", "a-brand-new-password", { ...opts, actor: "cli:ops-team" });
      await userDisable(target, "op.smith", opts);
      await userEnable(target, "op.smith", opts);
      await userSetRole(target, "op.smith", "viewer", opts);
      await mfaEnroll(target, "op.smith", opts);
      await mfaDisable(target, "op.smith", opts);
      const entries = await service().listAudit({ limit: 100 });
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
      assert.deepEqual(await auditVerify(target), {
        ok: true,
        entries: 7,
        head: { seq: 7, hash: entries[6]?.hash },
      });
    });
  });

describe("auth/sqlite schema", () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  it("lives beside other tables under an auth_ prefix with its own version table", async () => {
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
    assert.deepEqual(
      t.db.prepare("SELECT version FROM auth_schema_version").pluck().all(),
      AUTH_MIGRATIONS.sqlite.map((m) => m.version),
    );
  });

  it("refuses a database migrated by a newer engine", async () => {
    new SqliteAuthRepository(t.db);
    t.db.prepare("INSERT INTO auth_schema_version (version, applied_at) VALUES (99, 'later')").run();
    assert.throws(
      () => new SqliteAuthRepository(t.db),
      (e: unknown) => (e as { code?: string }).code === "AUTH_SCHEMA_TOO_NEW" && /version 99/.test(String(e)),
    );
  });
});

describe("auth/postgres schema", () => {
  let t: Awaited<ReturnType<typeof tempSchema>>;
  beforeEach(async () => {
    t = await tempSchema();
  });
  afterEach(() => t.drop());

  it("has the same tables and columns as SQLite, ids from a sequence owned by the column", async () => {
    await (await PgAuthRepository.open(t.conn)).close();
    await (await PgAuthRepository.open(t.conn)).close(); // idempotent
    const columns = async (db: "sqlite" | "pg", table: string): Promise<string[]> => {
      if (db === "pg") {
        const r = await t.pool.query<{ column_name: string }>(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name",
          [table],
        );
        return r.rows.map((x) => x.column_name);
      }
      const lite = tempDb();
      try {
        new SqliteAuthRepository(lite.db);
        return lite.db
          .prepare(`SELECT name FROM pragma_table_info('${table}') ORDER BY name`)
          .pluck()
          .all() as string[];
      } finally {
        lite.cleanup();
      }
    };
    for (const table of [
      "auth_users",
      "auth_sessions",
      "auth_throttle",
      "auth_audit",
      "auth_audit_head",
      "auth_schema_version",
    ])
      assert.deepEqual(await columns("pg", table), await columns("sqlite", table), table);
    const seq = await t.pool.query("SELECT pg_get_serial_sequence('auth_users', 'id') AS s");
    assert.ok(seq.rows[0]?.s);
    const versions = await t.pool.query("SELECT version FROM auth_schema_version ORDER BY version");
    assert.deepEqual(
      versions.rows.map((r) => r.version),
      AUTH_MIGRATIONS.postgres.map((m) => m.version),
    );
  });

  it("refuses a database migrated by a newer engine", async () => {
    await (await PgAuthRepository.open(t.conn)).close();
    await t.pool.query("INSERT INTO auth_schema_version (version, applied_at) VALUES (99, 'later')");
    await assert.rejects(
      () => PgAuthRepository.open(t.conn),
      (e: unknown) => (e as { code?: string }).code === "AUTH_SCHEMA_TOO_NEW" && /version 99/.test(String(e)),
    );
  });
});
