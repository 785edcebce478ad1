/**
 * Steps panel: one router or handler as rows (`messagefoundry/steps`), refreshed as its file changes.
 * An edit from the view goes to `messagefoundry/stepEdit`, and its text edits are applied as one
 * WorkspaceEdit (undoable in the editor); a file that had no unsaved changes is saved again, so the
 * engine's dry runs see the change at once. Live values: the picked sample (a message file or a saved
 * fixture) is run with `messagefoundry dryrun --json --trace --show-phi` on the inbound that feeds the
 * function; the view maps the trace onto the rows and masks identifiers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  StepCompletionsRequest,
  type StepEdit,
  StepEditRequest,
  StepsRequest,
  type StepsResult,
} from "@messagefoundry/language-server/protocol";
import type { StepsFromView, StepsSample, StepsToView } from "@messagefoundry/webviews/protocol";
import type { DryRunOutput } from "messagefoundry/api";
import * as vscode from "vscode";
import { parseJsonOutput } from "../cli/index.js";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { inboundsFeeding, ranIn, type StepsTarget } from "../steps/index.js";
import { dryRunArgs, readDryRun, readFixtureSpec } from "../testbench/index.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

const MESSAGE_FILES = "**/*.{hl7,x12,edi}";

export class StepsPanel {
  static readonly viewType = "messagefoundry.steps";
  private static readonly open = new Map<string, StepsPanel>();
  private readonly channel: ViewChannel<StepsToView, StepsFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  private configDir: vscode.Uri | undefined;
  private sample: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  static show(services: Services, target: StepsTarget): void {
    const key = `${target.uri}#${target.kind}:${target.name}`;
    const existing = StepsPanel.open.get(key);
    if (existing) {
      existing.panel.reveal();
      void existing.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      StepsPanel.viewType,
      `Steps: ${target.name}`,
      vscode.ViewColumn.Beside,
      { ...webviewOptions(services.extensionUri), retainContextWhenHidden: true },
    );
    StepsPanel.open.set(key, new StepsPanel(panel, services, target, key));
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    private readonly target: StepsTarget,
    private readonly key: string,
  ) {
    panel.webview.html = renderHtml(panel.webview, services.extensionUri, "steps", `Steps: ${target.name}`);
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => void this.refresh().then(() => this.sendSamples()),
      onMessage: (msg) => this.onMessage(msg),
    });
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() !== this.target.uri) return;
        // Debounced: typing in the file refreshes the rows once it pauses.
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.refresh(), 150);
      }),
    );
  }

  private async request(): Promise<StepsResult | null> {
    const client = this.services.languageClient();
    if (!client?.isRunning()) throw new Error("The language server is not running yet.");
    return client.sendRequest(StepsRequest, {
      uri: this.target.uri,
      name: this.target.name,
      kind: this.target.kind,
    });
  }

  private async refresh(): Promise<void> {
    const r = await this.request();
    if (!r) {
      this.channel.post({
        type: "hostError",
        message: `There is no ${this.target.kind} "${this.target.name}" in this file any more.`,
      });
      return;
    }
    this.configDir = vscode.Uri.parse(r.configDir);
    this.channel.post({ type: "steps", steps: r.steps, revision: r.revision, names: r.names });
  }

  private async sendSamples(): Promise<void> {
    const dir = this.configDir;
    if (!dir) return;
    const tests = `${dir.path}/tests/`;
    const files = await vscode.workspace.findFiles(MESSAGE_FILES, "**/node_modules/**", 500);
    const fixtures = await vscode.workspace.findFiles(
      new vscode.RelativePattern(dir, "tests/**/*.json"),
      "**/expected/**",
      500,
    );
    const samples: StepsSample[] = [
      ...files.filter((u) => !u.path.startsWith(tests)).map((u) => sampleOf(u, "sample")),
      ...fixtures.map((u) => sampleOf(u, "fixture")),
    ].sort((a, b) => a.label.localeCompare(b.label));
    this.channel.post({ type: "samples", samples, ...(this.sample ? { selected: this.sample } : {}) });
  }

  private async onMessage(msg: Exclude<StepsFromView, { type: "ready" }>): Promise<void> {
    switch (msg.type) {
      case "edit":
        return this.applyEdit(msg.revision, msg.edit);
      case "openLines": {
        const start = new vscode.Position(msg.line - 1, 0);
        const end = new vscode.Position(msg.endLine - 1, Number.MAX_SAFE_INTEGER);
        await vscode.window.showTextDocument(vscode.Uri.parse(this.target.uri), {
          selection: new vscode.Range(start, end),
          viewColumn: vscode.ViewColumn.One,
        });
        return;
      }
      case "runSample":
        this.sample = msg.sample;
        return this.runSample(msg.sample);
      case "complete": {
        const client = this.services.languageClient();
        const r = client?.isRunning()
          ? await client.sendRequest(StepCompletionsRequest, {
              uri: this.target.uri,
              kind: this.target.kind,
              name: this.target.name,
              role: msg.role,
              typed: msg.typed,
            })
          : { items: [] };
        this.channel.post({ type: "completions", requestId: msg.requestId, items: r.items });
        return;
      }
    }
  }

  private async applyEdit(revision: number, edit: StepEdit): Promise<void> {
    const client = this.services.languageClient();
    if (!client?.isRunning()) throw new Error("The language server is not running yet.");
    const uri = vscode.Uri.parse(this.target.uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const wasClean = !doc.isDirty;
    const r = await client.sendRequest(StepEditRequest, {
      uri: this.target.uri,
      kind: this.target.kind,
      name: this.target.name,
      revision,
      edit,
    });
    if (r.error) {
      this.channel.post({ type: "editRefused", message: r.error });
      await this.refresh();
      return;
    }
    const we = new vscode.WorkspaceEdit();
    for (const e of r.edits)
      we.replace(
        vscode.Uri.parse(e.uri),
        new vscode.Range(
          e.range.start.line,
          e.range.start.character,
          e.range.end.line,
          e.range.end.character,
        ),
        e.newText,
      );
    if (!(await vscode.workspace.applyEdit(we))) throw new Error("The edit could not be applied.");
    if (wasClean) await doc.save();
    await this.refresh();
    if (this.sample) await this.runSample(this.sample);
  }

  /** The sample's text and, for a fixture, the inbound it names. */
  private async sampleText(id: string): Promise<{ text: string; inbound?: string }> {
    const uri = vscode.Uri.parse(id);
    if (!uri.path.endsWith(".json")) return { text: await readText(uri) };
    const spec = readFixtureSpec(await readText(uri));
    return { text: await readText(vscode.Uri.joinPath(uri, "..", spec.message)), inbound: spec.inbound };
  }

  private async runSample(id: string): Promise<void> {
    const dir = this.configDir;
    if (!dir) return;
    try {
      const { text, inbound } = await this.sampleText(id);
      const graph = await requestGraph(this.services.languageClient(), dir);
      const candidates = inbound
        ? [inbound]
        : inboundsFeeding(
            graph?.graph ?? { version: 1, nodes: [], edges: [], envUses: [] },
            this.target.kind,
            this.target.name,
          );
      const env =
        vscode.workspace.getConfiguration("messagefoundry", dir).get<string>("environment") || "dev";
      const output = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: "MessageFoundry: running the sample" },
        () => this.traced(dir, env, text, candidates),
      );
      const result = output?.results[0];
      this.channel.post({
        type: "live",
        sample: id,
        ...(result ? { result } : { error: "The dry run returned no result for this sample." }),
      });
    } catch (err) {
      this.channel.post({
        type: "live",
        sample: id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  /** Runs the text on each candidate inbound until one runs this function (else the last run). */
  private async traced(
    dir: vscode.Uri,
    env: string,
    text: string,
    inbounds: string[],
  ): Promise<DryRunOutput | undefined> {
    const tmp = await mkdtemp(join(tmpdir(), "mf-steps-"));
    try {
      const file = join(tmp, "message.hl7");
      await writeFile(file, text, "utf8");
      let last: DryRunOutput | undefined;
      for (const inbound of inbounds.length ? inbounds : [undefined]) {
        const cli = await this.services.cli(
          dir,
          dryRunArgs(env, file, { showPhi: true, ...(inbound ? { inbound } : {}) }),
        );
        last = readDryRun(parseJsonOutput(cli, "dryrun"));
        if (ranIn(last, this.target.kind, this.target.name)) return last;
      }
      return last;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private dispose(): void {
    clearTimeout(this.timer);
    StepsPanel.open.delete(this.key);
    for (const d of this.disposables) d.dispose();
  }
}

function sampleOf(uri: vscode.Uri, kind: StepsSample["kind"]): StepsSample {
  return { id: uri.toString(), label: vscode.workspace.asRelativePath(uri), kind };
}

async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8");
}
