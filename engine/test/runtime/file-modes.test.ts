/**
 * Files with patient data are owner-only whatever the umask: with umask 000, a real engine's
 * database, WAL and SHM are 0600, the folders it creates 0700, the config-version folder's files
 * 0600, and a file outbound's output 0600 in a 0700 folder (checked with stat).
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../src/runtime/index.js";
import { adt, openEngine, tempDir, until, writeFiles } from "./helpers.js";

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

describe("runtime: owner-only file modes", () => {
  let t: ReturnType<typeof tempDir>;
  let engine: Engine | undefined;
  let umask: number;
  beforeEach(() => {
    t = tempDir();
    // The most permissive umask: only the modes the engine asks for protect the files.
    umask = process.umask(0o000);
  });
  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    process.umask(umask);
    t.cleanup();
  });

  it("database, WAL, SHM, config versions and file outbound output are 0600 in 0700 folders", async () => {
    const config = join(t.dir, "config");
    const inbox = join(t.dir, "in");
    const outbox = join(t.dir, "out", "nested");
    writeFiles(config, {
      "files.ts": `import { file, handler, inbound, outbound, router, send } from "messagefoundry";
inbound("IB_MODE_FILE", file({ path: ${JSON.stringify(inbox)}, pattern: "*.hl7", pollMs: 50, stableMs: 0, deleteAfterRead: true }), { router: "r" });
outbound("OB_MODE_FILE", file({ path: ${JSON.stringify(outbox)}, filename: "{MSH-10}.hl7" }));
router("r", () => "h");
handler("h", (msg) => send("OB_MODE_FILE", msg));
`,
    });
    mkdirSync(inbox);
    const db = join(t.dir, "data", "engine", "engine.db");
    engine = await openEngine(config, db);
    writeFileSync(join(inbox, "m1.hl7"), adt("MODE0001"));
    const written = join(outbox, "MODE0001.hl7");
    await until(() => existsSync(written));

    assert.equal(mode(join(t.dir, "data")), "700");
    assert.equal(mode(join(t.dir, "data", "engine")), "700");
    for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(mode(f), "600", f);

    const versions = `${db}.config-versions`;
    const [hash] = readdirSync(versions).filter((n) => !n.startsWith("."));
    assert.ok(hash, "no config version folder");
    assert.equal(mode(join(versions, hash)), "700");
    assert.equal(mode(join(versions, hash, "files.ts")), "600");

    assert.equal(mode(join(t.dir, "out")), "700");
    assert.equal(mode(outbox), "700");
    assert.equal(mode(written), "600");
  });

  it("narrows a database file an older run left readable to others", async () => {
    const config = join(t.dir, "config");
    writeFiles(config, { "empty.ts": "export {};\n" });
    const db = join(t.dir, "engine.db");
    engine = await openEngine(config, db);
    await engine.stop();
    engine = undefined;
    chmodSync(db, 0o644);
    engine = await openEngine(config, db);
    assert.equal(mode(db), "600");
  });
});
