/**
 * A deployer's staged bundle is hostile until promoted: its top-level code runs (over the real HTTP
 * API, against a real engine) in a child process that holds no secrets and may not read the store,
 * write files or start processes. Whatever it tries comes back as a bounded problem, never as data
 * it should not have.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "mocha";
import { type Harness, startApi } from "./helpers.js";

const STORE_KEY = "c3RvcmUta2V5LXN0b3JlLWtleS1zdG9yZS1rZXktMzI=";

/** The engine's own process environment as the kernel keeps it (what /proc/self/environ shows). */
function realEnviron(): string[] {
  return readFileSync("/proc/self/environ", "latin1")
    .split("\0")
    .filter((e) => e.length >= 8);
}

describe("api/config: staged code runs without the engine's secrets", () => {
  let h: Harness;
  let deployer: string;
  before(async () => {
    h = await startApi({
      boot: { "empty.ts": "export {};\n" },
      processEnv: { MEFOR_STORE_KEY: STORE_KEY, MEFOR_VALUE_TEST_HOST: "h" },
    });
    deployer = await h.login("deployer");
  });
  after(() => h.close());

  async function stage(code: string) {
    const res = await h.call("POST", "/config/stage", {
      token: deployer,
      body: { files: { "index.ts": code } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    assert.equal(res.body.hasErrors, true);
    return { text: JSON.stringify(res.body), first: String(res.body.problems[0]?.message ?? "") };
  }

  it("reading /proc/self/environ at top level returns none of the engine's environment", async () => {
    const { text, first } = await stage(
      "throw new Error(require('node:fs').readFileSync('/proc/self/environ','latin1'));\n",
    );
    const environ = realEnviron();
    assert.ok(environ.length > 0, "the engine process has an environment to leak");
    // The entries are not printed on failure: they are this machine's environment.
    const leaked = environ.filter((entry) => text.includes(JSON.stringify(entry).slice(1, -1)));
    assert.equal(leaked.length, 0, `${leaked.length} environment entries came back in the stage answer`);
    assert.ok(!text.includes(STORE_KEY));
    assert.match(first, /Access to this API has been restricted/);
  });

  it("the database file cannot be read", async () => {
    const db = join(h.dir, "engine.db");
    assert.ok(existsSync(db));
    const { first } = await stage(
      `const b = require('node:fs').readFileSync(${JSON.stringify(db)});\nthrow new Error('READ ' + b.length);\n`,
    );
    assert.doesNotMatch(first, /READ \d+/);
    assert.match(first, /Access to this API has been restricted/);
  });

  it("no file can be written", async () => {
    const target = join(h.dir, "written-by-config.txt");
    const { first } = await stage(
      `require('node:fs').writeFileSync(${JSON.stringify(target)}, 'x');\nthrow new Error('WROTE');\n`,
    );
    assert.equal(existsSync(target), false);
    assert.doesNotMatch(first, /WROTE/);
    assert.match(first, /Access to this API has been restricted/);
  });

  it("no process can be started", async () => {
    const { first } = await stage(
      "const r = require('node:child_process').spawnSync('/bin/sh', ['-c', 'echo SPAWNED']);\nthrow new Error(String(r.stdout));\n",
    );
    assert.doesNotMatch(first, /SPAWNED/);
    assert.match(first, /Access to this API has been restricted/);
  });
});
