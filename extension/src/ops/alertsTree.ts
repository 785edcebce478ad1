/**
 * The Engine Alerts view: alerts firing now (with the count as the view's badge) and the recent
 * notices. Polls GET /alerts while an engine is up and signed in; the badge shows even while the view
 * is collapsed, so an operator sees a firing alert from anywhere in the sidebar.
 */
import * as vscode from "vscode";
import { type AlertRow, alertsView } from "./alertView.js";
import { showsEngineContent } from "./engineState.js";
import type { EngineWatch } from "./engineWatch.js";
import type { EngineSession } from "./session.js";

type AlertNode = { kind: "group"; label: string; rows: AlertRow[] } | { kind: "row"; row: AlertRow };

const POLL_MS = 10_000;

export class AlertsTree implements vscode.TreeDataProvider<AlertNode>, vscode.Disposable {
  static readonly viewId = "messagefoundry.alerts";
  private readonly changed = new vscode.EventEmitter<AlertNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<AlertNode>;
  private readonly timer: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly session: EngineSession,
    private readonly watch: EngineWatch,
  ) {
    this.view = vscode.window.createTreeView(AlertsTree.viewId, { treeDataProvider: this });
    this.disposables.push(
      this.view,
      session.onDidChange(() => this.refresh()),
    );
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: AlertNode): vscode.TreeItem {
    if (node.kind === "group") {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.label}`;
      return item;
    }
    const r = node.row;
    const item = new vscode.TreeItem(r.label);
    item.id = r.id;
    item.description = r.description;
    item.tooltip = r.tooltip;
    item.iconPath = new vscode.ThemeIcon(
      r.icon,
      r.icon === "bell-dot" ? new vscode.ThemeColor("errorForeground") : undefined,
    );
    return item;
  }

  async getChildren(node?: AlertNode): Promise<AlertNode[]> {
    if (node) return node.kind === "group" ? node.rows.map((row) => ({ kind: "row", row })) : [];
    if (!showsEngineContent(this.watch.current ?? "none")) {
      this.view.badge = undefined;
      return [];
    }
    const client = await this.session.client();
    if (!client?.token) return [];
    try {
      const model = alertsView(await client.alerts());
      this.view.badge = model.badge;
      const groups: AlertNode[] = [];
      if (model.active.length > 0) groups.push({ kind: "group", label: "Firing", rows: model.active });
      else
        groups.push({
          kind: "row",
          row: { id: "none", label: "No alerts firing", description: "", tooltip: "", icon: "pass" },
        });
      if (model.recent.length > 0) groups.push({ kind: "group", label: "Recent", rows: model.recent });
      return groups;
    } catch (err) {
      this.view.badge = undefined;
      const label = err instanceof Error ? err.message : String(err);
      return [{ kind: "row", row: { id: "error", label, description: "", tooltip: label, icon: "bell" } }];
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
