/**
 * `backup` and `restore-verify` through the CLI: a backup taken while a real engine takes MLLP
 * traffic (a sender that never pauses) is owner-only, opens on its own, holds every message ACKed
 * before it started, and verifies (schema, audit chain, decryption); a wrong key, a tampered audit
 * chain and a non-database fail; a database restored into PostgreSQL verifies through --settings.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { postgresUrl } from "@messagefoundry/test-services";
import Database from "better-sqlite3";
import { after, before, describe, it } from "mocha";
import { UserAdmin } from "../../src/auth/index.js";
import { run } from "../../src/cli/program.js";
import type { Engine } from "../../src/runtime/index.js";
import { openRuntimeStore } from "../../src/runtime/index.js";
import { aesGcmCodec, generateStoreKey, parseStoreKey } from "../../src/store/index.js";
import { CHEAP_HASH, PASSWORD, tempSchema } from "../auth/helpers.js";
import {
  adt,
  freePort,
  MllpSender,
  mllpSink,
  openEngine,
  tempDir,
  until,
  writeFiles,
} from "../runtime/helpers.js";
import { cli } from "./harness.js";

const KEY = generateStoreKey();
const ENV = { MEFOR_STORE_KEY: KEY };
const codec = () => aesGcmCodec(parseStoreKey(KEY));

function config(inPort: number, outPort: number): Record<string, string> {
  return {
    "adt.ts": `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_BK_ADT", mllp({ host: "127.0.0.1", port: ${inPort} }), { router: "bk_router" });
outbound("OB_BK_ADT", mllp({ host: "127.0.0.1", port: ${outPort} }));
router("bk_router", () => ["bk_handler"]);
handler("bk_handler", (msg) => send("OB_BK_ADT", msg));
`,
  };
}

describe("cli: backup and restore-verify", function () {
  this.timeout(60_000);
  const tmp = tempDir("mf-backup-");
  const db = join(tmp.dir, "state", "engine.db");
  let engine: Engine;
  let sink: Awaited<ReturnType<typeof mllpSink>>;
  let sender: MllpSender;

  before(async () => {
    sink = await mllpSink();
    const inPort = await freePort();
    const cfg = join(tmp.dir, "config");
    writeFiles(cfg, config(inPort, sink.port));
    engine = await openEngine(cfg, db, {
      codec: codec(),
      processEnv: ENV,
      auth: { policy: { hash: CHEAP_HASH } },
    });
    // Audit entries to verify (and, in a copy, to tamper with).
    const users = new UserAdmin(engine.authRepository, { policy: { hash: CHEAP_HASH } });
    await users.add("test-setup", "op1", "operator", PASSWORD);
    await users.add("test-setup", "op2", "viewer", PASSWORD);
    sender = await MllpSender.connect(inPort);
  });
  after(async () => {
    sender.close();
    await engine.stop();
    await sink.close();
    tmp.cleanup();
  });

  it("copies the store while messages flow; the copy is 0600, complete up to its start, and verifies", async () => {
    let acked = 0;
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        assert.equal(await sender.send(adt(`BK${acked}`)), "AA");
        acked++;
      }
    })();
    await until(() => acked >= 50);
    const ackedBefore = acked;
    const file = join(tmp.dir, "backups", "one.db");
    const r = await cli(["backup", "--to", file, "--db", db], tmp.dir, ENV);
    const ackedAfterStart = acked;
    assert.equal(r.code, 0, r.err);
    await until(() => acked >= ackedAfterStart + 20); // traffic went on through and after the copy
    stop = true;
    await traffic;

    const result = JSON.parse(r.out) as { event: string; file: string; bytes: number };
    assert.equal(result.event, "backup");
    assert.equal(result.file, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(file).size, result.bytes);
    assert.deepEqual(readdirSync(join(tmp.dir, "backups")), ["one.db"], "no partial file left behind");
    assert.ok(!existsSync(`${file}-wal`), "a single self-contained file");

    // Every message ACKed before the copy started is in it (ACK after durable commit).
    const copy = new Database(file, { readonly: true });
    const ids = new Set(copy.prepare("SELECT control_id FROM messages").pluck().all() as string[]);
    copy.close();
    for (let i = 0; i < ackedBefore; i++) assert.ok(ids.has(`BK${i}`), `BK${i} missing from the backup`);

    const v = await cli(["restore-verify", file, "--json"], tmp.dir, ENV);
    assert.equal(v.code, 0, v.out + v.err);
    const report = JSON.parse(v.out);
    assert.equal(report.ok, true);
    assert.equal(report.backend, "sqlite");
    assert.equal(report.migrated, false);
    assert.ok(report.audit.ok && report.audit.entries >= 2);
    assert.ok(report.bodies.count >= ids.size, `${report.bodies.count} bodies`);
    assert.equal(report.bodies.failed, 0);
    assert.ok(report.bodies.sampled > 0);
    // The file itself is untouched by the check (it opened a temporary copy).
    assert.equal(statSync(file).size, result.bytes);

    const again = await cli(["backup", "--to", file, "--db", db], tmp.dir, ENV);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists/);
  });

  it("shows a progress line on a terminal", async () => {
    let out = "";
    let err = "";
    const io = {
      out: (s: string) => {
        out += s;
      },
      err: (s: string) => {
        err += s;
      },
      cwd: tmp.dir,
      env: ENV,
      isTTY: true,
    };
    const file = join(tmp.dir, "backups", "tty.db");
    assert.equal(await run(["node", "messagefoundry", "backup", "--to", file, "--db", db], io), 0, err);
    assert.match(err, /\rbackup: 100% \(\d+\.\d MB of \d+\.\d MB\)/);
    assert.match(out, /^backup written: .*tty\.db \(\d+\.\d MB in \d+ ms\)\n$/);
  });

  it("fails with the wrong key, naming rows (never content)", async () => {
    const file = join(tmp.dir, "backups", "key.db");
    assert.equal((await cli(["backup", "--to", file, "--db", db], tmp.dir, ENV)).code, 0);
    const v = await cli(["restore-verify", file, "--sample", "all"], tmp.dir, {
      MEFOR_STORE_KEY: generateStoreKey(),
    });
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, /bodies: \d+ stored \(\d+ plain history texts\), \d+ decrypted, \d+ failed/);
    assert.match(v.out, /do not decrypt with the current key \(first: (messages|stage_rows|events):\d+/);
    assert.match(v.out, /restore NOT verified/);
    assert.doesNotMatch(v.out, /PATIENT|BK\d/);
  });

  it("fails on a tampered audit chain, and on a file that is no engine database", async () => {
    const file = join(tmp.dir, "backups", "tamper.db");
    assert.equal((await cli(["backup", "--to", file, "--db", db], tmp.dir, ENV)).code, 0);
    const raw = new Database(file);
    raw.exec("DROP TRIGGER auth_audit_no_update");
    raw
      .prepare("UPDATE auth_audit SET actor = 'mallory' WHERE seq = (SELECT min(seq) FROM auth_audit)")
      .run();
    raw.close();
    const v = await cli(["restore-verify", file, "--json"], tmp.dir, ENV);
    assert.equal(v.code, 1);
    const report = JSON.parse(v.out);
    assert.equal(report.audit.ok, false);
    assert.match(report.problems.join("\n"), /audit chain broken at entry 1/);

    const other = join(tmp.dir, "other.db");
    new Database(other).exec("CREATE TABLE t (x)");
    const o = await cli(["restore-verify", other], tmp.dir, ENV);
    assert.equal(o.code, 1);
    assert.match(o.out, /no store tables/);
  });

  it("refuses without a key and points PostgreSQL stores at pg_dump", async () => {
    const file = join(tmp.dir, "backups", "one.db");
    const v = await cli(["restore-verify", file], tmp.dir, {});
    assert.equal(v.code, 2);
    assert.match(v.err, /MEFOR_STORE_KEY is not set/);
    writeFiles(tmp.dir, { "pg.toml": `[store]\nbackend = "postgres"\nhost = "127.0.0.1"\nschema = "x"\n` });
    const b = await cli(["backup", "--to", join(tmp.dir, "pg.dump"), "--settings", "pg.toml"], tmp.dir, ENV);
    assert.equal(b.code, 2);
    assert.match(b.err, /pg_dump/);
  });

  it("verifies a database restored into PostgreSQL through --settings", async () => {
    const schema = await tempSchema();
    const url = new URL(postgresUrl());
    const pg = {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)) || "postgres",
      user: decodeURIComponent(url.username) || "postgres",
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      schema: schema.conn.schema as string,
    };
    // The "restored" database: a store with messages and audit entries, written by the engine's code.
    const runtime = await openRuntimeStore({ backend: "postgres", pg }, { codec: codec() });
    try {
      for (let i = 0; i < 5; i++)
        await runtime.store.enqueueIngress({
          inbound: "IB_PG",
          raw: Buffer.from(adt(`PG${i}`)),
          controlId: `PG${i}`,
          messageType: "ADT^A01",
        });
      await new UserAdmin(runtime.auth, { policy: { hash: CHEAP_HASH } }).add(
        "test-setup",
        "pgop",
        "operator",
        PASSWORD,
      );
    } finally {
      await runtime.close();
    }
    writeFiles(tmp.dir, {
      "restored.toml": `[store]
backend = "postgres"
host = "${pg.host}"
port = ${pg.port}
database = "${pg.database}"
user = "${pg.user}"
schema = "${pg.schema}"
`,
    });
    const env = { ...ENV, ...(pg.password ? { MEFOR_STORE_PASSWORD: pg.password } : {}) };
    try {
      const v = await cli(["restore-verify", "--settings", "restored.toml", "--json"], tmp.dir, env);
      assert.equal(v.code, 0, v.out + v.err);
      const report = JSON.parse(v.out);
      assert.equal(report.backend, "postgres");
      assert.ok(report.schema.store >= 1 && report.schema.auth >= 1 && report.schema.runtime >= 1);
      assert.equal(report.bodies.count, 5);
      assert.equal(report.bodies.sampled, 5);
      assert.ok(report.audit.ok && report.audit.entries >= 1);
      const bad = await cli(["restore-verify", "--settings", "restored.toml"], tmp.dir, {
        ...env,
        MEFOR_STORE_KEY: generateStoreKey(),
      });
      assert.equal(bad.code, 1);
    } finally {
      await schema.drop();
    }
  });
});
