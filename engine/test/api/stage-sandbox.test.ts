/**
 * A deployer's staged bundle is hostile until promoted: its top-level code runs (over the real HTTP
 * API, against a real engine) in a child process that holds no secrets and may not read the store,
 * write files or start processes. Whatever it tries comes back as a bounded problem, never as data
 * it should not have.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "mocha";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { totpAt } from "../auth/helpers.js";
import { freePort, type Harness, PASSWORD, startApi, writeFiles } from "./helpers.js";

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

/**
 * The attack as reported, end to end: `messagefoundry serve` as its own process, started with
 * MEFOR_STORE_KEY in its environment (as an operator would), a deployer with MFA, and a staged
 * index.ts that throws the contents of /proc/self/environ.
 */
describe("api/config: a real `serve` process started with MEFOR_STORE_KEY", () => {
  const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
  const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
  const key = randomBytes(32).toString("base64");
  let dir: string;
  let server: ChildProcess | undefined;
  let base: string;
  let secret: string;

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), "mf-serve-"));
    const db = join(dir, "engine.db");
    writeFiles(join(dir, "config"), { "empty.ts": "export {};\n" });
    const add = spawnSync(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        MAIN,
        "user",
        "add",
        "release",
        "--role",
        "deployer",
        "--db",
        db,
      ],
      { cwd: ROOT, input: `${PASSWORD}\n`, encoding: "utf8" },
    );
    assert.equal(add.status, 0, add.stderr);
    let out = "";
    const io: CliIo = { out: (t) => (out += t), err: () => undefined, cwd: dir, env: {} };
    assert.equal(await run(["node", "messagefoundry", "user", "mfa", "release", "--db", db], io), 0);
    secret = /secret: ([A-Z2-7]+)/.exec(out)?.[1] ?? "";
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        "tsx",
        MAIN,
        "serve",
        "--config",
        join(dir, "config"),
        "--db",
        db,
        "--api-port",
        String(port),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", MEFOR_STORE_KEY: key },
        stdio: "ignore",
      },
    );
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 400) throw new Error("serve did not answer /health");
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the staged escape does not return the key, or any of the engine's environment", async () => {
    const login = await fetch(`${base}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "release", password: PASSWORD, totp: totpAt(secret, Date.now()) }),
    });
    assert.equal(login.status, 200);
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(`${base}/config/stage`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        files: {
          "index.ts": "throw new Error(require('node:fs').readFileSync('/proc/self/environ','latin1'));\n",
        },
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { hasErrors: boolean; problems: { message: string }[] };
    const text = JSON.stringify(body);
    assert.equal(body.hasErrors, true);
    assert.ok(!text.includes(key), "the store key came back");
    assert.ok(!text.includes("MEFOR_STORE_KEY"));
    assert.ok(!text.includes(process.env.PATH ?? "/usr/bin:/bin"));
    assert.match(body.problems[0]?.message ?? "", /Access to this API has been restricted/);
  });
});
