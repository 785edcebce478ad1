import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import {
  CancellationTokenSource,
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import type { CompletionItem, PublishDiagnosticsParams } from "vscode-languageserver";
import { ConfigDirsRequest } from "../src/protocol.js";
import { check, FIXTURES, type TestClient } from "./harness.js";

const REPO = join(import.meta.dirname, "..", "..");

describe("language server: revisions, cancellation and failures", () => {
  let client: TestClient;
  before(async () => {
    client = await check("basic", {}, (c) => c.open("routes/acme.ts"));
  });
  after(() => client.stop());

  it("answers the latest revision after a burst of unsaved edits", async () => {
    const text = client.readDisk("routes/acme.ts");
    for (let i = 1; i <= 5; i++)
      await client.change("routes/acme.ts", text.replace("OB_ACME_ADT", `OB_ACME_ADT_${i}`));
    const expected = {
      "routes/acme.ts": [
        '8:16-8:29 MF-UNKNOWN-OUTBOUND "acme_adt_handler" sends to unknown outbound "OB_ACME_ADT_5"',
      ],
      "connections.toml": ['11:9-11:20 MF-UNREACHABLE outbound "OB_ACME_ADT" is not reached by any handler'],
    };
    await client.settle(expected);
    await client.change("routes/acme.ts", text);
    await client.settle({});
  });

  it("answers a cancelled request with RequestCancelled and keeps serving", async () => {
    const source = new CancellationTokenSource();
    const pending = client.rpc.sendRequest(
      "textDocument/completion",
      { textDocument: { uri: client.uri("routes/acme.ts") }, position: { line: 7, character: 15 } },
      source.token,
    );
    source.cancel();
    await assert.rejects(pending, (e: { code?: number }) => e.code === -32800);
    const items = await client.request<CompletionItem[]>("textDocument/completion", {
      textDocument: { uri: client.uri("routes/acme.ts") },
      position: { line: 7, character: 16 },
    });
    assert.deepEqual(
      items.map((i) => i.label),
      ["OB_ACME_ADT"],
    );
  });

  it("survives a request that fails inside the server", async () => {
    // No position: the handler throws; the server logs it and answers empty.
    assert.equal(
      await client.request("textDocument/hover", { textDocument: { uri: client.uri("routes/acme.ts") } }),
      null,
    );
    assert.deepEqual(
      await client.request("textDocument/completion", {
        textDocument: { uri: "file:///nowhere/x.ts" },
        position: { line: 0, character: 0 },
      }),
      [],
    );
    const dirs = await client.rpc.sendRequest(ConfigDirsRequest, undefined);
    assert.deepEqual(
      dirs.dirs.map((d) => d.uri),
      [client.uri("").replace(/\/$/, "")],
    );
  });

  it("picks up files changed on disk (workspace/didChangeWatchedFiles)", async () => {
    writeFileSync(
      join(client.root, "routes/extra.ts"),
      'import { router } from "messagefoundry";\nrouter("extra_router", (msg) => []);\n',
    );
    await client.rpc.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: client.uri("routes/extra.ts"), type: 1 }],
    });
    await client.settle({
      "routes/extra.ts": ['2:9-2:21 MF-UNREACHABLE router "extra_router" is not reached by any inbound'],
    });
    rmSync(join(client.root, "routes/extra.ts"));
    await client.rpc.sendNotification("workspace/didChangeWatchedFiles", {
      changes: [{ uri: client.uri("routes/extra.ts"), type: 3 }],
    });
    await client.settle({});
  });
});

describe("language server: the bundled server over stdio", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mf-ls-bundle-"));
  });
  after(() => {
    child?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts as `node language-server.js --stdio` and publishes diagnostics", async () => {
    // Same options as scripts/build.mjs, into a temp dir so the shared dist/ is left alone.
    const out = join(dir, "language-server.js");
    await esbuild.build({
      entryPoints: [join(REPO, "language-server/src/server.ts")],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      conditions: ["source"],
      logLevel: "silent",
    });
    child = spawn(process.execPath, [out, "--stdio"], { cwd: REPO, stdio: ["pipe", "pipe", "inherit"] });
    const stdout = child.stdout;
    const stdin = child.stdin;
    assert.ok(stdout && stdin);
    const rpc = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    const got = new Promise<PublishDiagnosticsParams>((resolve) =>
      rpc.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
        if (p.diagnostics.length) resolve(p);
      }),
    );
    rpc.listen();
    const workspace = join(FIXTURES, "broken");
    const init = await rpc.sendRequest<{ serverInfo?: { name: string } }>("initialize", {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: "ws" }],
      capabilities: {},
    });
    assert.equal(init.serverInfo?.name, "messagefoundry-language-server");
    await rpc.sendNotification("initialized", {});
    // Workspace-wide problems are published without opening anything (read-only: nothing is written).
    const p = await got;
    assert.ok(p.uri.startsWith(pathToFileURL(workspace).href), p.uri);
    assert.ok(p.diagnostics.every((d) => d.source === "messagefoundry"));
    await rpc.sendRequest("shutdown");
    await rpc.sendNotification("exit");
    rpc.dispose();
  });
});
