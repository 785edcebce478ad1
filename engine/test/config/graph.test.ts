/** messagefoundry/graph pure parts: schemas, env casts, renderers, diff. */
import assert from "node:assert/strict";
import {
  castEnvValue,
  checkSchema,
  diffGraphs,
  type GraphNode,
  graphToDot,
  graphToMermaid,
  type RegistryGraph,
  resolveEnvRef,
  secretKeys,
  TRANSPORT_SCHEMAS,
  valueChanges,
} from "messagefoundry/graph";
import { describe, it } from "mocha";

const loc = { file: "a.ts", line: 1, column: 1, endLine: 1, endColumn: 2 };

function graph(port: number, extraHandler = false): RegistryGraph {
  return {
    version: 1,
    nodes: [
      {
        kind: "inbound",
        name: "IB_A",
        origin: "ts",
        location: loc,
        transport: "mllp",
        settings: { port },
        options: { router: "r" },
      },
      { kind: "router", name: "r", origin: "ts", location: loc },
      { kind: "handler", name: "h", origin: "ts", location: loc },
      ...(extraHandler
        ? [{ kind: "handler" as const, name: "h2", origin: "ts" as const, location: loc }]
        : []),
      {
        kind: "outbound",
        name: "OB_A",
        origin: "toml",
        location: loc,
        transport: "file",
        settings: { path: "o" },
      },
    ],
    edges: [
      { kind: "inbound-router", from: "IB_A", to: "r", dynamic: false, location: loc, origin: "ts" },
      { kind: "router-handler", from: "r", to: "h", dynamic: false, location: loc, origin: "ts" },
      {
        kind: "router-handler",
        from: "r",
        to: "h",
        dynamic: false,
        location: { ...loc, line: 2 },
        origin: "ts",
      },
      { kind: "handler-outbound", from: "h", to: null, dynamic: true, location: loc, origin: "ts" },
    ],
    envUses: [],
  };
}

describe("graph module", () => {
  it("transport schemas: settings checked with paths; secrets marked", () => {
    assert.deepEqual(checkSchema(TRANSPORT_SCHEMAS.mllp, { port: 0, hots: "x" }), [
      { path: "port", message: "must be ≥ 1" },
      {
        path: "hots",
        message: 'is not a known setting (did you mean "host"?)',
      },
    ]);
    assert.deepEqual(checkSchema(TRANSPORT_SCHEMAS.rest, { url: "http://x", headers: { a: 1 } }), [
      { path: "headers.a", message: "expected string, got integer" },
    ]);
    assert.deepEqual(secretKeys("rest"), ["password", "token"]);
    assert.deepEqual(secretKeys("mllp"), []);
  });

  it("env casts and resolution (missing, default, bad cast)", () => {
    assert.deepEqual(castEnvValue("42", "int"), { ok: true, value: 42 });
    assert.equal(castEnvValue("4.2", "int").ok, false);
    assert.deepEqual(castEnvValue("yes", "bool"), { ok: true, value: true });
    assert.deepEqual(castEnvValue('{"a":1}', "json"), { ok: true, value: { a: 1 } });
    assert.deepEqual(resolveEnvRef({ env: "k", default: 5 }, {}), { ok: true, value: 5 });
    assert.deepEqual(resolveEnvRef({ env: "k" }, {}), {
      ok: false,
      reason: "missing",
      message: 'env value "k" is not set',
    });
    assert.equal(resolveEnvRef({ env: "k", cast: "float" }, { k: "abc" }).ok, false);
  });

  it("mermaid and dot draw each edge once and dynamic edges dashed", () => {
    const m = graphToMermaid(graph(2600));
    assert.equal(m.match(/router_r --> handler_h/g)?.length, 1);
    assert.match(m, /handler_h -\.->\|dynamic\| dyn\d+/);
    const d = graphToDot(graph(2600));
    assert.match(d, /^digraph messagefoundry \{/);
    assert.match(d, /style=dashed, label="dynamic"/);
  });

  it("diff reports nodes added, removed and changed (locations ignored)", () => {
    const a = graph(2600);
    const b = graph(2700, true);
    b.nodes = b.nodes.filter((n) => n.name !== "OB_A");
    b.nodes.forEach((n) => {
      n.location = { ...loc, line: 99 };
    });
    const diff = diffGraphs(a, b);
    assert.deepEqual(diff.added, [{ kind: "handler", name: "h2" }]);
    assert.deepEqual(diff.removed, [{ kind: "outbound", name: "OB_A" }]);
    assert.deepEqual(diff.changed, [
      {
        kind: "inbound",
        name: "IB_A",
        fields: ["settings"],
        values: [{ path: "settings.port", before: "2600", after: "2700" }],
      },
    ]);
    assert.deepEqual(diffGraphs(a, graph(2600)), {
      added: [],
      removed: [],
      changed: [],
      edgesAdded: [],
      edgesRemoved: [],
    });
  });

  it("a change's before/after values name the leaf, mask secrets and show env references", () => {
    const node = (settings: GraphNode["settings"], options: GraphNode["options"] = {}) => ({
      kind: "outbound" as const,
      name: "OB_REST",
      origin: "ts" as const,
      location: loc,
      transport: "rest",
      settings,
      options,
    });
    const before = node(
      { url: "http://a.test/in", token: { env: "rest_token" } },
      { retry: { attempts: 3 } },
    );
    const after = node({ url: { env: "rest_url" }, token: "plain-but-secret", timeoutMs: 500 }, {});
    assert.deepEqual(valueChanges(before, after), [
      { path: "settings.url", before: '"http://a.test/in"', after: "env(rest_url)" },
      { path: "settings.token", before: "***", after: "***" },
      { path: "settings.timeoutMs", after: "500" },
      { path: "options.retry.attempts", before: "3" },
    ]);
  });
});
