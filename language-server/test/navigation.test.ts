import assert from "node:assert/strict";
import type { DocumentSymbol, Location, WorkspaceEdit, WorkspaceSymbol } from "vscode-languageserver";
import { GraphRequest } from "../src/protocol.js";
import { check, type TestClient } from "./harness.js";

const range = (l: number, c: number, el: number, ec: number) => ({
  start: { line: l, character: c },
  end: { line: el, character: ec },
});

describe("language server: navigation across TypeScript and connections.toml", () => {
  let client: TestClient;
  before(async () => {
    client = await check("basic", {}, (c) => c.open("routes/acme.ts"));
  });
  after(() => client.stop());

  const at = (rel: string, needle: string, delta = 1) => ({
    textDocument: { uri: client.uri(rel) },
    position: client.position(rel, needle, delta),
  });

  it('goes from send("OB_...") to the outbound declared in connections.toml', async () => {
    const defs = await client.request<Location[]>(
      "textDocument/definition",
      at("routes/acme.ts", '"OB_ACME_ADT"'),
    );
    assert.deepEqual(defs, [{ uri: client.uri("connections.toml"), range: range(10, 8, 10, 19) }]);
  });

  it('goes from connections.toml\'s router = "..." to the TypeScript router', async () => {
    const defs = await client.request<Location[]>(
      "textDocument/definition",
      at("connections.toml", 'router = "', 12),
    );
    assert.deepEqual(defs, [{ uri: client.uri("routes/acme.ts"), range: range(2, 8, 2, 23) }]);
  });

  it('goes from env("key") in TOML to the key in every environment file', async () => {
    const defs = await client.request<Location[]>(
      "textDocument/definition",
      at("connections.toml", '"acme_adt_port"'),
    );
    assert.deepEqual(defs, [
      { uri: client.uri("environments/dev.toml"), range: range(1, 0, 1, 13) },
      { uri: client.uri("environments/prod.toml"), range: range(1, 0, 1, 13) },
    ]);
  });

  it("finds references to a router in both languages", async () => {
    const refs = await client.request<Location[]>("textDocument/references", {
      ...at("routes/acme.ts", '"acme_adt_router"'),
      context: { includeDeclaration: true },
    });
    assert.deepEqual(refs, [
      { uri: client.uri("routes/acme.ts"), range: range(2, 8, 2, 23) },
      { uri: client.uri("connections.toml"), range: range(4, 10, 4, 25) },
    ]);
    const without = await client.request<Location[]>("textDocument/references", {
      ...at("routes/acme.ts", '"acme_adt_router"'),
      context: { includeDeclaration: false },
    });
    assert.deepEqual(without, [{ uri: client.uri("connections.toml"), range: range(4, 10, 4, 25) }]);
  });

  it("renames a handler everywhere it is named, and refuses a bad name", async () => {
    const prep = await client.request("textDocument/prepareRename", at("routes/acme.ts", 'handler("', 9));
    assert.deepEqual(prep, range(4, 9, 4, 25));
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", {
      ...at("routes/acme.ts", 'handler("', 9),
      newName: "acme_adt_transform",
    });
    assert.deepEqual(edit.changes, {
      [client.uri("routes/acme.ts")]: [
        { range: range(4, 9, 4, 25), newText: "acme_adt_transform" },
        { range: range(2, 38, 2, 54), newText: "acme_adt_transform" },
      ],
    });
    await assert.rejects(
      client.request("textDocument/rename", {
        ...at("routes/acme.ts", 'handler("', 9),
        newName: "not a name",
      }),
      /"not a name" is not a valid name/,
    );
  });

  it("renames an outbound across TypeScript and TOML", async () => {
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", {
      ...at("connections.toml", '"OB_ACME_ADT"'),
      newName: "OB_ACME_ADT_V2",
    });
    assert.deepEqual(edit.changes, {
      [client.uri("connections.toml")]: [{ range: range(10, 8, 10, 19), newText: "OB_ACME_ADT_V2" }],
      [client.uri("routes/acme.ts")]: [{ range: range(7, 15, 7, 26), newText: "OB_ACME_ADT_V2" }],
    });
  });

  it("lists document symbols for modules, connections.toml and environment files", async () => {
    const ts = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", {
      textDocument: { uri: client.uri("routes/acme.ts") },
    });
    assert.deepEqual(
      ts.map((s) => [s.name, s.detail, s.kind, s.selectionRange.start.line]),
      [
        ["acme_adt_router", "router", 12, 2],
        ["acme_adt_handler", "handler", 6, 4],
      ],
    );
    assert.deepEqual(ts[1]?.range, range(4, 0, 8, 2));
    const toml = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", {
      textDocument: { uri: client.uri("connections.toml") },
    });
    assert.deepEqual(
      toml.map((s) => [s.name, s.detail, s.range.start.line, s.range.end.line]),
      [
        ["IB_ACME_ADT", "inbound · mllp", 1, 7],
        ["OB_ACME_ADT", "outbound · mllp", 9, 12],
      ],
    );
    const env = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", {
      textDocument: { uri: client.uri("environments/dev.toml") },
    });
    assert.deepEqual(
      env.map((s) => s.name),
      ["acme_adt_host", "acme_adt_port"],
    );
  });

  it("finds workspace symbols by substring", async () => {
    const syms = await client.request<WorkspaceSymbol[]>("workspace/symbol", { query: "adt_h" });
    assert.deepEqual(
      syms.map((s) => [s.name, s.containerName, "range" in s.location ? s.location.range.start.line : -1]),
      [["acme_adt_handler", "handler", 4]],
    );
  });

  it("answers messagefoundry/graph with the graph and its positions", async () => {
    const g = await client.rpc.sendRequest(GraphRequest, { uri: client.uri("routes/acme.ts") });
    assert.ok(g);
    assert.equal(g.configDir, client.uri("").replace(/\/$/, ""));
    assert.deepEqual(
      g.graph.nodes
        .map(
          (n) => `${n.kind} ${n.name} ${n.origin} ${n.location.file}:${n.location.line}:${n.location.column}`,
        )
        .sort(),
      [
        "handler acme_adt_handler ts routes/acme.ts:5:10",
        "inbound IB_ACME_ADT toml connections.toml:3:9",
        "outbound OB_ACME_ADT toml connections.toml:11:9",
        "router acme_adt_router ts routes/acme.ts:3:9",
      ],
    );
    assert.deepEqual(
      g.graph.edges
        .map((e) => `${e.kind} ${e.from}->${e.to} ${e.location.file}:${e.location.line}:${e.location.column}`)
        .sort(),
      [
        "handler-outbound acme_adt_handler->OB_ACME_ADT routes/acme.ts:8:16",
        "inbound-router IB_ACME_ADT->acme_adt_router connections.toml:5:11",
        "router-handler acme_adt_router->acme_adt_handler routes/acme.ts:3:39",
      ],
    );
    assert.deepEqual(
      g.graph.envUses.map((u) => `${u.key} ${u.cast ?? "-"} ${u.location.line}:${u.location.column}`),
      ["acme_adt_host - 13:30", "acme_adt_port int 13:64"],
    );
    assert.deepEqual(g.problems, []);
    const inbound = g.graph.nodes.find((n) => n.name === "IB_ACME_ADT");
    assert.deepEqual(inbound?.settings, { port: 2600 });
    assert.deepEqual(inbound?.options, { router: "acme_adt_router" });
    // The config dir's own folder URI names it too (what the extension's views send).
    const byFolder = await client.rpc.sendRequest(GraphRequest, { uri: client.uri("") });
    assert.equal(byFolder?.graph.nodes.length, 4);
  });
});
