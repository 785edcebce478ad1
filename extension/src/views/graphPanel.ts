/**
 * Graph view: the wiring of one config dir drawn from the language server's `messagefoundry/graph`.
 * Clicking a node opens its declaration; a router's or handler's "Steps" link (right-click, S) opens it
 * in the Steps view. Refreshes when a config file is saved.
 */

import type { GraphFromView, GraphToView } from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { StepsPanel } from "./stepsPanel.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

export class GraphPanel {
  static readonly viewType = "messagefoundry.graph";
  private static current: GraphPanel | undefined;
  private readonly channel: ViewChannel<GraphToView, GraphFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  /** The config dir the server answered for; locations are relative to it. */
  private configDir: vscode.Uri;

  static show(services: Services, configDir: vscode.Uri): void {
    if (GraphPanel.current) {
      GraphPanel.current.configDir = configDir;
      GraphPanel.current.panel.reveal();
      void GraphPanel.current.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      GraphPanel.viewType,
      "MessageFoundry Graph",
      vscode.ViewColumn.Active,
      webviewOptions(services.extensionUri),
    );
    GraphPanel.current = new GraphPanel(panel, services, configDir);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    configDir: vscode.Uri,
  ) {
    this.configDir = configDir;
    panel.webview.html = renderHtml(panel.webview, services.extensionUri, "graph", "MessageFoundry Graph");
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => void this.refresh(),
      onMessage: (msg) => this.onMessage(msg),
    });
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (doc.uri.path.startsWith(`${this.configDir.path}/`)) void this.refresh();
      }),
    );
  }

  private async refresh(): Promise<void> {
    const result = await requestGraph(this.services.languageClient(), this.configDir);
    if (!result) {
      this.channel.post({ type: "hostError", message: "The language server is not running yet." });
      return;
    }
    this.configDir = vscode.Uri.parse(result.configDir);
    this.channel.post({ type: "graph", graph: result.graph, problems: result.problems });
  }

  private async onMessage(msg: Exclude<GraphFromView, { type: "ready" }>): Promise<void> {
    if (msg.type === "refresh") return this.refresh();
    if (msg.type === "openSteps") {
      const uri = vscode.Uri.joinPath(this.configDir, msg.location.file).toString();
      StepsPanel.show(this.services, { uri, kind: msg.kind, name: msg.name });
      return;
    }
    await openLocation(this.configDir, msg.location);
  }

  private dispose(): void {
    GraphPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}

/** Opens a config-relative, 1-based location (endColumn exclusive) and selects it. */
export async function openLocation(
  configDir: vscode.Uri,
  loc: { file: string; line: number; column?: number; endLine?: number; endColumn?: number },
): Promise<void> {
  const uri = vscode.Uri.joinPath(configDir, loc.file);
  const start = new vscode.Position(Math.max(0, loc.line - 1), Math.max(0, (loc.column ?? 1) - 1));
  const end =
    loc.endLine !== undefined && loc.endColumn !== undefined
      ? new vscode.Position(loc.endLine - 1, Math.max(0, loc.endColumn - 1))
      : start;
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(start, end) });
}
