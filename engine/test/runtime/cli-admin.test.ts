/**
 * The admin subcommands against a real database file: `user add` (password on stdin, as a child
 * process), `user list|disable|enable|mfa`, `audit verify` (detecting an edit), `key generate|rotate`,
 * and `send` against a running engine.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { parseStoreKey } from "../../src/store/index.js";
import { adt, freePort, mllpSink, openEngine, tempDir, writeFiles } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

function io(cwd: string, env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
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

const cli = (i: CliIo, ...args: string[]) => run(["node", "messagefoundry", ...args], i);

describe("runtime: admin CLI (user, audit, key, send)", () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  it("bootstraps a user from stdin, manages it, and verifies the audit chain", async () => {
    const db = join(t.dir, "engine.db");
    const add = spawnSync(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        MAIN,
        "user",
        "add",
        "alice",
        "--role",
        "operator",
        "--db",
        db,
      ],
      { cwd: ROOT, input: "correct horse battery staple\n", encoding: "utf8" },
    );
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /added alice \(operator\)/);

    let o = io(t.dir);
    assert.equal(await cli(o, "user", "list", "--db", db), 0);
    assert.match(o.stdout, /^alice\toperator\n/m);
    assert.equal(await cli(io(t.dir), "user", "disable", "alice", "--db", db), 0);
    o = io(t.dir);
    assert.equal(await cli(o, "user", "list", "--json", "--db", db), 0);
    assert.equal((JSON.parse(o.stdout) as { disabled: boolean }[])[0]?.disabled, true);
    o = io(t.dir);
    assert.equal(await cli(o, "user", "mfa", "alice", "--db", db), 0);
    assert.match(o.stdout, /^otpauth:\/\/totp\//);
    o = io(t.dir);
    assert.equal(await cli(o, "user", "disable", "nobody", "--db", db), 1);
    assert.match(o.stderr, /USER_NOT_FOUND/);

    o = io(t.dir);
    assert.equal(await cli(o, "audit", "verify", "--db", db), 0);
    assert.match(o.stdout, /audit log intact: [1-9]\d* entries/);
    // Tamper with the log behind the engine's back: verify must notice.
    const raw = new Database(db);
    const triggers = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'auth_audit'")
      .all() as { name: string }[];
    for (const tr of triggers) raw.exec(`DROP TRIGGER ${tr.name}`);
    raw
      .prepare("UPDATE auth_audit SET actor = 'mallory' WHERE seq = (SELECT MIN(seq) FROM auth_audit)")
      .run();
    raw.close();
    o = io(t.dir);
    assert.equal(await cli(o, "audit", "verify", "--db", db), 1);
    assert.match(o.stdout, /BROKEN/);
  });

  it("generates a key, and rotates stored bodies onto it", async () => {
    let o = io(t.dir);
    assert.equal(await cli(o, "key", "generate"), 0);
    const key = o.stdout.trim();
    assert.equal(parseStoreKey(key).key.length, 32);

    // Messages stored by an insecure development run become encrypted under the new key.
    const sink = await mllpSink();
    const inPort = await freePort();
    const config = join(t.dir, "config");
    writeFiles(config, {
      "routes.ts": `import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_KEY_ADT", mllp({ host: "127.0.0.1", port: env("in_port", "int") }), { router: "r" });
outbound("OB_KEY_SINK", mllp({ host: "127.0.0.1", port: env("sink_port", "int") }));
router("r", () => "h");
handler("h", (msg) => send("OB_KEY_SINK", msg));
`,
      "environments/test.toml": `in_port = ${inPort}\nsink_port = ${sink.port}\n`,
      "msgs.hl7": `${adt("K1")}\r\n${adt("K2")}\r\n`,
    });
    const db = join(t.dir, "engine.db");
    const engine = await openEngine(config, db);
    try {
      o = io(t.dir);
      assert.equal(await cli(o, "send", "--port", String(inPort), join(config, "msgs.hl7")), 0);
      assert.match(o.stdout, /K1\tAA/);
      assert.match(o.stdout, /"accepted":2,/);
    } finally {
      await engine.stop();
      await sink.close();
    }
    o = io(t.dir, { MEFOR_STORE_KEY: key });
    assert.equal(await cli(o, "key", "rotate", "--db", db), 0);
    assert.match(o.stdout, /re-encrypted [1-9]\d* bodies/);
    const bytes = new Database(db, { readonly: true });
    const bodies = bytes.prepare("SELECT raw FROM messages").all() as { raw: Buffer }[];
    bytes.close();
    assert.ok(bodies.length === 2 && bodies.every((b) => !b.raw.includes("TEST^PATIENT")));
  });
});
