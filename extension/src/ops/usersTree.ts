/**
 * The Users & Sessions view (administrators, `users:manage`): every user with role, state, MFA and
 * session count; a user expands to their live sessions. Actions come from package.json menus keyed on
 * each row's contextValue; the engine still decides (and audits) every change.
 */
import type { SessionView, UserView } from "messagefoundry/api";
import * as vscode from "vscode";
import { EngineError } from "../engine/client.js";
import { showsEngineContent } from "./engineState.js";
import type { EngineWatch } from "./engineWatch.js";
import type { EngineSession } from "./session.js";
import { sessionDescription, sessionLabel, userContext, userDescription, userTooltip } from "./usersModel.js";

export type UsersNode =
  | { kind: "user"; user: UserView }
  | { kind: "session"; user: string; session: SessionView }
  | { kind: "info"; label: string };

export class UsersTree implements vscode.TreeDataProvider<UsersNode>, vscode.Disposable {
  static readonly viewId = "messagefoundry.users";
  private readonly changed = new vscode.EventEmitter<UsersNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly session: EngineSession,
    private readonly watch: EngineWatch,
  ) {
    this.subscriptions = [session.onDidChange(() => this.refresh()), watch.onDidChange(() => this.refresh())];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: UsersNode): vscode.TreeItem {
    switch (node.kind) {
      case "info":
        return new vscode.TreeItem(node.label);
      case "user": {
        const u = node.user;
        const item = new vscode.TreeItem(
          u.name,
          u.activeSessions > 0
            ? vscode.TreeItemCollapsibleState.Collapsed
            : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `user:${u.name}`;
        item.description = userDescription(u);
        item.tooltip = userTooltip(u);
        item.contextValue = userContext(u);
        item.iconPath = new vscode.ThemeIcon(
          u.disabled ? "circle-slash" : u.role === "administrator" ? "shield" : "person",
          u.disabled ? new vscode.ThemeColor("disabledForeground") : undefined,
        );
        return item;
      }
      case "session": {
        const item = new vscode.TreeItem(sessionLabel(node.session));
        item.id = `session:${node.user}:${node.session.id}`;
        item.description = sessionDescription(node.session);
        item.tooltip = `Expires ${node.session.expiresAt} if unused`;
        item.contextValue = node.session.current ? "userSession.current" : "userSession";
        item.iconPath = new vscode.ThemeIcon(node.session.current ? "vm-active" : "vm");
        return item;
      }
    }
  }

  async getChildren(node?: UsersNode): Promise<UsersNode[]> {
    if (!showsEngineContent(this.watch.current ?? "none") || !this.watch.grants.managesUsers) return [];
    const client = await this.session.client();
    if (!client?.token) return [];
    try {
      if (!node) return (await client.users()).map((user) => ({ kind: "user", user }));
      if (node.kind === "user")
        return (await client.userSessions(node.user.name)).map((session) => ({
          kind: "session",
          user: node.user.name,
          session,
        }));
      return [];
    } catch (err) {
      return [{ kind: "info", label: err instanceof EngineError ? err.message : String(err) }];
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.changed.dispose();
  }
}
