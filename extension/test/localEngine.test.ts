/**
 * The local engine from the extension's side, with the real CLI: `serve --local-dev` on a workspace's
 * config starts, its log arrives as readable lines (never message bodies), the token it writes signs
 * the extension's client in with no password or MFA prompt, a broken config fails with the engine's
 * reason, and a stop ends it and removes the token.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EngineClient } from "../src/engine/index.js";
import {
  formatLogLine,
  LocalEngineProcess,
  type LocalEngineState,
  localEngineArgs,
  localEnginePaths,
} from "../src/ops/localEngineProcess.js";
import { freePort, writeFiles } from "./support/realEngine.js";

const CLI = fileURLToPath(new URL("../../engine/src/cli/main.ts", import.meta.url));
// Absolute: the engine runs with the temp workspace as its cwd, where tsx cannot be found by name.
const NODE_ARGS = ["--conditions=source", "--import", import.meta.resolve("tsx")];

describe("local engine process (real CLI)", function () {
  this.timeout(60_000);
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "mf-local-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function engine(configDir: string, log: string[], states: LocalEngineState[]) {
    return new LocalEngineProcess({
      cli: CLI,
      nodeArgs: NODE_ARGS,
      workspaceRoot: root,
      configDir,
      env: "dev",
      onLog: (l) => log.push(l),
      onState: (s) => states.push(s),
    });
  }

  it("starts on the workspace's config, signs the client in with its token, and stops cleanly", async () => {
    const inPort = await freePort();
    writeFiles(join(root, "config"), {
      "lab.ts": `import { inbound, mllp, router } from "messagefoundry";
inbound("IB_LOCAL_LAB", mllp({ host: "127.0.0.1", port: ${inPort} }), { router: "local_router" });
router("local_router", () => []);
`,
      "environments/dev.toml": "",
    });
    const log: string[] = [];
    const states: LocalEngineState[] = [];
    const local = engine(join(root, "config"), log, states);
    const file = await local.start();
    assert.equal(local.state, "running");
    const paths = localEnginePaths(root);
    assert.equal(statSync(paths.tokenFile).mode & 0o777, 0o600);
    assert.ok(existsSync(paths.db), "the dev database lives under the workspace's .messagefoundry/");

    const client = new EngineClient({ url: file.url, token: file.token });
    const conns = await client.connections();
    assert.deepEqual(
      conns.map((c) => c.name),
      ["IB_LOCAL_LAB"],
    );
    assert.equal((await client.session()).user.name, "local-dev");
    assert.ok(
      log.some((l) => /INFO engine ready/.test(l)),
      log.join("\n"),
    );

    await local.stop();
    assert.deepEqual(states, ["starting", "running", "stopping", "stopped"]);
    assert.equal(existsSync(paths.tokenFile), false, "the token goes with the run");
  });

  it("a config with errors fails to start with the engine's reason", async () => {
    writeFiles(join(root, "config"), {
      "bad.ts": `import { inbound, mllp } from "messagefoundry";
inbound("IB_BAD", mllp({ host: "127.0.0.1", port: ${await freePort()} }), { router: "nowhere" });
`,
      "environments/dev.toml": "",
    });
    const states: LocalEngineState[] = [];
    const local = engine(join(root, "config"), [], states);
    await assert.rejects(local.start(), /did not start: .*nowhere/s);
    assert.deepEqual(states, ["starting", "failed"]);
  });

  it("arguments and log lines (pure)", () => {
    const paths = localEnginePaths("/ws");
    assert.deepEqual(localEngineArgs({ configDir: "/ws/config", paths, env: "dev" }), [
      "serve",
      "--config",
      "/ws/config",
      "--env",
      "dev",
      "--db",
      "/ws/.messagefoundry/dev.db",
      "--api-port",
      "0",
      "--local-dev",
      "--local-token-file",
      "/ws/.messagefoundry/local-engine.json",
    ]);
    assert.equal(
      formatLogLine(
        '{"level":30,"time":"2026-12-06T12:00:01.000Z","pid":1,"event":"ready","msg":"engine ready"}',
      ),
      '12:00:01 INFO engine ready {"event":"ready"}',
    );
    assert.equal(formatLogLine("plain text"), "plain text");
  });
});
