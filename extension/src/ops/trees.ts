/**
 * Engine tree views: connections with live counters (WS /ws/stats), recent messages per connection and
 * dead letters. Summaries come masked from the engine; bodies are only fetched when the user opens one.
 */

import type { ConnectionStatus, MessageSummary, StageRow, StatsFrame } from "messagefoundry/api";
import * as vscode from "vscode";
import { EngineError } from "../engine/client.js";
import type { StatsSubscription } from "../engine/statsSocket.js";
import { connectionDescription, connectionIcon, connectionTooltip } from "./connectionView.js";
import { showsEngineContent } from "./engineState.js";
import type { EngineWatch } from "./engineWatch.js";
import type { Grants } from "./permissions.js";
import type { EngineSession } from "./session.js";

export type EngineNode =
  | { kind: "connection"; status: ConnectionStatus }
  | { kind: "message"; message: MessageSummary }
  | { kind: "deadLetter"; row: StageRow }
  | { kind: "info"; label: string; command?: vscode.Command };

function infoFor(err: unknown): EngineNode {
  if (err instanceof EngineError && err.needsSignIn) {
    return {
      kind: "info",
      label: "Sign in to see the engine",
      command: { command: "messagefoundry.engine.signIn", title: "Sign in" },
    };
  }
  return { kind: "info", label: err instanceof Error ? err.message : String(err) };
}

/** An engine that went away empties the view (its welcome shows) and is probed again at once. */
function failedChildren(err: unknown, watch: EngineWatch): EngineNode[] {
  if (err instanceof EngineError && err.code === "UNREACHABLE") {
    watch.probeNow();
    return [];
  }
  return [infoFor(err)];
}

function toItem(node: EngineNode, grants: Grants): vscode.TreeItem {
  switch (node.kind) {
    case "info": {
      const item = new vscode.TreeItem(node.label);
      if (node.command) item.command = node.command;
      return item;
    }
    case "connection": {
      const c = node.status;
      // Only roles that may list messages get a connection that expands to them.
      const item = new vscode.TreeItem(
        c.name,
        grants.listsMessages
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `conn:${c.name}`;
      item.description = connectionDescription(c);
      // `connection.start` / `connection.stop` offer that button; plain `connection` offers none.
      const control = grants.controlFor(c.state);
      item.contextValue = control ? `connection.${control}` : "connection";
      const icon = connectionIcon(c);
      item.iconPath = new vscode.ThemeIcon(
        icon,
        icon === "error"
          ? new vscode.ThemeColor("errorForeground")
          : icon === "warning"
            ? new vscode.ThemeColor("editorWarning.foreground")
            : c.state === "running"
              ? undefined
              : new vscode.ThemeColor("disabledForeground"),
      );
      item.tooltip = connectionTooltip(c);
      return item;
    }
    case "message": {
      const m = node.message;
      const item = new vscode.TreeItem(m.messageType ?? `Message ${m.id}`);
      item.id = `msg:${m.id}`;
      item.description = [m.disposition, m.controlId, m.receivedAt].filter(Boolean).join(" · ");
      item.tooltip = `Message ${m.id}${m.run > 1 ? ` (run ${m.run})` : ""}${m.hasError ? " — has an error" : ""}`;
      item.contextValue = "message";
      item.iconPath = new vscode.ThemeIcon(m.hasError || m.disposition === "ERROR" ? "error" : "mail");
      // Opening shows the body (a raw view): only for roles that may see it.
      if (grants.opensMessages)
        item.command = {
          command: "messagefoundry.message.open",
          title: "Open in parse tree",
          arguments: [node],
        };
      return item;
    }
    case "deadLetter": {
      const r = node.row;
      const item = new vscode.TreeItem(`${r.connection} — message ${r.messageId}`);
      item.id = `dead:${r.id}`;
      item.description = [r.stage, `${r.attempts} attempt(s)`, r.updatedAt].filter(Boolean).join(" · ");
      item.contextValue = "deadLetter";
      item.iconPath = new vscode.ThemeIcon("error");
      if (grants.opensMessages)
        item.command = {
          command: "messagefoundry.message.open",
          title: "Open in parse tree",
          arguments: [node],
        };
      return item;
    }
  }
}

/** Connections with live counters; each expands to its recent messages. */
export class ConnectionsTree implements vscode.TreeDataProvider<EngineNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EngineNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private live = new Map<string, ConnectionStatus>();
  private subscription: StatsSubscription | undefined;
  private readonly roleChanged = new vscode.EventEmitter<void>();
  /** The feed says the node's cluster role changed (a failover, a stepdown): the role shown is stale. */
  readonly onDidChangeRole = this.roleChanged.event;
  private role: string | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.roleChanged];

  constructor(
    private readonly session: EngineSession,
    private readonly watch: EngineWatch,
  ) {
    this.disposables.push(session.onDidChange(() => this.restart()));
  }

  /** Called when the view becomes visible: the feed only runs while someone is looking. */
  setVisible(visible: boolean): void {
    if (visible) this.restart();
    else this.stop();
  }

  private stop(): void {
    this.subscription?.dispose();
    this.subscription = undefined;
  }

  private restart(): void {
    this.stop();
    this.live.clear();
    this.role = undefined;
    this.changed.fire(undefined);
    void this.session.client().then((client) => {
      if (!client?.token) return;
      this.subscription = client.subscribeStats(
        (frame: StatsFrame) => {
          const role = frame.cluster
            ? `${frame.cluster.role}:${frame.cluster.leader?.nodeId ?? ""}`
            : undefined;
          if (this.role !== undefined && role !== this.role) this.roleChanged.fire();
          this.role = role;
          for (const c of frame.connections) {
            const known = this.live.get(c.name);
            if (known) this.live.set(c.name, { ...known, counts: c.counts, lastActivity: c.lastActivity });
          }
          this.changed.fire(undefined);
        },
        (err) => {
          if (err) void vscode.window.setStatusBarMessage(`MessageFoundry stats: ${err.message}`, 5000);
        },
      );
    });
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: EngineNode): vscode.TreeItem {
    return toItem(node, this.watch.grants);
  }

  async getChildren(node?: EngineNode): Promise<EngineNode[]> {
    // Not ready (no target, down, signed out): empty, so the sidebar's welcome says what to do.
    if (!node && !showsEngineContent(this.watch.current ?? "none")) return [];
    const client = await this.session.client();
    if (!client) return [];
    try {
      if (!node) {
        const list = await client.connections();
        // The feed then updates counters of the connections known here (it carries no states).
        for (const c of list) this.live.set(c.name, c);
        return list.map((c) => ({ kind: "connection", status: c }));
      }
      if (node.kind === "connection" && this.watch.grants.listsMessages) {
        const page = await client.messages({ connection: node.status.name, limit: 50 });
        return page.items.map((m) => ({ kind: "message", message: m }));
      }
      return [];
    } catch (err) {
      return failedChildren(err, this.watch);
    }
  }

  dispose(): void {
    this.stop();
    for (const d of this.disposables) d.dispose();
  }
}

export class DeadLettersTree implements vscode.TreeDataProvider<EngineNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EngineNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly session: EngineSession,
    private readonly watch: EngineWatch,
  ) {
    this.subscription = session.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: EngineNode): vscode.TreeItem {
    return toItem(node, this.watch.grants);
  }

  async getChildren(node?: EngineNode): Promise<EngineNode[]> {
    if (node || !showsEngineContent(this.watch.current ?? "none")) return [];
    // The view is hidden for such roles (package.json); never ask for what would be refused.
    if (!this.watch.grants.seesDeadLetters) return [];
    const client = await this.session.client();
    if (!client) return [];
    try {
      const page = await client.deadLetters({ limit: 100 });
      if (page.items.length === 0) return [{ kind: "info", label: "No dead letters" }];
      return page.items.map((row) => ({ kind: "deadLetter", row }));
    } catch (err) {
      return failedChildren(err, this.watch);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
