/**
 * Watches whether the current engine is there: sets the `messagefoundry.engineState` context key (the
 * sidebar's welcome content depends on it) and fires when the state changes, so the views reload when
 * an engine comes up. One GET /health per probe, backing off while the engine is down (engineState.ts).
 */
import * as vscode from "vscode";
import {
  ENGINE_STATE_CONTEXT,
  type EngineState,
  engineState,
  nextPollMs,
  viewsNeedRefresh,
} from "./engineState.js";
import type { EngineSession } from "./session.js";

export class EngineWatch implements vscode.Disposable {
  private state: EngineState | undefined;
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
    if (target) {
      const client = await this.session.client(target);
      if (client) {
        token = Boolean(client.token);
        reachable = await client.health().then(
          () => true,
          () => false,
        );
      }
    }
    if (this.disposed || id !== this.probeId) return;
    const next = engineState({ target: Boolean(target), reachable, token });
    const previous = this.state;
    this.state = next;
    await vscode.commands.executeCommand("setContext", ENGINE_STATE_CONTEXT, next);
    if (viewsNeedRefresh(previous, next)) this.changed.fire(next);
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
