/**
 * Watches whether the current engine is there: sets the `messagefoundry.engineState` context key (the
 * sidebar's welcome content depends on it) and fires when the state changes, so the views reload when
 * an engine comes up. One GET /health per probe, backing off while the engine is down (engineState.ts).
 */
import * as vscode from "vscode";
import { clusterStatusOf } from "../engine/cluster.js";
import {
  ENGINE_STATE_CONTEXT,
  type EngineState,
  engineState,
  nextPollMs,
  viewsNeedRefresh,
} from "./engineState.js";
import { Grants, NO_GRANTS } from "./permissions.js";

/** Context key: the current target is a cluster (package.json shows the Engine Nodes view by it). */
export const CLUSTERED_CONTEXT = "messagefoundry.clustered";

import type { EngineSession } from "./session.js";

export class EngineWatch implements vscode.Disposable {
  private state: EngineState | undefined;
  private granted: Grants = NO_GRANTS;
  private grantsKey = "";
  private isClustered = false;
  private delay: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped per probe: only the latest one schedules the next (a settings change probes at once). */
  private probeId = 0;
  private disposed = false;
  private readonly changed = new vscode.EventEmitter<EngineState>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly session: EngineSession) {
    this.disposables.push(session.onDidChange(() => this.probeNow()));
    this.probeNow();
  }

  get current(): EngineState | undefined {
    return this.state;
  }

  /** What the signed-in user may do (from the engine's session answer); nothing when not signed in. */
  get grants(): Grants {
    return this.granted;
  }

  /** The current target is a cluster (its node answered /cluster/status with clustered: true). */
  get clustered(): boolean {
    return this.isClustered;
  }

  /** Probes now (the settings or the sign-in changed, or a view saw the engine go away). */
  probeNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.delay = undefined;
    void this.probe();
  }

  private async probe(): Promise<void> {
    const id = ++this.probeId;
    const target = this.session.current();
    let reachable = false;
    let token = false;
    let permissions: readonly string[] | undefined;
    let clustered = false;
    if (target) {
      const client = await this.session.client(target);
      if (client) {
        token = Boolean(client.token);
        reachable = await client.health().then(
          () => true,
          () => false,
        );
        // The role's permissions decide which views and buttons show; a refused token grants nothing.
        if (reachable && token) {
          permissions = await client.session().then(
            (s) => s.user.permissions,
            () => undefined,
          );
          // A clustered target gets the Engine Nodes view and the Step Down command.
          clustered = await clusterStatusOf(client).then(
            (s) => s.clustered,
            () => false,
          );
        }
      }
    }
    if (this.disposed || id !== this.probeId) return;
    const next = engineState({ target: Boolean(target), reachable, token });
    const previous = this.state;
    this.state = next;
    const grantsKey = [...(permissions ?? [])].sort().join(",");
    const grantsChanged = grantsKey !== this.grantsKey || clustered !== this.isClustered;
    this.isClustered = clustered;
    this.grantsKey = grantsKey;
    this.granted = new Grants(permissions);
    await vscode.commands.executeCommand("setContext", ENGINE_STATE_CONTEXT, next);
    await vscode.commands.executeCommand("setContext", CLUSTERED_CONTEXT, clustered);
    for (const [key, value] of Object.entries(this.granted.contextKeys()))
      await vscode.commands.executeCommand("setContext", key, value);
    if (viewsNeedRefresh(previous, next) || grantsChanged) this.changed.fire(next);
    this.delay = nextPollMs(next, previous, this.delay);
    if (this.delay !== undefined && id === this.probeId && !this.disposed)
      this.timer = setTimeout(() => void this.probe(), this.delay);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
