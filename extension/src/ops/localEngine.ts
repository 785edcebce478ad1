/**
 * Start / stop / restart a local engine on the workspace's config from VS Code: `serve --local-dev` with
 * an embedded SQLite dev database under the workspace's `.messagefoundry/` (ops/localEngineProcess.ts).
 * Its log goes to the "MessageFoundry Local Engine" output channel, its state to the status bar and the
 * `messagefoundry.localEngine` context key (the sidebar's welcome and title buttons), and once it is up
 * the engine views switch to it, signed in with its one-run token — no user to create, no MFA to enrol.
 */
import * as vscode from "vscode";
import { resolveCli } from "../cli/index.js";
import type { EngineTarget } from "../engine/targets.js";
import { type LocalEngineFile, LocalEngineProcess, type LocalEngineState } from "./localEngineProcess.js";
import type { EngineSession } from "./session.js";

export const LOCAL_ENGINE_CONTEXT = "messagefoundry.localEngine";
export const LOCAL_TARGET_NAME = "local engine (workspace)";

export class LocalEngineController implements vscode.Disposable {
  private process: LocalEngineProcess | undefined;
  private configDir: vscode.Uri | undefined;
  private env = "dev";
  private readonly log = vscode.window.createOutputChannel("MessageFoundry Local Engine");
  private readonly item = vscode.window.createStatusBarItem(
    "messagefoundry.localEngine",
    vscode.StatusBarAlignment.Left,
    9,
  );
  private readonly changed = new vscode.EventEmitter<LocalEngineState>();
  /** Fires on every state change (starting, running, stopped, failed). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.log, this.item, this.changed];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly session: EngineSession,
  ) {
    this.item.name = "MessageFoundry Local Engine";
    this.show("stopped");
  }

  get state(): LocalEngineState {
    return this.process?.state ?? "stopped";
  }

  /** URL and token of the running local engine (for Send to MLLP's targets). */
  get running(): { file: LocalEngineFile; configDir: vscode.Uri; env: string } | undefined {
    const file = this.process?.session;
    return file && this.configDir ? { file, configDir: this.configDir, env: this.env } : undefined;
  }

  async start(configDir: vscode.Uri): Promise<void> {
    if (this.process && this.state !== "stopped" && this.state !== "failed") {
      void vscode.window.showInformationMessage("The local engine is already running.");
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(configDir);
    const workspaceRoot = (folder?.uri ?? configDir).fsPath;
    const settings = vscode.workspace.getConfiguration("messagefoundry", configDir);
    const cli = resolveCli({
      configured: settings.get<string>("cliPath") || undefined,
      configDir: configDir.fsPath,
      extensionRoot: this.extensionUri.fsPath,
    });
    if (!cli) {
      throw new Error(
        "The messagefoundry CLI was not found: run `npm install messagefoundry` in the config repo or set messagefoundry.cliPath.",
      );
    }
    this.configDir = configDir;
    this.env = settings.get<string>("environment") || "dev";
    const node = settings.get<string>("nodePath") || undefined;
    const port = settings.get<number>("localEngine.port") || undefined;
    this.log.appendLine(
      `— starting the local engine on ${vscode.workspace.asRelativePath(configDir)} (env ${this.env})`,
    );
    this.process = new LocalEngineProcess({
      cli,
      ...(node ? { node } : {}),
      workspaceRoot,
      configDir: configDir.fsPath,
      env: this.env,
      ...(port ? { port } : {}),
      onLog: (line) => this.log.appendLine(line),
      onState: (state, detail) => this.onState(state, detail),
    });
    try {
      const file = await this.process.start();
      const target: EngineTarget = { name: LOCAL_TARGET_NAME, url: file.url, environment: this.env };
      await this.session.setLocal({ target, token: file.token, password: file.password });
      vscode.window.setStatusBarMessage(`Local engine running at ${file.url}`, 4000);
    } catch (error) {
      this.log.show(true);
      const why = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(
        `The local engine did not start: ${why.split("\n").slice(-3).join(" ")}`,
      );
    }
  }

  async stop(): Promise<void> {
    if (!this.process) return;
    await this.session.setLocal(undefined);
    await this.process.stop();
  }

  async restart(fallbackDir: () => Promise<vscode.Uri | undefined>): Promise<void> {
    const dir = this.configDir ?? (await fallbackDir());
    if (!dir) return;
    await this.stop();
    await this.start(dir);
  }

  showLog(): void {
    this.log.show(true);
  }

  private onState(state: LocalEngineState, detail?: string): void {
    if (detail) this.log.appendLine(`— ${state}: ${detail.split("\n")[0]}`);
    else this.log.appendLine(`— ${state}`);
    // An engine that died on its own: the views go back to the configured targets.
    if (state === "failed") void this.session.setLocal(undefined);
    this.show(state);
    this.changed.fire(state);
  }

  private show(state: LocalEngineState): void {
    void vscode.commands.executeCommand("setContext", LOCAL_ENGINE_CONTEXT, state);
    const url = this.process?.session?.url;
    const look: Record<LocalEngineState, [string, string, string]> = {
      stopped: [
        "$(debug-start) Local engine",
        "Start a local engine on this workspace's config.",
        "messagefoundry.localEngine.start",
      ],
      starting: [
        "$(loading~spin) Local engine starting…",
        "Starting; the log is in the output channel.",
        "messagefoundry.localEngine.showLog",
      ],
      running: [
        "$(vm-running) Local engine: running",
        `Running at ${url ?? "?"}. Click for actions.`,
        "messagefoundry.localEngine.menu",
      ],
      stopping: [
        "$(loading~spin) Local engine stopping…",
        "Draining and stopping.",
        "messagefoundry.localEngine.showLog",
      ],
      failed: [
        "$(error) Local engine failed",
        "It stopped with an error: click to see its log.",
        "messagefoundry.localEngine.showLog",
      ],
    };
    const [text, tooltip, command] = look[state];
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.command = command;
    this.item.backgroundColor =
      state === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.item.show();
  }

  dispose(): void {
    void this.process?.stop();
    for (const d of this.disposables) d.dispose();
  }
}

/** The local engine's commands; `configDir` picks the workspace's config (asks when there are several). */
export function registerLocalEngineCommands(
  local: LocalEngineController,
  configDir: () => Promise<vscode.Uri | undefined>,
): vscode.Disposable[] {
  const guarded = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (error) {
      void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
    }
  };
  return [
    vscode.commands.registerCommand(
      "messagefoundry.localEngine.start",
      guarded(async () => {
        const dir = await configDir();
        if (dir) await local.start(dir);
      }),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.localEngine.stop",
      guarded(() => local.stop()),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.localEngine.restart",
      guarded(() => local.restart(configDir)),
    ),
    vscode.commands.registerCommand("messagefoundry.localEngine.showLog", () => local.showLog()),
    vscode.commands.registerCommand("messagefoundry.localEngine.menu", async () => {
      const pick = await vscode.window.showQuickPick(
        [
          { label: "$(debug-restart) Restart (reloads the workspace's config)", id: "restart" },
          { label: "$(debug-stop) Stop", id: "stop" },
          { label: "$(output) Show log", id: "showLog" },
          { label: "$(send) Send to MLLP…", id: "send" },
        ],
        { placeHolder: `Local engine — ${local.running?.file.url ?? local.state}` },
      );
      if (pick?.id === "send") await vscode.commands.executeCommand("messagefoundry.sendMllp");
      else if (pick) await vscode.commands.executeCommand(`messagefoundry.localEngine.${pick.id}`);
    }),
  ];
}
