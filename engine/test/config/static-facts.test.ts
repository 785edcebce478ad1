/**
 * Static facts (exact spans and literal targets) extracted in a thread give the same graph as in this
 * process, and the engine — which extracts in a thread — never loads the TypeScript compiler.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { staticCalls } from "../../src/config/static-facts.js";
import { freePort, tempDir, writeFiles } from "../support/fixtures.js";
import { cleanupConfigs, posOf, writeConfig } from "./helpers.js";

const SAMPLES = fileURLToPath(new URL("../../../samples/config", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const PROBE = fileURLToPath(new URL("../support/typescript-probe.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const ROUTES = `import { handler, inbound, mllp, outbound, router, send } from "messagefoundry";
inbound("IB_FACTS", mllp({ host: "127.0.0.1", port: PORT }), { router: "facts_router" });
outbound("OB_FACTS", mllp({ host: "127.0.0.1", port: 9 }));
router("facts_router", () => ["facts_handler"]);
handler("facts_handler", (msg) => send("OB_FACTS", msg));
`;

describe("config: static facts in a thread", () => {
  after(cleanupConfigs);

  it("gives the samples the same graph as extracting in this process, literal targets and spans included", async () => {
    const here = await loadConfig(SAMPLES, { env: "dev", processEnv: {} });
    const threaded = await loadConfig(SAMPLES, { env: "dev", processEnv: {}, staticFacts: "thread" });
    assert.deepEqual(threaded.graph, here.graph);
    assert.deepEqual(threaded.problems, here.problems);
    // Literal router returns are static facts only: without them every router edge would be dynamic.
    const literal = threaded.graph.edges.filter((e) => e.kind === "router-handler" && !e.dynamic);
    assert.ok(literal.length > 0, "the samples' routers return literal handler names");
  });

  it("places a declaration's name exactly when extracted in a thread", async () => {
    const text = `import { router } from "messagefoundry";\n\nrouter(\n  "r_thread",\n  () => [],\n);\n`;
    const dir = writeConfig({ "x.ts": text });
    const r = await loadConfig(dir, { processEnv: {}, staticFacts: "thread" });
    const p = posOf(text, '"r_thread"');
    assert.deepEqual(r.graph.nodes[0]?.location, {
      file: "x.ts",
      line: p.line,
      column: p.column,
      endLine: p.line,
      endColumn: p.column + 10,
    });
  });

  it("extracts nothing, without a thread, when no TypeScript source ran", async () => {
    assert.equal((await staticCalls(SAMPLES, [], "thread")).size, 0);
    assert.equal((await staticCalls(SAMPLES, ["missing.ts", "connections.toml"], "thread")).size, 0);
  });

  it("serve runs a config without loading the TypeScript compiler into the engine's process", async () => {
    const t = tempDir();
    let child: ChildProcess | undefined;
    try {
      const port = await freePort();
      writeFiles(join(t.dir, "config"), { "routes.ts": ROUTES.replace("PORT", String(port)) });
      child = spawn(
        process.execPath,
        [
          "--conditions=source",
          "--import",
          "tsx",
          "--import",
          PROBE,
          MAIN,
          "serve",
          "--config",
          join(t.dir, "config"),
          "--db",
          join(t.dir, "engine.db"),
          "--insecure-no-encryption",
          "--api-port",
          "0",
        ],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
      });
      const seen = (needle: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => (out.includes(needle) ? resolve() : undefined);
          child?.stdout?.on("data", check);
          child?.once("exit", (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
          check();
        });
      await seen('"event":"ready"');
      assert.match(out, /"connections":\[\{"name":"IB_FACTS"/);
      child.kill("SIGUSR2");
      await seen("TYPESCRIPT_LOADED=");
      assert.match(out, /TYPESCRIPT_LOADED=false/);
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child?.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      t.cleanup();
    }
  });
});
