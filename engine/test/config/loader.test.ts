/** The loader: entry modules, TOML/TS equivalence, env layering, positions, registry shape. */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { loadConfig } from "../../src/config/index.js";
import type { GraphNode } from "../../src/graph/index.js";
import { cleanupConfigs, posOf, writeConfig } from "./helpers.js";

const IMPORTS = `import { env, file, handler, inbound, mllp, outbound, router, send } from "messagefoundry";\n`;

function strip(n: GraphNode | undefined) {
  assert.ok(n);
  const { location: _l, declaration: _d, keyLocations: _k, origin: _o, ...rest } = n;
  return rest;
}

describe("config loader", () => {
  after(cleanupConfigs);

  it("loads entry modules at any depth, skips _helpers, tests/ and node_modules, and helpers are importable", async () => {
    const dir = writeConfig({
      "routes/deep/a.ts": `${IMPORTS}import { NAME } from "../../_shared";\nrouter(NAME, () => []);\n`,
      "_shared.ts": `export const NAME = "r_shared";\n`,
      "_skip/b.ts": `${IMPORTS}router("r_never", () => []);\n`,
      "tests/c.ts": `${IMPORTS}router("r_test", () => []);\n`,
      "node_modules/x/d.ts": `${IMPORTS}router("r_nm", () => []);\n`,
    });
    const r = await loadConfig(dir, { processEnv: {} });
    assert.deepEqual(
      r.graph.nodes.map((n) => `${n.kind}:${n.name}:${n.location.file}`),
      ["router:r_shared:routes/deep/a.ts"],
    );
  });

  it("records file/line/column of each declaration's name and the whole call", async () => {
    const text = `${IMPORTS}\n// comment\nrouter(\n  "r_pos",\n  () => [],\n);\n`;
    const dir = writeConfig({ "x.ts": text });
    const r = await loadConfig(dir, { processEnv: {} });
    const node = r.graph.nodes[0];
    const p = posOf(text, '"r_pos"');
    assert.deepEqual(node?.location, {
      file: "x.ts",
      line: p.line,
      column: p.column,
      endLine: p.line,
      endColumn: p.column + 7,
    });
    const c = posOf(text, "router(");
    assert.equal(node?.declaration?.line, c.line);
    assert.equal(node?.declaration?.endLine, c.line + 3);
  });

  it("a connection declared in TOML equals the same connection declared in TypeScript", async () => {
    const ts = `${IMPORTS}inbound("IB_EQ", mllp({ port: 2650, host: env("eq_host"), maxFrameBytes: 1024 }), { router: "r_eq", strict: true, hl7Version: "2.5.1" });
outbound("OB_EQ", mllp({ host: "127.0.0.1", port: env("eq_port", "int") }), { retry: { attempts: 3, baseMs: 100 }, ordering: "fifo" });
`;
    const toml = `# same, as data
[[inbound]]
name = "IB_EQ"
transport = "mllp"
router = "r_eq"
strict = true
hl7Version = "2.5.1"
[inbound.settings]
port = 2650
host = { env = "eq_host" }
maxFrameBytes = 1024

[[outbound]]
name = "OB_EQ"
transport = "mllp"
ordering = "fifo"
settings = { host = "127.0.0.1", port = { env = "eq_port", cast = "int" } }
retry = { attempts = 3, baseMs = 100 }
`;
    const env = { "environments/dev.toml": 'eq_host = "0.0.0.0"\neq_port = "2651"\n' };
    const a = await loadConfig(writeConfig({ "c.ts": ts, ...env }), { env: "dev", processEnv: {} });
    const b = await loadConfig(writeConfig({ "connections.toml": toml, ...env }), {
      env: "dev",
      processEnv: {},
    });
    for (const name of ["IB_EQ", "OB_EQ"]) {
      const na = a.graph.nodes.find((n) => n.name === name);
      const nb = b.graph.nodes.find((n) => n.name === name);
      assert.deepEqual(strip(na), strip(nb));
      assert.equal(na?.origin, "ts");
      assert.equal(nb?.origin, "toml");
    }
    const strip2 = <T extends { origin: unknown; location: unknown }>(d: T | undefined) => {
      assert.ok(d);
      const { origin: _o, location: _l, ...rest } = d;
      return rest;
    };
    assert.deepEqual(strip2(a.registry.inbounds.get("IB_EQ")), strip2(b.registry.inbounds.get("IB_EQ")));
    assert.deepEqual(strip2(a.registry.outbounds.get("OB_EQ")), strip2(b.registry.outbounds.get("OB_EQ")));
    assert.deepEqual(b.registry.outbounds.get("OB_EQ")?.settings, { host: "127.0.0.1", port: 2651 });
    assert.deepEqual(b.registry.outbounds.get("OB_EQ")?.options.retry, {
      attempts: 3,
      baseMs: 100,
      multiplier: 2,
      capMs: 60000,
    });
    assert.deepEqual(a.graph.envUses.map((u) => u.key).sort(), b.graph.envUses.map((u) => u.key).sort());
  });

  it("env layering: environments/<env>.toml, then MEFOR_VALUE_<KEY>, then the declared default", async () => {
    const ts = `${IMPORTS}outbound("OB_L", mllp({ host: env("l_host"), port: env("l_port", Number), keepAlive: env("l_ka", "bool", true) }));\n`;
    const files = {
      "c.ts": ts,
      "environments/dev.toml": 'l_host = "dev-host"\nl_port = 1001\n',
      "environments/prod.toml": 'l_host = "prod-host"\nl_port = 2002\n',
    };
    const dir = writeConfig(files);
    const dev = await loadConfig(dir, { env: "dev", processEnv: {} });
    assert.deepEqual(dev.registry.outbounds.get("OB_L")?.settings, {
      host: "dev-host",
      port: 1001,
      keepAlive: true,
    });
    const prod = await loadConfig(dir, {
      env: "prod",
      processEnv: { MEFOR_VALUE_L_PORT: "3003", MEFOR_VALUE_L_KA: "no" },
    });
    assert.deepEqual(prod.registry.outbounds.get("OB_L")?.settings, {
      host: "prod-host",
      port: 3003,
      keepAlive: false,
    });
    // An override can supply a key no file has.
    const only = writeConfig({ "c.ts": ts, "environments/ci.toml": "l_port = 1\n" });
    const ci = await loadConfig(only, { env: "ci", processEnv: { MEFOR_VALUE_L_HOST: "from-env" } });
    assert.equal(ci.registry.outbounds.get("OB_L")?.settings.host, "from-env");
    assert.deepEqual(
      ci.problems.filter((p) => p.severity === "error"),
      [],
    );
    // The graph keeps env references unresolved (it is the same for every environment).
    assert.deepEqual(dev.graph.nodes[0]?.settings?.host, { env: "l_host" });
  });

  it("each load has its own registry: declarations never leak between loads", async () => {
    const d1 = writeConfig({ "a.ts": `${IMPORTS}router("r_one", () => []);\n` });
    const d2 = writeConfig({ "a.ts": `${IMPORTS}router("r_two", () => []);\n` });
    const [r1, r2] = await Promise.all([
      loadConfig(d1, { processEnv: {} }),
      loadConfig(d2, { processEnv: {} }),
    ]);
    assert.deepEqual([...r1.registry.routers.keys()], ["r_one"]);
    assert.deepEqual([...r2.registry.routers.keys()], ["r_two"]);
  });

  it("builds the runtime registry with defaults applied", async () => {
    const ts = `${IMPORTS}inbound("IB_R", mllp({ port: 2660 }), { router: "r_r" });
router("r_r", () => "h_r");
handler("h_r", (m) => send("OB_R", m));
outbound("OB_R", file({ path: "out" }), { ordering: "unordered" });
`;
    const r = await loadConfig(writeConfig({ "a.ts": ts }), { processEnv: {} });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.registry.inbounds.get("IB_R")?.options, {
      router: "r_r",
      contentType: "hl7v2",
      ack: "original",
      strict: false,
    });
    assert.equal(r.registry.inbounds.get("IB_R")?.transport, "mllp");
    assert.deepEqual(r.registry.outbounds.get("OB_R")?.options, {
      retry: { attempts: Number.POSITIVE_INFINITY, baseMs: 1000, multiplier: 2, capMs: 60000 },
      ordering: "unordered",
      contentType: "hl7v2",
    });
    assert.equal(typeof r.registry.handlers.get("h_r")?.fn, "function");
    assert.equal(r.registry.env, undefined);
  });

  it("importing declarations outside a load throws a clear error", async () => {
    const mf = await import("messagefoundry");
    assert.throws(() => mf.router("x", () => []), /only registers while messagefoundry loads a config/);
    // Factories and send are pure and work anywhere.
    assert.deepEqual(mf.mllp({ port: 1 }), { transport: "mllp", settings: { port: 1 } });
    assert.equal(mf.send("OB", "x").outbound, "OB");
  });
});
