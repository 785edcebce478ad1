/**
 * Status-bar item for the current engine: reachable (GET /health), signed in (a token the engine
 * accepts) and the running config version (GET /config/active). Polled gently and on every change.
 */
import * as vscode from "vscode";
import { clusterStatusOf } from "../engine/cluster.js";
import { versionLabel } from "../promote/review.js";
import type { ActiveVersionSource } from "./activeVersion.js";
import { statusBarRole } from "./clusterView.js";
import type { EngineSession } from "./session.js";

const POLL_MS = 30_000;

export class EngineStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    "messagefoundry.engine",
    vscode.StatusBarAlignment.Left,
    10,
  );
  private readonly disposables: vscode.Disposable[] = [this.item];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: EngineSession,
    private readonly active: ActiveVersionSource,
  ) {
    this.item.name = "MessageFoundry Engine";
    this.item.command = "messagefoundry.engine.menu";
    this.disposables.push(
      session.onDidChange(() => void this.refresh()),
      // After a promote or rollback the source reads the engine again: show what it read.
      active.onDidChange(() => void this.refresh()),
    );
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
    void this.refresh();
    this.item.show();
  }

  async refresh(): Promise<void> {
    const target = this.session.current();
    if (!target) {
      this.item.text = "$(server) No engine";
      this.item.tooltip = "Add an engine in the messagefoundry.engines setting.";
      return;
    }
    const client = await this.session.client(target);
    if (!client) return;
    try {
      await client.health();
    } catch {
      this.item.text = `$(debug-disconnect) ${target.name}`;
      this.item.tooltip = `${target.url} is not reachable.`;
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
      return;
    }
    this.item.backgroundColor = undefined;
    if (!client.token) {
      this.item.text = `$(server) ${target.name} · sign in`;
      this.item.tooltip = `${target.url} is reachable; you are not signed in.`;
      return;
    }
    try {
      // Read through the one source every view shows (ops/activeVersion.ts): it tells the others too.
      const active = (await this.active.refresh(client)) ?? undefined;
      const label = versionLabel(active ?? undefined);
      // A clustered target: the role of the node its URL reaches (a single node adds nothing).
      const role = statusBarRole(await clusterStatusOf(client).catch(() => undefined));
      this.item.text = `$(server) ${target.name}${role.text ? ` · ${role.text}` : ""} · ${label}`;
      this.item.tooltip = new vscode.MarkdownString(
        `**${target.name}** (${target.environment}) — ${target.url}\n\nSigned in. ` +
          (active
            ? `Running config **${label}** promoted by ${active.promotedBy} at ${active.promotedAt}.`
            : "No config has been promoted yet.") +
          (role.tooltip ? `\n\n${role.tooltip}` : ""),
      );
    } catch {
      this.item.text = `$(server) ${target.name} · sign in`;
      this.item.tooltip = `${target.url} is reachable; the stored sign-in was refused or has expired.`;
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
