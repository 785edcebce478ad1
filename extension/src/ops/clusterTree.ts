/**
 * The Engine Nodes view: every node of a clustered target (GET /cluster/nodes) with its role, and the
 * one the target's URL reaches marked as connected (GET /cluster/status on the target). Shown only for
 * a clustered target (package.json: `messagefoundry.clustered`); polled while an engine is up, since
 * heartbeats age and the leader can change under the operator.
 */
import * as vscode from "vscode";
import { clusterStatusOf } from "../engine/cluster.js";
import { type ClusterRow, clusterRows } from "./clusterView.js";
import { showsEngineContent } from "./engineState.js";
import type { EngineWatch } from "./engineWatch.js";
import type { EngineSession } from "./session.js";

const POLL_MS = 10_000;

export class ClusterTree implements vscode.TreeDataProvider<ClusterRow>, vscode.Disposable {
  static readonly viewId = "messagefoundry.cluster";
  private readonly changed = new vscode.EventEmitter<ClusterRow | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<ClusterRow>;
  private readonly timer: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly session: EngineSession,
    private readonly watch: EngineWatch,
  ) {
    this.view = vscode.window.createTreeView(ClusterTree.viewId, { treeDataProvider: this });
    this.disposables.push(
      this.view,
      session.onDidChange(() => this.refresh()),
      watch.onDidChange(() => this.refresh()),
    );
    this.timer = setInterval(() => {
      if (this.view.visible) this.refresh();
    }, POLL_MS);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(row: ClusterRow): vscode.TreeItem {
    const item = new vscode.TreeItem(row.label);
    item.id = row.id;
    item.description = row.description;
    item.tooltip = row.tooltip;
    // The leader offers Step Down (package.json view/item/context, for config:deploy).
    item.contextValue = row.icon === "star-full" ? "clusterNode.leader" : "clusterNode";
    item.iconPath = new vscode.ThemeIcon(
      row.icon,
      row.icon === "warning"
        ? new vscode.ThemeColor("editorWarning.foreground")
        : row.icon === "circle-slash"
          ? new vscode.ThemeColor("disabledForeground")
          : row.current
            ? new vscode.ThemeColor("charts.green")
            : undefined,
    );
    return item;
  }

  async getChildren(row?: ClusterRow): Promise<ClusterRow[]> {
    if (row || !showsEngineContent(this.watch.current ?? "none")) return [];
    const target = this.session.current();
    const client = await this.session.client(target);
    if (!client?.token || !target) return [];
    try {
      const [status, nodes] = await Promise.all([clusterStatusOf(client), client.clusterNodes()]);
      this.view.description = `${target.name} reaches ${status.nodeId}`;
      return clusterRows(nodes, status.nodeId, Date.now());
    } catch (err) {
      const label = err instanceof Error ? err.message : String(err);
      return [{ id: "error", label, description: "", tooltip: label, icon: "warning", current: false }];
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
