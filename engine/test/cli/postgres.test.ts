/**
 * The product on PostgreSQL through its CLI: `serve --settings engine.toml` as a real child process
 * (its API answers, an MLLP message is ACKed and delivered, SIGTERM stops it), `user add` + login
 * against it, `audit verify` and `key rotate` on the same database, and settings-file errors.
 * The machine's real PostgreSQL, a fresh schema per test.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { generateStoreKey } from "../../src/store/index.js";
import { tempSchema } from "../auth/helpers.js";
import { adt, freePort, MllpSender, mllpSink, tempDir, until, writeFiles } from "../runtime/helpers.js";
import { http, NODE_ARGS, ROOT, settingsToml } from "../support/serve-process.js";
import { cli } from "./harness.js";

const PASSWORD = "correct horse battery staple";

describe("cli: the engine on PostgreSQL (serve, user, audit, key with --settings)", () => {
  let t: ReturnType<typeof tempDir>;
  let pg: Awaited<ReturnType<typeof tempSchema>>;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    t = tempDir();
    pg = await tempSchema();
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    child = undefined;
    await pg.drop();
    t.cleanup();
  });

  it("serve --settings runs on PostgreSQL: API, MLLP ACK and delivery, users, audit verify, key rotate", async () => {
    const sink = await mllpSink();
    const inPort = await freePort();
    const apiPort = await freePort();
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": `import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_PG_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "r" });
outbound("OB_PG_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int") }));
router("r", () => "h");
handler("h", (msg) => send("OB_PG_SINK", msg));
`,
      "environments/test.toml": `in_port = ${inPort}\nsink_port = ${sink.port}\n`,
    });
    const { toml, env: pgEnv } = settingsToml(String(pg.conn.schema), apiPort);
    const settings = join(t.dir, "engine.toml");
    writeFiles(t.dir, { "engine.toml": toml });
    const oldKey = generateStoreKey();
    const env = {
      PATH: process.env.PATH ?? "",
      MEFOR_STORE_KEY: oldKey,
      MEFOR_CONFIG_KEY: randomBytes(32).toString("base64"),
      ...pgEnv,
    };

    // The first user, made before the first start, straight into the PostgreSQL store.
    const add = spawnSync(
      process.execPath,
      [...NODE_ARGS, "user", "add", "alice", "--role", "operator", "--settings", settings],
      { cwd: ROOT, input: `${PASSWORD}\n`, encoding: "utf8", env },
    );
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /added alice \(operator\)/);

    child = spawn(
      process.execPath,
      [...NODE_ARGS, "serve", "--config", config, "--env", "test", "--settings", settings],
      {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    const collect = (c: Buffer) => {
      out += c.toString();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    await new Promise<void>((resolve, reject) => {
      child?.stdout?.on("data", () => (out.includes('"event":"ready"') ? resolve() : undefined));
      child?.once("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
    });
    assert.match(out, /"backend":"postgres"/);
    assert.doesNotMatch(out, /MEFOR_STORE_PASSWORD|password/i);

    assert.equal((await http(apiPort, "GET", "/health")).status, 200);
    const login = await http(apiPort, "POST", "/auth/login", { username: "alice", password: PASSWORD });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(typeof login.body.token, "string");

    const sender = await MllpSender.connect(inPort);
    assert.equal(await sender.send(adt("PGCLI1")), "AA");
    assert.equal(await sender.send(adt("PGCLI2")), "AA");
    sender.close();
    await until(() => sink.received.length === 2);
    await sink.close();

    const exited = new Promise<number | null>((r) => child?.once("exit", r));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);

    // The audit chain in PostgreSQL verifies (user add, the login) …
    let r = await cli(["audit", "verify", "--settings", settings], t.dir, env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /audit log intact: [2-9]\d* entries/);
    r = await cli(["user", "list", "--settings", settings, "--json"], t.dir, env);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { name: string; lastLoginAt: number | null }[])[0]?.name, "alice");

    // … key rotate re-encrypts the stored bodies under a new key …
    const newKey = generateStoreKey();
    r = await cli(["key", "rotate", "--settings", settings], t.dir, {
      ...env,
      MEFOR_STORE_KEY: newKey,
      MEFOR_STORE_OLD_KEYS: oldKey,
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /re-encrypted [1-9]\d* bodies/);
    const raw = await pg.pool.query<{ raw: Buffer }>("SELECT raw FROM messages");
    assert.equal(raw.rows.length, 2);
    assert.ok(raw.rows.every((row) => !row.raw.includes("TEST^PATIENT")));

    // … and an edit behind the engine's back breaks the chain.
    await pg.pool.query("DROP TRIGGER auth_audit_no_change ON auth_audit");
    await pg.pool.query("UPDATE auth_audit SET actor = 'mallory' WHERE seq = 1");
    r = await cli(["audit", "verify", "--settings", settings], t.dir, env);
    assert.equal(r.code, 1);
    assert.match(r.out, /BROKEN at entry 1/);
  });

  it("settings-file errors stop serve with file, line and the fix; a password key is refused; flags override [api]", async () => {
    writeFiles(join(t.dir, "config"), { "empty.ts": "export {};\n" });
    writeFiles(t.dir, {
      "typo.toml": '[store]\nbackend = "postgres"\nhots = "db.example.test"\n',
      "secret.toml": '[store]\nbackend = "postgres"\npassword = "hunter2-xyz"\n',
    });
    let r = await cli(["serve", "--config", "config", "--settings", "typo.toml"], t.dir, {});
    assert.notEqual(r.code, 0);
    assert.match(r.err, /typo\.toml:3: unknown key "hots" in \[store\]/);
    r = await cli(["user", "list", "--settings", "secret.toml"], t.dir, {});
    assert.notEqual(r.code, 0);
    assert.match(
      r.err,
      /secret\.toml:3: a password does not belong in the settings file — remove it and set MEFOR_STORE_PASSWORD/,
    );
    assert.doesNotMatch(r.err, /hunter2/);
    // [api] is read from the file, and a flag wins over it (both checked before anything starts).
    writeFiles(t.dir, {
      "api.toml": '[api]\nhost = "0.0.0.0"\n',
      "local.toml": '[api]\nhost = "127.0.0.1"\n',
    });
    r = await cli(["serve", "--config", "config", "--db", "e.db", "--settings", "api.toml"], t.dir, {});
    assert.notEqual(r.code, 0);
    assert.match(r.err, /binding 0\.0\.0\.0 exposes the API/);
    r = await cli(
      ["serve", "--config", "config", "--db", "e.db", "--settings", "local.toml", "--api-host", "0.0.0.0"],
      t.dir,
      {},
    );
    assert.match(r.err, /binding 0\.0\.0\.0 exposes the API/);
    r = await cli(["audit", "verify"], t.dir, {});
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--db <file> \(SQLite\) or --settings <engine\.toml>/);
  });
});
