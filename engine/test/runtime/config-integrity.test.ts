/**
 * Config files at rest: a stage expires and its files are deleted (and at the next start); a
 * version's files are checked against its content hash every time they are loaded — promote,
 * rollback and boot — so files changed on disk are refused by name and the engine keeps running
 * what it ran (or, at boot, does not start and says why).
 */
import assert from "node:assert/strict";
import { appendFileSync, existsSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError } from "../../src/api/index.js";
import { type Engine, EngineStartError, engineServices } from "../../src/runtime/index.js";
import { openEngine, tempDir, writeFiles } from "./helpers.js";

const router = (name: string) =>
  `import { router } from "messagefoundry";\nrouter(${JSON.stringify(name)}, () => []);\n`;

const isCode = (code: string) => (err: unknown) => err instanceof ApiError && err.code === code;

describe("runtime: staged bundles expire, versions are verified on every load", () => {
  let t: ReturnType<typeof tempDir>;
  let engine: Engine | undefined;
  let config: string;
  let db: string;

  beforeEach(async () => {
    t = tempDir();
    config = join(t.dir, "config");
    db = join(t.dir, "engine.db");
    writeFiles(config, { "routes.ts": router("r_boot") });
    engine = await openEngine(config, db);
  });
  afterEach(async () => {
    await engine?.stop();
    t.cleanup();
  });

  const names = (e: Engine) => e.runner.registry?.graph.nodes.map((n) => n.name) ?? [];

  it("an expired stage is forgotten and its files deleted; staged files left by a previous run go at start", async () => {
    await engine?.stop();
    engine = await openEngine(config, db, { stageTtlMs: 1 });
    const api = engineServices(engine);
    const staged = await api.config.stage({ "routes.ts": router("r_two") }, "tester");
    const dir = engine.versions.stageDir(staged.stageId);
    assert.ok(existsSync(join(dir, "routes.ts")));
    await new Promise((r) => setTimeout(r, 5));
    engine.versions.sweep(); // the engine's minute timer calls this
    assert.equal(existsSync(dir), false);
    await assert.rejects(api.config.promote(staged.stageId, "tester"), isCode("STAGE_NOT_FOUND"));

    // A stage that does not expire before a restart: its files do not outlive the process's memory of it.
    await engine.stop();
    engine = await openEngine(config, db);
    const kept = await engineServices(engine).config.stage({ "routes.ts": router("r_three") }, "tester");
    const keptDir = engine.versions.stageDir(kept.stageId);
    assert.ok(existsSync(keptDir));
    await engine.stop();
    engine = await openEngine(config, db);
    assert.equal(existsSync(keptDir), false);
    assert.equal(existsSync(join(`${db}.config-versions`, ".staged")), false);
  });

  it("staged files changed after staging are refused at promote (CONFIG_TAMPERED) and the running config stays", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const staged = await api.config.stage({ "routes.ts": router("r_two") }, "tester");
    // What the sandbox checked is not what would run: code added after staging.
    appendFileSync(join(e.versions.stageDir(staged.stageId), "routes.ts"), "globalThis.x = 1;\n");
    await assert.rejects(api.config.promote(staged.stageId, "tester"), (err: unknown) => {
      assert.ok(isCode("CONFIG_TAMPERED")(err), String(err));
      assert.match((err as Error).message, new RegExp(`staged config ${staged.stageId}.*changed on disk`));
      return true;
    });
    assert.deepEqual(names(e), ["r_boot"]);
    assert.equal((await api.config.active())?.versionId, "v1");
  });

  it("a version whose files changed on disk is refused at rollback, naming it, and the running version stays", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const staged = await api.config.stage({ "routes.ts": router("r_two") }, "tester");
    await api.config.promote(staged.stageId, "tester");
    assert.deepEqual(names(e), ["r_two"]);
    const v1 = (await e.versions.history()).find((v) => v.versionId === "v1");
    assert.ok(v1);
    const v1Dir = e.versions.dirFor(v1.contentHash);

    // An added file, a link, an edited file: each is a change.
    writeFileSync(join(v1Dir, "extra.ts"), router("r_evil"));
    await assert.rejects(api.config.rollback("v1", "tester"), (err: unknown) => {
      assert.ok(isCode("CONFIG_TAMPERED")(err), String(err));
      assert.match(
        (err as Error).message,
        /^config version v1 \(content hash [0-9a-f]{64}\) was changed on disk/,
      );
      return true;
    });
    assert.deepEqual(names(e), ["r_two"]);
    assert.equal((await api.config.active())?.versionId, "v2");

    writeFileSync(join(v1Dir, "extra.ts"), "");
    await assert.rejects(api.config.rollback("v1", "tester"), isCode("CONFIG_TAMPERED"));
    rmSync(join(v1Dir, "extra.ts"));
    symlinkSync("/etc/hostname", join(v1Dir, "link.ts"));
    await assert.rejects(api.config.rollback("v1", "tester"), /link\.ts is not a regular file/);
    rmSync(join(v1Dir, "link.ts"));

    // Restored: the rollback goes through.
    const back = await api.config.rollback("v1", "tester");
    assert.equal(back.rolledBackFrom, "v1");
    assert.deepEqual(names(e), ["r_boot"]);
  });

  it("the engine does not start on a promoted version whose files changed, and says which and what to do", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const staged = await api.config.stage({ "routes.ts": router("r_two") }, "tester");
    const v2 = await api.config.promote(staged.stageId, "tester");
    await e.stop();
    engine = undefined;
    appendFileSync(join(e.versions.dirFor(v2.contentHash), "routes.ts"), "// changed\n");
    await assert.rejects(openEngine(config, db), (err: unknown) => {
      assert.ok(err instanceof EngineStartError, String(err));
      assert.match(err.message, /config version v2 \(content hash [0-9a-f]{64}\) was changed on disk/);
      assert.match(err.message, /Restore its files from a backup, or change the --config dir/);
      return true;
    });
    // The operator's way out: a changed --config dir is the newest word.
    writeFiles(config, { "routes.ts": router("r_fixed") });
    engine = await openEngine(config, db);
    assert.deepEqual(names(engine), ["r_fixed"]);
  });

  it("every file of a bundle is kept and verified, whatever its name: no false alarm on rollback", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const files = { "routes.ts": router("r_two"), "docs/notes.adoc": "= Notes\n", "data/map.yaml": "a: 1\n" };
    const staged = await api.config.stage(files, "tester");
    await api.config.promote(staged.stageId, "tester");
    await api.config.rollback("v1", "tester");
    const back = await api.config.rollback("v2", "tester");
    assert.equal(back.contentHash, staged.contentHash);
    assert.deepEqual(names(e), ["r_two"]);
  });

  it("promoting a bundle whose kept version dir was changed writes it again from the verified files", async () => {
    const e = engine as Engine;
    const api = engineServices(e);
    const v1 = await api.config.active();
    assert.ok(v1);
    appendFileSync(join(e.versions.dirFor(v1.contentHash), "routes.ts"), "// changed\n");
    const staged = await api.config.stage({ "routes.ts": router("r_boot") }, "tester");
    assert.equal(staged.contentHash, v1.contentHash);
    const again = await api.config.promote(staged.stageId, "tester");
    assert.equal(again.contentHash, v1.contentHash);
    assert.deepEqual(names(e), ["r_boot"]);
    const root = `${db}.config-versions`;
    assert.ok(
      readdirSync(root).some((n) => n.startsWith(".tampered-")),
      "the changed dir is kept aside",
    );
  });
});
