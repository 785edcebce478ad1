import assert from "node:assert/strict";
import type { CodeAction, Diagnostic } from "vscode-languageserver";
import { TestClient } from "./harness.js";

describe("language server: code actions", () => {
  let client: TestClient;
  before(async () => {
    client = await TestClient.start("broken");
    await client.open("routes/lab.ts");
    await client.waitFor(
      () =>
        client.pending.size === 0 && (client.diagnostics.get(client.uri("routes/lab.ts"))?.length ?? 0) >= 8,
    );
  });
  after(() => client.stop());

  const diag = (code: string, needle: string): Diagnostic => {
    const list = client.diagnostics.get(client.uri("routes/lab.ts")) ?? [];
    const pos = client.position("routes/lab.ts", needle, 1);
    const d = list.find(
      (x) => x.code === code && x.range.start.line === pos.line && x.range.start.character === pos.character,
    );
    assert.ok(d, `no ${code} diagnostic at ${needle}`);
    return d;
  };
  const actions = (d: Diagnostic) =>
    client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri("routes/lab.ts") },
      range: d.range,
      context: { diagnostics: [d] },
    });
  const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });

  it("fixes a near-miss router name, or creates the router as a stub", async () => {
    const d = diag("MF-UNKNOWN-ROUTER", '"lab_routr"');
    const list = await actions(d);
    assert.deepEqual(
      list.map((a) => [a.title, a.kind, a.isPreferred ?? false]),
      [
        ['Change to "lab_router"', "quickfix", true],
        ['Create router "lab_routr"', "quickfix", false],
      ],
    );
    assert.deepEqual(list[0]?.diagnostics, [d]);
    assert.deepEqual(list[0]?.edit?.changes, {
      [client.uri("routes/lab.ts")]: [{ range: d.range, newText: "lab_router" }],
    });
    assert.deepEqual(list[1]?.edit?.changes, {
      [client.uri("routes/lab.ts")]: [{ range: at(14, 0), newText: '\nrouter("lab_routr", (msg) => []);\n' }],
    });
  });

  it("creates a missing handler as a stub", async () => {
    const list = await actions(diag("MF-UNKNOWN-HANDLER", '"missing_handler"'));
    assert.deepEqual(
      list.map((a) => a.title),
      ['Create handler "missing_handler"'],
    );
    assert.deepEqual(list[0]?.edit?.changes, {
      [client.uri("routes/lab.ts")]: [
        { range: at(14, 0), newText: '\nhandler("missing_handler", (msg) => {\n  return [];\n});\n' },
      ],
    });
  });

  it("adds a missing env key to every environment file that lacks it", async () => {
    const list = await actions(diag("MF-ENV-MISSING", '"lab_host"'));
    assert.deepEqual(
      list.map((a) => a.title),
      ['Add "lab_host" to every environment file'],
    );
    assert.deepEqual(list[0]?.edit?.changes, {
      [client.uri("environments/prod.toml")]: [{ range: at(1, 0), newText: 'lab_host = ""\n' }],
    });
  });

  it("fixes a near-miss outbound, or creates it in connections.toml", async () => {
    const text = client.readDisk("routes/lab.ts").replace('send("OB_LAB", msg)', 'send("OB_LABS", msg)');
    await client.change("routes/lab.ts", text);
    await client.waitFor(() => client.pending.size === 0);
    const pos = client.position("routes/lab.ts", '"OB_LABS"', 1, text);
    const d = client.diagnostics
      .get(client.uri("routes/lab.ts"))
      ?.find((x) => x.code === "MF-UNKNOWN-OUTBOUND" && x.range.start.line === pos.line);
    assert.ok(d);
    const list = await actions(d);
    const toml = client.readDisk("connections.toml");
    assert.deepEqual(
      list.map((a) => a.title),
      ['Change to "OB_LAB"', 'Create outbound "OB_LABS"'],
    );
    assert.deepEqual(list[1]?.edit?.changes, {
      [client.uri("connections.toml")]: [
        {
          range: at(toml.split("\n").length - 1, 0),
          newText:
            '\n[[outbound]]\nname = "OB_LABS"\ntransport = "mllp"\n\n[outbound.settings]\nhost = "localhost"\nport = 2575\n',
        },
      ],
    });
    await client.change("routes/lab.ts", client.readDisk("routes/lab.ts"));
  });

  it("adds the factory to the messagefoundry import when it creates a TypeScript stub", async () => {
    const more = client.readDisk("routes/more.ts");
    const text = `${more}\ninbound("IB_MORE", mllp({ port: 2900 }), { router: "more_router" });\n`;
    await client.open("routes/more.ts", text);
    await client.waitFor(() => client.pending.size === 0);
    const d = client.diagnostics
      .get(client.uri("routes/more.ts"))
      ?.find((x) => x.code === "MF-UNKNOWN-ROUTER");
    assert.ok(d);
    const list = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri("routes/more.ts") },
      range: d.range,
      context: { diagnostics: [d] },
    });
    assert.deepEqual(
      list.map((a) => a.title),
      ['Create router "more_router"'],
    );
    assert.deepEqual(list[0]?.edit?.changes, {
      [client.uri("routes/more.ts")]: [
        { range: at(0, 16), newText: ", router" },
        { range: at(8, 0), newText: '\nrouter("more_router", (msg) => []);\n' },
      ],
    });
  });

  it("offers nothing on a range without problems", async () => {
    const list = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: client.uri("routes/lab.ts") },
      range: at(0, 0),
      context: { diagnostics: [] },
    });
    assert.deepEqual(list, []);
  });
});
