/**
 * Test harness: a real language server over real JSON-RPC. In-process: the server runs on one end of a
 * stream pair (vscode-languageserver/node's createConnection), the client is vscode-jsonrpc's
 * MessageConnection on the other. Fixture workspaces are copied to a temp dir first.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import type { Diagnostic, InitializeResult, PublishDiagnosticsParams } from "vscode-languageserver";
import { createConnection } from "vscode-languageserver/node";
import { engineDictionary, engineValidator } from "../src/core/index.js";
import { startServer } from "../src/lsp/session.js";

export const FIXTURES = join(import.meta.dirname, "fixtures");

export interface StartOptions {
  /** `messagefoundry` settings returned for workspace/configuration. */
  settings?: Record<string, unknown>;
}

export class TestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private readonly versions = new Map<string, number>();
  private listeners: (() => void)[] = [];
  /** Open documents whose latest version has not had its diagnostics published yet. */
  readonly pending = new Set<string>();
  /** What the server answered to `initialize`. */
  initializeResult?: InitializeResult;

  private constructor(
    readonly rpc: MessageConnection,
    readonly root: string,
  ) {
    rpc.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      const rel = this.rel(p.uri);
      if (p.version !== undefined && p.version >= (this.versions.get(rel) ?? 0)) this.pending.delete(rel);
      for (const l of this.listeners) l();
    });
    rpc.onNotification("window/logMessage", () => {});
  }

  /** Copies `fixture` to a temp dir and starts a server with it as the workspace folder. */
  static async start(fixture: string, opts: StartOptions = {}): Promise<TestClient> {
    const root = mkdtempSync(join(tmpdir(), "mf-ls-"));
    cpSync(join(FIXTURES, fixture), root, { recursive: true });
    const up = new PassThrough();
    const down = new PassThrough();
    startServer(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)), {
      dictionary: engineDictionary(),
      validate: engineValidator,
    });
    const rpc = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    const client = new TestClient(rpc, root);
    rpc.onRequest("workspace/configuration", (p: { items: unknown[] }) =>
      p.items.map(() => opts.settings ?? {}),
    );
    rpc.onRequest("client/registerCapability", () => null);
    rpc.listen();
    client.initializeResult = await rpc.sendRequest<InitializeResult>("initialize", {
      processId: null,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: "ws" }],
      capabilities: { workspace: { configuration: true, workspaceEdit: { documentChanges: true } } },
    });
    await rpc.sendNotification("initialized", {});
    return client;
  }

  uri(rel: string): string {
    return pathToFileURL(join(this.root, rel)).href;
  }

  /** Path of a URI relative to the workspace (for readable assertions). */
  rel(uri: string): string {
    return decodeURIComponent(uri).replace(`${pathToFileURL(this.root).href}/`, "");
  }

  readDisk(rel: string): string {
    return readFileSync(join(this.root, rel), "utf8");
  }

  async open(rel: string, text = this.readDisk(rel)): Promise<void> {
    const languageId = rel.endsWith(".ts") ? "typescript" : rel.endsWith(".toml") ? "toml" : "hl7";
    this.versions.set(rel, 1);
    this.pending.add(rel);
    await this.rpc.sendNotification("textDocument/didOpen", {
      textDocument: { uri: this.uri(rel), languageId, version: 1, text },
    });
  }

  /** An unsaved edit: the whole new text (full-document change). */
  async change(rel: string, text: string): Promise<void> {
    const version = (this.versions.get(rel) ?? 1) + 1;
    this.versions.set(rel, version);
    this.pending.add(rel);
    await this.rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri: this.uri(rel), version },
      contentChanges: [{ text }],
    });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.rpc.sendRequest(method, params) as Promise<T>;
  }

  /** `file:line:col` positions are 1-based; the position of the first occurrence of `needle` (+ delta). */
  position(
    rel: string,
    needle: string,
    delta = 0,
    text = this.readDisk(rel),
  ): { line: number; character: number } {
    const at = text.indexOf(needle);
    assert.ok(at >= 0, `"${needle}" not found in ${rel}`);
    const before = text.slice(0, at + delta);
    const line = before.split("\n").length - 1;
    return { line, character: before.length - before.lastIndexOf("\n") - 1 };
  }

  /** Waits until `ok()` holds after a diagnostics notification (or the deadline), then returns. */
  async waitFor(ok: () => boolean, ms = 8000): Promise<void> {
    if (ok()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const listener = () => {
        if (ok()) done();
      };
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.listeners.push(listener);
    });
    this.listeners = [];
  }

  /** Waits until every open document's latest version has been answered and the diagnostics equal `expected`. */
  async settle(expected: Record<string, string[]>): Promise<void> {
    const canon = (o: Record<string, string[]>) =>
      JSON.stringify(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    const want = canon(expected);
    await this.waitFor(() => this.pending.size === 0 && canon(this.rendered()) === want);
    assert.deepEqual([...this.pending], [], "diagnostics never published for the latest edit");
    assert.deepEqual(this.rendered(), expected);
  }

  /** All non-empty published diagnostics, rendered compactly per workspace-relative file. */
  rendered(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [uri, list] of [...this.diagnostics].sort(([a], [b]) => a.localeCompare(b)))
      if (list.length) out[this.rel(uri)] = list.map((d) => render(d, this));
    return out;
  }

  async stop(): Promise<void> {
    await this.rpc.sendRequest("shutdown");
    this.rpc.dispose();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** `3:5-3:12 MF-CODE message (first line) [-> file:line:col]` with 1-based positions. */
export function render(d: Diagnostic, client: TestClient): string {
  const r = d.range;
  let s = `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${d.code} ${String(d.message).split("\n")[0]}`;
  for (const rel of d.relatedInformation ?? []) {
    const at = rel.location.range.start;
    s += ` [-> ${client.rel(rel.location.uri)}:${at.line + 1}:${at.character + 1}]`;
  }
  return s;
}

/**
 * The one data-driven check: start the server on `fixture`, optionally act (open/edit), wait until the
 * published diagnostics equal `expected` (per file, rendered) and every edit has been answered, and
 * assert they do. An expectation of "no diagnostics" needs an open document to be meaningful.
 */
export async function check(
  fixture: string,
  expected: Record<string, string[]>,
  act?: (client: TestClient) => Promise<void>,
  opts?: StartOptions,
): Promise<TestClient> {
  const client = await TestClient.start(fixture, opts);
  try {
    if (act) await act(client);
    await client.settle(expected);
  } catch (e) {
    await client.stop();
    throw e;
  }
  return client;
}
