/**
 * Loading uploaded config in a sandboxed child process: the same answer as loadConfig, and none of
 * the engine's secrets, files, processes or network; a frozen or greedy config is stopped.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { loadConfigIsolated } from "../../src/config/isolated-load.js";
import { confinementHere } from "../../src/config/sandbox.js";
import { MAX_PROBLEMS, MAX_TEXT_CHARS } from "../../src/config/sandbox-answer.js";
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

  it("config code runs with an empty environment: no store keys, no credentials, no MEFOR_VALUE_*", async () => {
    const before = process.env.MEFOR_STORE_KEY;
    process.env.MEFOR_STORE_KEY = SECRETS.MEFOR_STORE_KEY;
    try {
      const r = await loadConfigIsolated(writeConfig(SPY), {
        processEnv: { ...SECRETS, MEFOR_VALUE_ACME_TOKEN: "for-env()", LANG: "C.UTF-8" },
      });
      assert.deepEqual(seenEnv(r.problems), {});
      const text = JSON.stringify(r);
      for (const value of Object.values(SECRETS)) assert.ok(!text.includes(value), value);
    } finally {
      if (before === undefined) delete process.env.MEFOR_STORE_KEY;
      else process.env.MEFOR_STORE_KEY = before;
    }
  });

  it("env() still resolves MEFOR_VALUE_* overrides: the engine resolves them, not the child", async () => {
    const dir = writeConfig({
      "adt.ts": `${IMPORTS}outbound("OB_TEST_ADT", mllp({ host: env("test_host"), port: 2700 }));\n`,
      "environments/prod.toml": `test_host = "file.example"\n`,
    });
    const processEnv = { MEFOR_VALUE_TEST_HOST: "" };
    const isolated = await loadConfigIsolated(dir, { env: "prod", processEnv });
    const direct = await loadConfig(dir, { env: "prod", processEnv });
    assert.ok(direct.problems.length > 0, "the empty override is reported");
    assert.deepEqual(isolated.problems, direct.problems);
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
    const r = await loadConfigIsolated(dir, { processEnv: {}, heapMb: 64 });
    assert.equal(r.hasErrors, true);
    assert.equal(r.problems[0]?.code, "MF-LOAD-LIMIT");
    assert.match(r.problems[0]?.message ?? "", /memory limit \(64 MB heap\)/);
  });

  it("globals set by config code stay in the child; process.exit() only ends the load", async () => {
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

  it("reads outside the config dir, writes, child processes and workers are refused", async () => {
    const outside = writeConfig({ "secret.txt": "OUTSIDE-SECRET" });
    const target = join(outside, "written.txt");
    const attempts: Record<string, string> = {
      environ: "require('node:fs').readFileSync('/proc/self/environ', 'latin1')",
      outside: `require('node:fs').readFileSync(${JSON.stringify(join(outside, "secret.txt"))}, 'utf8')`,
      write: `require('node:fs').writeFileSync(${JSON.stringify(target)}, 'x')`,
      spawn: "String(require('node:child_process').execFileSync('/bin/echo', ['SPAWNED']))",
      worker: "new (require('node:worker_threads').Worker)('1', { eval: true })",
    };
    const probes = Object.entries(attempts)
      .map(
        ([what, code]) =>
          `try { const v = ${code}; out.push("${what}=ALLOWED " + String(v).slice(0, 40)); } catch (e) { out.push("${what}=" + (e as any).code); }`,
      )
      .join("\n");
    const dir = writeConfig({
      "probe.ts": `const out: string[] = [];\n${probes}\nthrow new Error(out.join(";"));\n`,
    });
    const r = await loadConfigIsolated(dir, { processEnv: {} });
    assert.deepEqual(
      r.problems.map((p) => p.message),
      [
        "config threw while loading: environ=ERR_ACCESS_DENIED;outside=ERR_ACCESS_DENIED;write=ERR_ACCESS_DENIED;spawn=ERR_ACCESS_DENIED;worker=ERR_ACCESS_DENIED",
      ],
    );
    assert.equal(existsSync(target), false);
  });

  it("the config dir itself stays readable (code sets, helper data)", async () => {
    const dir = writeConfig({
      "codesets/sex.csv": "code,value\nF,female\n",
      "read.ts": `${IMPORTS}import { codeSet } from "messagefoundry";\nconst cs = codeSet("sex");\nthrow new Error("CODESET " + JSON.stringify(cs.map("F")));\n`,
    });
    const r = await loadConfigIsolated(dir, { processEnv: {} });
    const direct = await loadConfig(dir, { processEnv: {} });
    assert.deepEqual(r.problems, direct.problems);
    assert.match(r.problems[0]?.message ?? "", /CODESET "female"/);
  });

  it("the child has no network where Linux gives it a namespace of its own (and the engine warns where not)", async () => {
    const warnings: string[] = [];
    const prefix = (await confinementHere({ warn: (_o, msg) => warnings.push(msg) })).namespaces;
    let accepted = 0;
    const server = net.createServer((s) => {
      accepted++;
      s.end();
    });
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as net.AddressInfo).port;
    try {
      // The load answers as soon as top-level code returns; the config keeps its process alive (by
      // disarming exit) to connect, and reports through its exit code: 7 connected, 0 refused.
      const dir = writeConfig({
        "net.ts": `const p = process as any;
const really = p.reallyExit.bind(p);
p.reallyExit = () => undefined;
const s = require("node:net").connect(${port}, "127.0.0.1");
s.on("connect", () => really(7));
s.on("error", () => really(0));
`,
      });
      const r = await loadConfigIsolated(dir, { processEnv: {}, timeoutMs: 10_000 });
      if (process.platform === "linux" && prefix) {
        assert.deepEqual(r.problems, []);
        assert.equal(accepted, 0);
      } else {
        // No namespace here: said in the engine log and in docs/SECURITY.md.
        assert.match(r.problems[0]?.message ?? "", /exit code 7/);
        assert.match(warnings.join("\n"), /WITHOUT a network namespace/);
      }
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  it("the engine's processes are out of the child's sight and reach (PID namespace, where Linux allows)", async () => {
    const here = await confinementHere();
    const dir = writeConfig({
      "kill.ts": `let seen = "ALIVE";\ntry { process.kill(${process.pid}, 0); } catch (e: any) { seen = e.code; }\nthrow new Error("SIGNAL " + seen + " PPID " + process.ppid);\n`,
    });
    const r = await loadConfigIsolated(dir, { processEnv: {} });
    if (here.namespaces)
      assert.equal(r.problems[0]?.message, "config threw while loading: SIGNAL ESRCH PPID 0");
    else assert.match(r.problems[0]?.message ?? "", /SIGNAL ALIVE/);
  });

  it("memory outside the JS heap (Buffers) is capped too, where prlimit is available", async () => {
    const here = await confinementHere();
    // 3 GB of zeroed Buffers: address space the cap refuses (heap 64 MB + 1 GB); without the cap the
    // pages are never touched, so the fallback costs no real memory.
    const dir = writeConfig({
      "buffers.ts": `const keep: Buffer[] = [];\nfor (let i = 0; i < 30; i++) keep.push(Buffer.alloc(1e8));\nthrow new Error("ALLOCATED " + keep.length * 100 + " MB");\n`,
    });
    const r = await loadConfigIsolated(dir, { processEnv: {}, heapMb: 64, timeoutMs: 20_000 });
    assert.equal(r.hasErrors, true);
    if (here.prlimit) assert.match(r.problems[0]?.message ?? "", /allocation failed|memory limit/i);
    else assert.match(r.problems[0]?.message ?? "", /ALLOCATED 3000 MB/);
  });

  it("an answer forged by config code is refused, not trusted", async () => {
    const dir = writeConfig({
      "forge.ts": `require("node:fs").writeSync(3, JSON.stringify({ declarations: { connections: [{ kind: "evil" }], functions: [], envUses: [], problems: [] } }));\nprocess.exit(0);\n`,
    });
    const r = await loadConfigIsolated(dir, { processEnv: {} });
    assert.equal(r.hasErrors, true);
    assert.deepEqual(r.graph.nodes, []);
    assert.match(r.problems[0]?.message ?? "", /not a config load/);
  });

  it("texts that come back are bounded, and so is the number of problems", async () => {
    const long = writeConfig({ "long.ts": `throw new Error("x".repeat(100000));\n` });
    const r = await loadConfigIsolated(long, { processEnv: {} });
    const message = r.problems[0]?.message ?? "";
    assert.ok(message.length < MAX_TEXT_CHARS + 100, String(message.length));
    assert.match(message, /… \[truncated: \d+ more characters\]$/);

    const many = writeConfig({
      "many.ts": `${IMPORTS}for (let i = 0; i < 500; i++) inbound("IB_TEST_" + i, mllp({ port: 2600 }), { router: "nope" });\n`,
    });
    const m = await loadConfigIsolated(many, { processEnv: {} });
    assert.equal(m.problems.length, MAX_PROBLEMS);
    assert.match(m.problems.at(-1)?.message ?? "", /more problems not shown \(truncated at 200\)/);
  });
});
