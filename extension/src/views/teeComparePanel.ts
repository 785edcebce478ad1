/**
 * "Open Tee Compare Report": pick what to compare (two destinations' captures, or a tee log), run
 * `messagefoundry tee compare --json` in a child process (the engine's CLI is the one implementation)
 * and show the report in the teeCompare webview. The view can ask for another run with more ignore
 * rules or another pairing, and for the self-contained HTML report to be saved. Test/synthetic data only.
 */
import { dirname } from "node:path";
import { type TeeCompareSources, teeCompareArgs } from "@messagefoundry/webviews/model/tee-compare";
import type { TeeCompareFromView, TeeCompareToView } from "@messagefoundry/webviews/protocol";
import type { TeeCompareReport } from "messagefoundry/api";
import * as vscode from "vscode";
import { parseJsonOutput } from "../cli/index.js";
import type { Services } from "../services.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

export class TeeComparePanel {
  static readonly viewType = "messagefoundry.teeCompare";
  private static current: TeeComparePanel | undefined;
  private readonly channel: ViewChannel<TeeCompareToView, TeeCompareFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  private ignore: string[] = [];
  private pairBy = "MSH-10";
  private report: TeeCompareReport | undefined;

  /** Asks what to compare (unless given), then opens (or reuses) the panel and runs the comparison. */
  static async pickAndShow(services: Services, given?: TeeCompareSources): Promise<void> {
    const sources = given ?? (await pickSources());
    if (!sources) return;
    if (TeeComparePanel.current) {
      TeeComparePanel.current.sources = sources;
      TeeComparePanel.current.panel.reveal();
      await TeeComparePanel.current.run();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      TeeComparePanel.viewType,
      "Tee Compare",
      vscode.ViewColumn.Active,
      webviewOptions(services.extensionUri),
    );
    TeeComparePanel.current = new TeeComparePanel(panel, services, sources);
    await TeeComparePanel.current.run();
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    private sources: TeeCompareSources,
  ) {
    panel.webview.html = renderHtml(panel.webview, services.extensionUri, "teeCompare", "Tee Compare");
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => {
        if (this.report) this.channel.post({ type: "report", report: this.report });
      },
      onMessage: (msg) => this.onMessage(msg),
    });
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The folder the CLI runs in (and whose settings and install of messagefoundry it uses). */
  private cwd(): vscode.Uri {
    const file = vscode.Uri.file("db" in this.sources ? this.sources.db : this.sources.legacy);
    return vscode.workspace.getWorkspaceFolder(file)?.uri ?? vscode.Uri.file(dirname(file.fsPath));
  }

  private async run(html?: string): Promise<void> {
    this.channel.post({ type: "running" });
    const args = teeCompareArgs(this.sources, {
      ignore: this.ignore,
      pairBy: this.pairBy,
      ...(html ? { html } : {}),
    });
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: "Comparing legacy and shadow output…" },
        () => this.services.cli(this.cwd(), args),
      );
      // Exit 1 means "differences found": the report is still complete.
      if (result.code !== 0 && result.code !== 1) {
        throw new Error(result.stderr.trim() || `messagefoundry tee compare exited with ${result.code}`);
      }
      this.report = parseJsonOutput<TeeCompareReport>(result, "tee compare");
      this.channel.post({ type: "report", report: this.report });
      this.panel.title = `Tee Compare: ${this.report.summary.identical}/${this.report.summary.pairs} identical`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.channel.post({ type: "hostError", message });
      this.services.output.error(`tee compare: ${message}`);
    }
  }

  private async onMessage(msg: Exclude<TeeCompareFromView, { type: "ready" }>): Promise<void> {
    if (msg.type === "compare") {
      this.ignore = msg.ignore;
      this.pairBy = msg.pairBy;
      return this.run();
    }
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.cwd(), "tee-compare.html"),
      filters: { HTML: ["html"] },
      title: "Save the tee compare report (it contains message content: synthetic data only)",
    });
    if (!target) return;
    await this.run(target.fsPath);
    const open = await vscode.window.showInformationMessage(`Report saved: ${target.fsPath}`, "Open");
    if (open) await vscode.env.openExternal(target);
  }

  private dispose(): void {
    TeeComparePanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}

/** A command argument naming the sources (`{ legacy, shadow }` or `{ db }`), else undefined. */
export function sourcesArg(arg: unknown): TeeCompareSources | undefined {
  if (typeof arg !== "object" || arg === null) return undefined;
  const a = arg as Record<string, unknown>;
  if (typeof a.db === "string") return { db: a.db };
  if (typeof a.legacy === "string" && typeof a.shadow === "string")
    return { legacy: a.legacy, shadow: a.shadow };
  return undefined;
}

async function pickSources(): Promise<TeeCompareSources | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      {
        label: "Two destination captures",
        description: "sink --capture NDJSON or .hl7 files",
        id: "captures" as const,
      },
      { label: "A tee log", description: "the legacy vs shadow ACK of each frame (--db)", id: "db" as const },
    ],
    { title: "Tee compare: what to compare (test/synthetic data only)" },
  );
  if (!kind) return undefined;
  const pick = async (title: string, filters: Record<string, string[]>) =>
    (await vscode.window.showOpenDialog({ title, canSelectMany: false, filters }))?.[0]?.fsPath;
  if (kind.id === "db") {
    const db = await pick("The tee log (tee run --db)", { "Tee log": ["db", "sqlite"], All: ["*"] });
    return db ? { db } : undefined;
  }
  const filters = { Captures: ["ndjson", "jsonl", "hl7", "txt"], All: ["*"] };
  const legacy = await pick("The legacy destination's capture", filters);
  if (!legacy) return undefined;
  const shadow = await pick("The shadow destination's capture", filters);
  return shadow ? { legacy, shadow } : undefined;
}
