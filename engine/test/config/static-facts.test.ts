/**
 * Static facts (exact spans and literal targets) extracted in a thread give the same graph as in this
 * process, and the engine — which extracts in a thread — never loads the TypeScript compiler.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import { staticCalls } from "../../src/config/static-facts.js";
import { freePort, tempDir, writeFiles } from "../support/fixtures.js";
import { ServeProcess } from "../support/serve-process.js";
import { cleanupConfigs, posOf, writeConfig } from "./helpers.js";

const SAMPLES = fileURLToPath(new URL("../../../samples/config", import.meta.url));
const PROBE = fileURLToPath(new URL("../support/typescript-probe.ts", import.meta.url));

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
    let serve: ServeProcess | undefined;
    try {
      const port = await freePort();
      writeFiles(join(t.dir, "config"), { "routes.ts": ROUTES.replace("PORT", String(port)) });
      const args = ["--config", join(t.dir, "config"), "--db", join(t.dir, "engine.db")];
      serve = new ServeProcess(
        [...args, "--insecure-no-encryption", "--api-port", "0"],
        { PATH: process.env.PATH ?? "" },
        [PROBE],
      );
      const ready = await serve.waitFor((l) => l.event === "ready");
      assert.deepEqual(
        (ready.connections as { name: string }[]).map((c) => c.name),
        ["IB_FACTS", "OB_FACTS"],
      );
      serve.child.kill("SIGUSR2");
      const probe = await serve.waitFor((l) => l.probe === "typescript");
      assert.equal(probe.loaded, false);
    } finally {
      await serve?.stop();
      t.cleanup();
    }
  });
});
