/**
 * The config explorer view: the workspace's inbounds, routers, handlers and outbounds from the language
 * server's graph (unsaved edits included), beside the engine views. Clicking one opens its declaration.
 * It refreshes when a config file is saved and when the language server (re)starts.
 */
import type { NodeKind } from "messagefoundry/graph";
import * as vscode from "vscode";
import { requestConfigDirs } from "../lsp/configDirs.js";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import { type ExplorerGroup, type ExplorerItem, explorerGroups } from "./model.js";

type Node =
  | { type: "dir"; dir: vscode.Uri }
  | { type: "group"; dir: vscode.Uri; group: ExplorerGroup }
  | { type: "item"; dir: vscode.Uri; item: ExplorerItem }
  | { type: "message"; text: string };

const ICONS: Record<NodeKind, string> = {
  inbound: "sign-in",
  router: "git-compare",
  handler: "symbol-function",
  outbound: "sign-out",
};

export class ConfigExplorer implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  static readonly viewId = "messagefoundry.config";
  /** Registered in extension.ts; not in the palette (it takes a node's location). */
  static readonly revealCommand = "messagefoundry.config.reveal";
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly services: Services) {
    this.disposables.push(
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (/\.(ts|toml)$/.test(doc.uri.path)) this.refresh();
      }),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const client = this.services.languageClient();
    if (!node) {
      const dirs = await requestConfigDirs(client);
      if (dirs === undefined) return [{ type: "message", text: "Waiting for the language server…" }];
      // One config dir (the usual case): its groups at the top; several: one node per dir.
      if (dirs.length === 1 && dirs[0]) return this.groups(dirs[0]);
      return dirs.map((dir) => ({ type: "dir", dir }));
    }
    if (node.type === "dir") return this.groups(node.dir);
    if (node.type === "group") return node.group.items.map((item) => ({ type: "item", dir: node.dir, item }));
    return [];
  }

  private async groups(dir: vscode.Uri): Promise<Node[]> {
    const result = await requestGraph(this.services.languageClient(), dir);
    if (!result) return [{ type: "message", text: "Waiting for the language server…" }];
    const configDir = vscode.Uri.parse(result.configDir);
    return explorerGroups(result.graph).map((group) => ({ type: "group", dir: configDir, group }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case "message":
        return new vscode.TreeItem(node.text);
      case "dir": {
        const item = new vscode.TreeItem(
          vscode.workspace.asRelativePath(node.dir),
          vscode.TreeItemCollapsibleState.Expanded,
        );
        item.iconPath = new vscode.ThemeIcon("folder");
        return item;
      }
      case "group": {
        const item = new vscode.TreeItem(
          node.group.label,
          node.group.items.length > 0
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.None,
        );
        item.iconPath = new vscode.ThemeIcon(ICONS[node.group.kind]);
        item.contextValue = `configGroup.${node.group.kind}`;
        return item;
      }
      case "item": {
        const { item: it } = node;
        const item = new vscode.TreeItem(it.name);
        item.description = it.description;
        item.tooltip = it.tooltip;
        item.iconPath = new vscode.ThemeIcon(ICONS[it.kind]);
        item.contextValue = `configNode.${it.kind}`;
        // Go to definition: the declaring file as text (connections.toml too), the name selected.
        item.command = {
          title: "Go to Definition",
          command: ConfigExplorer.revealCommand,
          arguments: [node.dir, it.location],
        };
        return item;
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
