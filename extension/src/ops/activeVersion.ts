/**
 * The one source of "which config version runs on the engine" for every view: the status bar, the
 * Promote view and the rollback notices read it here. It is fetched from GET /config/active — never
 * taken from what a promote or rollback call returned — and refreshed after each of them, so after a
 * rollback no view can still show the version before it.
 */
import type { ConfigVersion } from "messagefoundry/api";
import * as vscode from "vscode";
import type { EngineClient } from "../engine/client.js";
import { versionLabel } from "../promote/review.js";
import type { EngineSession } from "./session.js";

export class ActiveVersionSource implements vscode.Disposable {
  private readonly byUrl = new Map<string, ConfigVersion | null>();
  private readonly changed = new vscode.EventEmitter<{ url: string; label: string }>();
  /** Fires when the version read for an engine changed. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly session: EngineSession) {
    // A promote or rollback from this window: read the engine's answer again, for every view at once.
    this.disposables.push(session.onDidChangeConfig(() => void this.refresh()));
  }

  /** The last version read for `url` (undefined: not read yet; null: none promoted). */
  get(url: string): ConfigVersion | null | undefined {
    return this.byUrl.get(url);
  }

  label(url: string): string | undefined {
    const v = this.byUrl.get(url);
    return v === undefined ? undefined : versionLabel(v ?? undefined);
  }

  /** Reads GET /config/active with `client` (default: the current target's) and tells the views. */
  async refresh(client?: EngineClient): Promise<ConfigVersion | null | undefined> {
    const c = client ?? (await this.session.client());
    if (!c?.token) return undefined;
    const active = (await c.activeConfig()) ?? null;
    const before = this.byUrl.get(c.baseUrl);
    this.byUrl.set(c.baseUrl, active);
    if (before === undefined || before?.versionId !== active?.versionId)
      this.changed.fire({ url: c.baseUrl, label: versionLabel(active ?? undefined) });
    return active;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
