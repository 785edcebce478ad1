/**
 * TOTP secrets at rest: sealed with the store key in `auth_users` (the raw column holds no base32
 * secret), login with TOTP works, `key rotate` re-seals them so login still works once the old key is
 * dropped, and `user mfa` on the host is the way back in (a re-enrolment needs no old secret).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import Database from "better-sqlite3";
import { UserAdmin, userAdd } from "../../src/auth/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import type { Engine } from "../../src/runtime/index.js";
import { generateStoreKey } from "../../src/store/index.js";
import { CHEAP_HASH, PASSWORD, totpAt } from "../auth/helpers.js";
import { openEngine, tempDir, writeFiles } from "./helpers.js";

function io(cwd: string, env: Record<string, string>): CliIo & { stdout: string; stderr: string } {
  const o = {
    stdout: "",
    stderr: "",
    cwd,
    env,
    out: (t: string) => {
      o.stdout += t;
    },
    err: (t: string) => {
      o.stderr += t;
    },
  };
  return o;
}

const BASE32 = /[A-Z2-7]{16,}/;

describe("runtime: TOTP secrets sealed at rest", () => {
  let t: ReturnType<typeof tempDir>;
  let config: string;
  let db: string;
  let clock: number;
  beforeEach(() => {
    t = tempDir();
    config = join(t.dir, "config");
    db = join(t.dir, "engine.db");
    // No connections: these tests are about the auth tables.
    writeFiles(config, { "empty.ts": `export {};\n` });
    clock = Date.UTC(2026, 0, 15, 9, 0, 0);
  });
  afterEach(() => t.cleanup());

  const open = (env: Record<string, string>): Promise<Engine> =>
    openEngine(config, db, {
      codec: undefined,
      processEnv: env,
      auth: { policy: { hash: CHEAP_HASH }, now: () => clock },
    });

  function rawSecret(): string {
    const raw = new Database(db, { readonly: true });
    try {
      return raw
        .prepare("SELECT mfa_secret FROM auth_users WHERE name = 'root.admin'")
        .pluck()
        .get() as string;
    } finally {
      raw.close();
    }
  }

  async function totpLogin(engine: Engine, secret: string): Promise<string> {
    clock += 30_000;
    const { session } = await engine.auth.login({
      username: "root.admin",
      password: PASSWORD,
      totp: totpAt(secret, clock),
    });
    return session.username;
  }

  it("stores no base32 secret, logs in with TOTP, and survives key rotate once the old key is dropped", async () => {
    const keyA = generateStoreKey();
    const keyB = generateStoreKey();
    let engine = await open({ MEFOR_STORE_KEY: keyA });
    let secret: string;
    try {
      const users = new UserAdmin(engine.authRepository, { policy: { hash: CHEAP_HASH }, now: () => clock });
      await users.add("test-setup", "root.admin", "administrator", PASSWORD);
      secret = (await users.enrolMfa("test-setup", "root.admin")).secret;
      const stored = rawSecret();
      assert.ok(!stored.includes(secret), "the raw column holds the secret");
      assert.doesNotMatch(stored, BASE32);
      assert.equal(await totpLogin(engine, secret), "root.admin");
    } finally {
      await engine.stop();
    }

    const before = rawSecret();
    const o = io(t.dir, { MEFOR_STORE_KEY: keyB, MEFOR_STORE_OLD_KEYS: keyA });
    assert.equal(await run(["node", "messagefoundry", "key", "rotate", "--db", db], o), 0, o.stderr);
    assert.match(o.stdout, /re-sealed 1 TOTP secrets/);
    assert.notEqual(rawSecret(), before);

    engine = await open({ MEFOR_STORE_KEY: keyB });
    try {
      assert.equal(await totpLogin(engine, secret), "root.admin");
    } finally {
      await engine.stop();
    }
  });

  it("a secret enrolled by `user mfa` without the key is sealed at the next start; re-enrolment is the way back in", async () => {
    const key = generateStoreKey();
    await (await open({ MEFOR_STORE_KEY: key })).stop();
    const handle = new Database(db);
    try {
      await userAdd(handle, "root.admin", "administrator", PASSWORD, { policy: { hash: CHEAP_HASH } });
    } finally {
      handle.close();
    }
    const mfa = async (env: Record<string, string>): Promise<{ secret: string; stderr: string }> => {
      const o = io(t.dir, env);
      assert.equal(
        await run(["node", "messagefoundry", "user", "mfa", "root.admin", "--db", db], o),
        0,
        o.stderr,
      );
      return { secret: /secret: (\S+)/.exec(o.stdout)?.[1] ?? "", stderr: o.stderr };
    };
    const first = await mfa({});
    assert.match(first.stderr, /MEFOR_STORE_KEY is not set/);
    assert.equal(rawSecret(), first.secret);

    let engine = await open({ MEFOR_STORE_KEY: key });
    try {
      assert.doesNotMatch(rawSecret(), BASE32);
      assert.equal(await totpLogin(engine, first.secret), "root.admin");
    } finally {
      await engine.stop();
    }

    // The phone is lost: the host's `user mfa` (with the key) enrols a new secret, sealed at once.
    const second = await mfa({ MEFOR_STORE_KEY: key });
    assert.equal(second.stderr, "");
    assert.doesNotMatch(rawSecret(), BASE32);
    engine = await open({ MEFOR_STORE_KEY: key });
    try {
      assert.equal(await totpLogin(engine, second.secret), "root.admin");
      clock += 30_000;
      await assert.rejects(
        engine.auth.login({ username: "root.admin", password: PASSWORD, totp: totpAt(first.secret, clock) }),
        { code: "AUTH_MFA_INVALID" },
      );
    } finally {
      await engine.stop();
    }
  });

  it("an engine whose key cannot open a secret still starts; MFA fails closed until `user mfa` re-enrols", async () => {
    const lost = generateStoreKey();
    const key = generateStoreKey();
    let engine = await open({ MEFOR_STORE_KEY: lost });
    try {
      const users = new UserAdmin(engine.authRepository, { policy: { hash: CHEAP_HASH }, now: () => clock });
      await users.add("test-setup", "root.admin", "administrator", PASSWORD);
      const old = (await users.enrolMfa("test-setup", "root.admin")).secret;
      await engine.stop();
      // The key the secret was sealed with is gone (bodies too, but the administrator must get in).
      engine = await open({ MEFOR_STORE_KEY: key });
      clock += 30_000;
      await assert.rejects(
        engine.auth.login({ username: "root.admin", password: PASSWORD, totp: totpAt(old, clock) }),
        { code: "AUTH_MFA_INVALID" },
      );
    } finally {
      await engine.stop();
    }
    const o = io(t.dir, { MEFOR_STORE_KEY: key });
    assert.equal(
      await run(["node", "messagefoundry", "user", "mfa", "root.admin", "--db", db], o),
      0,
      o.stderr,
    );
    const secret = /secret: (\S+)/.exec(o.stdout)?.[1] ?? "";
    engine = await open({ MEFOR_STORE_KEY: key });
    try {
      assert.equal(await totpLogin(engine, secret), "root.admin");
    } finally {
      await engine.stop();
    }
  });
});
