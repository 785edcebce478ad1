/**
 * `messagefoundry serve` as a real child process: the API it binds refuses a forged Host and a
 * foreign browser Origin, and accepts the names given by repeatable --api-allowed-host and
 * --api-allowed-origin flags; a malformed flag value stops serve with a clear message.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, tempDir, writeFiles } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NODE_ARGS = ["--conditions=source", "--import", "tsx", MAIN];

function status(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/health", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("runtime: serve's Host/Origin flags", () => {
  let t: ReturnType<typeof tempDir>;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    t = tempDir();
    writeFiles(join(t.dir, "config"), { "empty.ts": "export {};\n" });
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    child = undefined;
    t.cleanup();
  });

  it("binds an API that accepts only its own names and the allowed ones", async () => {
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        ...NODE_ARGS,
        "serve",
        "--config",
        join(t.dir, "config"),
        "--db",
        join(t.dir, "engine.db"),
        "--insecure-no-encryption",
        "--api-port",
        String(port),
        "--api-allowed-host",
        "engine.example.test",
        "--api-allowed-host",
        "proxy.example.test:443",
        "--api-allowed-origin",
        "https://dash.example.test",
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const check = () => (out.includes('"event":"ready"') ? resolve() : undefined);
      child?.stdout?.on("data", check);
      child?.once("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
    });

    assert.equal(await status(port, { host: `127.0.0.1:${port}` }), 200);
    assert.equal(await status(port, { host: `localhost:${port}` }), 200);
    assert.equal(await status(port, { host: "engine.example.test" }), 200);
    assert.equal(await status(port, { host: "proxy.example.test:443" }), 200);
    assert.equal(await status(port, { host: `evil.example:${port}` }), 421);
    assert.equal(await status(port, { host: `127.0.0.1:${port}`, origin: "https://dash.example.test" }), 200);
    assert.equal(await status(port, { host: `127.0.0.1:${port}`, origin: "http://evil.example" }), 403);
  });

  it("refuses a malformed --api-allowed-origin before starting", () => {
    const r = spawnSync(
      process.execPath,
      [
        ...NODE_ARGS,
        "serve",
        "--config",
        join(t.dir, "config"),
        "--db",
        join(t.dir, "engine.db"),
        "--insecure-no-encryption",
        "--api-allowed-origin",
        "not an origin",
      ],
      { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--api-allowed-origin: "not an origin" is not an origin/);
  });
});
