/** Loading uploaded config in a worker: same answer as loadConfig, no secrets, no frozen engine. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { loadConfigIsolated, scrubEnv } from "../../src/config/isolated-load.js";
import { cleanupConfigs, writeConfig } from "./helpers.js";

const IMPORTS = `import { env, handler, inbound, mllp, outbound, router, send } from "messagefoundry";\n`;

const GOOD = {
  "noise.ts": `console.log("MF-NOISE-MARKER");\nconsole.error("MF-NOISE-MARKER");\n`,
  "broken.ts": `${IMPORTS}inbound("IB_TEST_BAD", mllp({ port: 2601 }), { router: "nope" });\n`,
  "adt.ts": `${IMPORTS}inbound("IB_TEST_ADT", mllp({ port: 2600 }), { router: "test_router" });
outbound("OB_TEST_ADT", mllp({ host: env("test_host"), port: 2700 }));
router("test_router", () => ["test_handler"]);
handler("test_handler", (msg) => send("OB_TEST_ADT", msg));
`,
  "environments/prod.toml": `test_host = "file.example"\n`,
};

/** Config code that reports the environment it sees through the one channel it has: a load error. */
const SPY = { "spy.ts": `throw new Error("ENV=" + JSON.stringify(process.env));\n` };

const SECRETS = {
  MEFOR_STORE_KEY: "c3RvcmUta2V5LXN0b3JlLWtleS1zdG9yZS1rZXktMzI=",
  MEFOR_STORE_OLD_KEYS: "b2xkLWtleQ==",
  GITHUB_TOKEN: "ghp_TESTTOKEN",
  PGPASSWORD: "pg-secret",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
};

function seenEnv(problems: { code: string; message: string }[]): Record<string, string> {
  const p = problems.find((x) => x.code === "MF-LOAD-EXEC");
  assert.ok(p, JSON.stringify(problems));
  const m = /ENV=(\{.*\})/.exec(p.message);
  assert.ok(m?.[1], p.message);
  return JSON.parse(m[1]) as Record<string, string>;
}

describe("config/isolated-load", () => {
  after(cleanupConfigs);

  it("answers what loadConfig answers (graph, positioned problems, hasErrors) and nothing callable", async () => {
    const dir = writeConfig(GOOD);
    const processEnv = { MEFOR_VALUE_TEST_HOST: "override.example" };
    const written: string[] = [];
    const out = process.stdout.write;
    const err = process.stderr.write;
    const capture = (chunk: unknown): boolean => {
      written.push(String(chunk));
      return true;
    };
    process.stdout.write = capture as typeof out;
    process.stderr.write = capture as typeof err;
    let isolated: Awaited<ReturnType<typeof loadConfigIsolated>>;
    try {
      isolated = await loadConfigIsolated(dir, { env: "prod", processEnv });
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    assert.ok(!written.join("").includes("MF-NOISE-MARKER"), "config output stays out of the engine's log");
    const direct = await loadConfig(dir, { env: "prod", processEnv });
    assert.deepEqual(Object.keys(isolated).sort(), ["graph", "hasErrors", "problems"]);
    assert.deepEqual(isolated.graph, direct.graph);
    assert.deepEqual(isolated.problems, direct.problems);
    assert.equal(isolated.hasErrors, true);
    assert.equal(isolated.problems.find((x) => x.code === "MF-UNKNOWN-ROUTER")?.location.file, "broken.ts");
  });

  it("config code sees no store keys or credentials, but does see MEFOR_VALUE_* overrides", async () => {
    const dir = writeConfig(SPY);
    const r = await loadConfigIsolated(dir, {
      processEnv: { ...SECRETS, MEFOR_VALUE_ACME_TOKEN: "for-env()", LANG: "C.UTF-8" },
    });
    const seen = seenEnv(r.problems);
    for (const name of Object.keys(SECRETS)) assert.equal(seen[name], undefined, name);
    assert.equal(seen.MEFOR_VALUE_ACME_TOKEN, "for-env()");
    assert.equal(seen.LANG, "C.UTF-8");
    const text = JSON.stringify(r);
    for (const value of Object.values(SECRETS)) assert.ok(!text.includes(value), value);
  });

  it("by default scrubs the engine's own process.env", async () => {
    const before = process.env.MEFOR_STORE_KEY;
    process.env.MEFOR_STORE_KEY = SECRETS.MEFOR_STORE_KEY;
    try {
      const r = await loadConfigIsolated(writeConfig(SPY));
      const seen = seenEnv(r.problems);
      assert.equal(seen.MEFOR_STORE_KEY, undefined);
      assert.ok(!JSON.stringify(r).includes(SECRETS.MEFOR_STORE_KEY));
    } finally {
      if (before === undefined) delete process.env.MEFOR_STORE_KEY;
      else process.env.MEFOR_STORE_KEY = before;
    }
  });

  it("an endless loop at load time is terminated (MF-LOAD-TIMEOUT) while this thread keeps running", async () => {
    const dir = writeConfig({ "spin.ts": `${IMPORTS}router("r_spin", () => []);\nwhile (true) {}\n` });
    let ticked = false;
    const tick = setTimeout(() => {
      ticked = true;
    }, 10);
    const r = await loadConfigIsolated(dir, { processEnv: {}, timeoutMs: 1000 });
    clearTimeout(tick);
    assert.equal(ticked, true, "this thread's timers ran during the load");
    assert.equal(r.hasErrors, true);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.message]),
      [["MF-LOAD-TIMEOUT", "config did not finish loading within 1 s"]],
    );
    assert.deepEqual(r.graph.nodes, []);
  });

  it("a config that exhausts its heap is stopped (MF-LOAD-LIMIT)", async () => {
    const dir = writeConfig({
      "hog.ts": `const hog: unknown[] = [];\nfor (;;) hog.push(new Array(1e5).fill(hog.length));\n`,
    });
    const r = await loadConfigIsolated(dir, {
      processEnv: {},
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    assert.equal(r.hasErrors, true);
    assert.equal(r.problems[0]?.code, "MF-LOAD-LIMIT");
    assert.match(r.problems[0]?.message ?? "", /memory limit \(64 MB heap\)/);
  });

  it("globals set by config code stay in the worker; process.exit() only ends the load", async () => {
    const g = globalThis as { __mfPwned?: number };
    const dir = writeConfig({ "g.ts": `(globalThis as any).__mfPwned = 1;\nprocess.exit(0);\n` });
    const r = await loadConfigIsolated(dir, { processEnv: {} });
    assert.equal(g.__mfPwned, undefined);
    assert.equal(r.problems[0]?.code, "MF-LOAD-EXEC");
    assert.match(r.problems[0]?.message ?? "", /exit code 0/);
  });

  it("rejects, like loadConfig, when the dir does not exist", async () => {
    await assert.rejects(
      loadConfigIsolated(join(writeConfig({}), "missing"), { processEnv: {} }),
      /config dir not found/,
    );
  });

  it("scrubEnv keeps MEFOR_VALUE_* and ordinary variables, drops keys and credentials", () => {
    assert.deepEqual(
      scrubEnv({
        ...SECRETS,
        MEFOR_DB: "/var/lib/mf/store.db",
        api_key: "x",
        SESSION_SECRET: "x",
        MEFOR_VALUE_DB_PASSWORD: "for-env()",
        PATH: "/usr/bin",
        TZ: "UTC",
        UNSET: undefined,
      }),
      { MEFOR_VALUE_DB_PASSWORD: "for-env()", PATH: "/usr/bin", TZ: "UTC" },
    );
  });
});
