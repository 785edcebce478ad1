/**
 * `messagefoundry serve --local-dev` as a real child process: it refuses any non-loopback address, runs
 * without a store key, writes an owner-only token file whose token is a real operator session on that
 * engine, ends the previous run's session when it starts again, and deletes the file on a graceful stop.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LocalEngineFile } from "../../src/cli/local-dev.js";
import { tempDir, writeFiles } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NODE_ARGS = ["--conditions=source", "--import", "tsx", MAIN];

function serveArgs(dir: string, extra: string[] = []): string[] {
  return [
    ...NODE_ARGS,
    "serve",
    "--config",
    join(dir, "config"),
    "--db",
    join(dir, ".messagefoundry", "dev.db"),
    "--api-port",
    "0",
    "--local-dev",
    "--local-token-file",
    join(dir, ".messagefoundry", "local-engine.json"),
    ...extra,
  ];
}

/** Starts serve and resolves once it logged "ready". */
async function start(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, serveArgs(dir), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes('"event":"ready"')) resolve();
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function session(
  file: LocalEngineFile,
  token = file.token,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${file.url}/auth/session`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

describe("runtime: serve --local-dev", () => {
  let t: ReturnType<typeof tempDir>;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    t = tempDir();
    writeFiles(join(t.dir, "config"), { "empty.ts": "export {};\n" });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await stop(c);
    t.cleanup();
  });

  it("refuses a non-loopback address with a clear error", () => {
    const r = spawnSync(process.execPath, serveArgs(t.dir, ["--api-host", "0.0.0.0"]), {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--local-dev serves on loopback only .*refusing --api-host 0\.0\.0\.0/);
    assert.equal(existsSync(join(t.dir, ".messagefoundry", "local-engine.json")), false);
  });

  it("writes an owner-only token that is a real session for this run only", async () => {
    const path = join(t.dir, ".messagefoundry", "local-engine.json");
    const first = await start(t.dir);
    children.push(first);
    assert.equal(statSync(path).mode & 0o777, 0o600, "the token file is the owner's alone");
    const one = JSON.parse(readFileSync(path, "utf8")) as LocalEngineFile;
    assert.match(one.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const s = await session(one);
    assert.equal(s.status, 200);
    assert.deepEqual(
      (s.body as { user: { name: string; role: string; mfa: boolean } }).user.name,
      "local-dev",
    );
    assert.equal((s.body as { user: { role: string } }).user.role, "operator");
    // Re-authentication (raw views) works with the run's one-time password, without MFA.
    const re = await fetch(`${one.url}/auth/reauth`, {
      method: "POST",
      headers: { authorization: `Bearer ${one.token}`, "content-type": "application/json" },
      body: JSON.stringify({ password: one.password }),
    });
    assert.equal(re.status, 200);

    await stop(first);
    assert.equal(existsSync(path), false, "a graceful stop deletes the token file");

    const second = await start(t.dir);
    children.push(second);
    const two = JSON.parse(readFileSync(path, "utf8")) as LocalEngineFile;
    assert.notEqual(two.token, one.token);
    assert.equal((await session(two)).status, 200);
    assert.equal((await session(two, one.token)).status, 401, "the previous run's token is dead");
  });
});
