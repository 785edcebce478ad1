/**
 * Test Bench panel: sample .hl7 / .x12 / .edi files and saved fixtures as cases; a run writes the (possibly edited)
 * text to a temporary file and calls `messagefoundry dryrun --json --trace` in a child process — the engine's
 * loader is the runtime truth, and a config that hangs cannot hang the extension host. Saving a case
 * writes the input and its expected result under the config's tests/; "run all" re-runs `check`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestBenchFromView, TestBenchToView, TestCase } from "@messagefoundry/webviews/protocol";
import { type DryRunOutput, isMessageType } from "messagefoundry/api";
import * as vscode from "vscode";
import { parseJsonOutput } from "../cli/index.js";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import {
  dryRunArgs,
  fixtureFiles,
  inboundChoices,
  pickInbound,
  probeText,
  readCheck,
  readDryRun,
  readDryRunEvery,
  readFixtureSpec,
} from "../testbench/index.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

/** Sample message files offered as cases: HL7 v2 and X12. */
const MESSAGE_FILES = "**/*.{hl7,x12,edi}";

export class TestBenchPanel {
  static readonly viewType = "messagefoundry.testBench";
  private static current: TestBenchPanel | undefined;
  private readonly channel: ViewChannel<TestBenchToView, TestBenchFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  /** Cases picked or generated in this session, on top of the ones found on disk. */
  private readonly extra = new Map<string, TestCase>();
  private readonly generated = new Map<string, string>();
  /** The inbound each case runs through (from its fixture, the view's picker, or the one inbound). */
  private readonly inbounds = new Map<string, string>();

  static show(services: Services, configDir: vscode.Uri, initial?: vscode.Uri): void {
    const panel =
      TestBenchPanel.current ??
      new TestBenchPanel(
        vscode.window.createWebviewPanel(
          TestBenchPanel.viewType,
          "MessageFoundry Test Bench",
          vscode.ViewColumn.Active,
          {
            ...webviewOptions(services.extensionUri),
            retainContextWhenHidden: true,
          },
        ),
        services,
        configDir,
      );
    TestBenchPanel.current = panel;
    if (initial) panel.extra.set(initial.toString(), panel.caseFor(initial, "sample"));
    panel.panel.reveal();
    void panel.sendCases();
    if (initial) {
      panel.selectFile(initial).catch((err: unknown) => {
        // Still select the file; the inbound is left to the user.
        panel.channel.post({ type: "select", id: initial.toString() });
        panel.channel.post({ type: "hostError", message: err instanceof Error ? err.message : String(err) });
      });
    }
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    private readonly configDir: vscode.Uri,
  ) {
    panel.webview.html = renderHtml(panel.webview, services.extensionUri, "testBench", "Test Bench");
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => void this.sendCases(),
      onMessage: (msg) => this.onMessage(msg),
    });
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(configDir, MESSAGE_FILES),
    );
    this.disposables.push(
      this.channel,
      watcher,
      watcher.onDidCreate(() => void this.sendCases()),
      watcher.onDidDelete(() => void this.sendCases()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private caseFor(uri: vscode.Uri, kind: TestCase["kind"]): TestCase {
    return { id: uri.toString(), label: vscode.workspace.asRelativePath(uri), kind };
  }

  private async sendCases(): Promise<void> {
    const tests = `${this.configDir.path}/tests/`;
    const samples = await vscode.workspace.findFiles(MESSAGE_FILES, "**/node_modules/**", 500);
    const fixtures = await vscode.workspace.findFiles(
      new vscode.RelativePattern(this.configDir, "tests/**/*.json"),
      "**/expected/**",
      500,
    );
    const cases = new Map<string, TestCase>();
    for (const uri of samples)
      if (!uri.path.startsWith(tests)) cases.set(uri.toString(), this.caseFor(uri, "sample"));
    for (const uri of fixtures) cases.set(uri.toString(), this.caseFor(uri, "fixture"));
    for (const [id, c] of this.extra) cases.set(id, c);
    const live = await requestGraph(this.services.languageClient(), this.configDir);
    const inbounds = (live?.graph.nodes ?? []).filter((n) => n.kind === "inbound").map((n) => n.name);
    this.channel.post({
      type: "cases",
      cases: [...cases.values()].sort((a, b) => a.label.localeCompare(b.label)),
      inbounds,
    });
  }

  /** A case's text; for a fixture, the message it names (and its inbound is remembered for runs). */
  private async caseText(id: string): Promise<string> {
    const generated = this.generated.get(id);
    if (generated !== undefined) return generated;
    const uri = vscode.Uri.parse(id);
    if (!uri.path.endsWith(".json")) return readText(uri);
    const spec = readFixtureSpec(await readText(uri));
    this.inbounds.set(id, spec.inbound);
    return readText(vscode.Uri.joinPath(uri, "..", spec.message));
  }

  private async onMessage(msg: Exclude<TestBenchFromView, { type: "ready" }>): Promise<void> {
    switch (msg.type) {
      case "openCase": {
        this.channel.post({ type: "caseText", id: msg.id, text: await this.caseText(msg.id) });
        return;
      }
      case "pickFiles": {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: true,
          filters: { "HL7 messages": ["hl7", "txt"], "X12 interchanges": ["x12", "edi"] },
          defaultUri: this.configDir,
        });
        for (const uri of picked ?? []) this.extra.set(uri.toString(), this.caseFor(uri, "sample"));
        return this.sendCases();
      }
      case "generate":
        return this.generate(msg.messageType);
      case "run":
        if (msg.inbound) this.inbounds.set(msg.id, msg.inbound);
        return this.run(msg.id, msg.text);
      case "saveFixture":
        return this.saveFixture(msg.id, msg.text, msg.name, msg.output);
      case "runAllFixtures":
        return this.runAll();
      case "openSource":
        return this.openSource(msg.file, msg.line);
    }
  }

  private environment(): string {
    return (
      vscode.workspace.getConfiguration("messagefoundry", this.configDir).get<string>("environment") || "dev"
    );
  }

  private async generate(messageType: string): Promise<void> {
    // The view only offers MESSAGE_TYPES; anything else did not come from it.
    if (!isMessageType(messageType)) throw new Error(`Unknown message type to generate: ${messageType}`);
    const result = await this.services.cli(this.configDir, [
      "generate",
      "--type",
      messageType,
      "--count",
      "1",
    ]);
    if (result.code !== 0)
      throw new Error(`messagefoundry generate failed: ${result.stderr.trim() || result.stdout.trim()}`);
    const id = `generated:${messageType}:${Date.now()}`;
    this.generated.set(id, result.stdout);
    this.extra.set(id, { id, label: `${messageType} (generated)`, kind: "sample" });
    await this.sendCases();
    this.channel.post({ type: "caseText", id, text: result.stdout });
  }

  /** Writes `text` to a temporary message file for the CLI, runs `fn` with its path, then removes it. */
  private async withMessageFile<T>(text: string, fn: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), "mf-bench-"));
    try {
      const file = join(dir, "message.hl7");
      await writeFile(file, text, "utf8");
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async run(id: string, text: string): Promise<void> {
    this.channel.post({ type: "runStarted", id });
    try {
      const output = await this.withMessageFile(text, async (file) => {
        const env = this.environment();
        const inbound = this.inbounds.get(id);
        let cli = await this.services.cli(
          this.configDir,
          dryRunArgs(env, file, { showPhi: true, ...(inbound ? { inbound } : {}) }),
        );
        // Several inbounds and none chosen yet (e.g. the live graph was unavailable): ask, then run again.
        const choices = inboundChoices(cli.stderr);
        if (!inbound && choices) {
          // Asked from a webview button: the webview taking focus back must not cancel the prompt.
          const picked = await vscode.window.showQuickPick(choices, {
            placeHolder: "Which inbound does this message arrive on?",
            ignoreFocusOut: true,
          });
          if (!picked) throw new Error("No inbound was picked.");
          this.inbounds.set(id, picked);
          cli = await this.services.cli(
            this.configDir,
            dryRunArgs(env, file, { showPhi: true, inbound: picked }),
          );
        }
        return readDryRun(parseJsonOutput(cli, "dryrun"));
      });
      this.channel.post({ type: "runResult", id, text, output });
    } catch (err) {
      this.channel.post({ type: "runFailed", id, message: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * Opened on a message file: select it, with the inbound whose router accepts the message (one traced dry
   * run through every inbound, without PHI in the output). The user can still change both.
   */
  private async selectFile(uri: vscode.Uri): Promise<void> {
    const id = uri.toString();
    const text = probeText(await readText(uri));
    const inbound =
      text === undefined
        ? undefined
        : await this.withMessageFile(text, async (file) => {
            const args = dryRunArgs(this.environment(), file, { showPhi: false, every: true });
            const cli = await this.services.cli(this.configDir, args);
            return cli.code === 2
              ? undefined
              : pickInbound(readDryRunEvery(parseJsonOutput(cli, "dryrun")).runs);
          });
    if (inbound) this.inbounds.set(id, inbound);
    this.channel.post({ type: "select", id, ...(inbound ? { inbound } : {}) });
  }

  private async saveFixture(id: string, text: string, name: string, output: DryRunOutput): Promise<void> {
    const stem = await vscode.window.showInputBox({
      title: "Save as regression fixture",
      prompt: "Fixture name (saved under tests/)",
      value: name,
      validateInput: (v) => (v.trim() === "" ? "A name is required." : undefined),
      ignoreFocusOut: true,
    });
    if (!stem) return;
    const files = fixtureFiles(stem, this.inbounds.get(id) ?? output.inbound, text, output);
    const edit = new vscode.WorkspaceEdit();
    for (const [rel, content] of Object.entries(files)) {
      edit.createFile(vscode.Uri.joinPath(this.configDir, rel), {
        overwrite: true,
        contents: Buffer.from(content, "utf8"),
      });
    }
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error("The fixture files could not be written.");
    const specRel = Object.keys(files).find((f) => f.endsWith(".json"))!;
    const fixture = this.caseFor(vscode.Uri.joinPath(this.configDir, specRel), "fixture");
    this.inbounds.set(fixture.id, output.inbound);
    this.channel.post({ type: "fixtureSaved", id, fixture });
    await this.sendCases();
  }

  /** Opens a traced step's function: `file` is config-relative, as the engine reports it. */
  private async openSource(file: string, line: number): Promise<void> {
    const uri = vscode.Uri.joinPath(this.configDir, file);
    if (!uri.path.startsWith(`${this.configDir.path}/`)) throw new Error(`Not a config file: ${file}`);
    const at = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(uri, { selection: new vscode.Range(at, at) });
  }

  private async runAll(): Promise<void> {
    const cli = await this.services.cli(this.configDir, [
      "check",
      "--config",
      ".",
      "--env",
      this.environment(),
      "--json",
    ]);
    const outcomes = readCheck(cli.stdout, cli.code, (file) =>
      vscode.Uri.joinPath(this.configDir, file).toString(),
    );
    this.channel.post({ type: "fixtureResults", outcomes });
  }

  private dispose(): void {
    TestBenchPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}

async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString("utf8");
}
