/**
 * Stage → Promote panel: runs the orchestration (promote/flow.ts) with the CLI for local validation,
 * the engine session for the target and token, and this view for the review and confirmation.
 */

import type { PromoteFromView, PromoteState, PromoteToView } from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";
import { parseJsonOutput, problemsFrom } from "../cli/index.js";
import { EngineError } from "../engine/client.js";
import { collectBundle, runPromote } from "../promote/index.js";
import type { Services } from "../services.js";
import { openLocation } from "./graphPanel.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

export class PromotePanel {
  static readonly viewType = "messagefoundry.promote";
  private static current: PromotePanel | undefined;
  private readonly channel: ViewChannel<PromoteToView, PromoteFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  private state: PromoteState = { step: "validate", problems: [] };
  private running = false;
  /** Resolves the pending confirmation: the confirmed staged version, or undefined for cancel. */
  private answer: ((stagedVersion: string | undefined) => void) | undefined;

  static show(services: Services, configDir: vscode.Uri): void {
    if (PromotePanel.current) {
      PromotePanel.current.panel.reveal();
      if (!PromotePanel.current.running) void PromotePanel.current.start();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PromotePanel.viewType,
      "Stage → Promote",
      vscode.ViewColumn.Active,
      { ...webviewOptions(services.extensionUri), retainContextWhenHidden: true },
    );
    PromotePanel.current = new PromotePanel(panel, services, configDir);
    void PromotePanel.current.start();
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    private readonly configDir: vscode.Uri,
  ) {
    panel.webview.html = renderHtml(panel.webview, services.extensionUri, "promote", "Stage → Promote");
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => this.channel.post({ type: "state", state: this.state }),
      onMessage: (msg) => this.onMessage(msg),
    });
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private async start(): Promise<void> {
    this.running = true;
    const { engine } = this.services;
    try {
      const final = await runPromote({
        validateLocal: () => this.validateLocal(),
        pickTarget: () => engine.pick("Promote to which engine?"),
        collectBundle: () => collectBundle(this.configDir.fsPath),
        clientFor: async (target) => {
          const client = await engine.signedInClient(target);
          // A stale token would fail the stage with 401: check it now and sign in again if needed.
          if (client) {
            try {
              await client.activeConfig();
            } catch (err) {
              if (err instanceof EngineError && err.needsSignIn) {
                await engine.forget(target);
                return engine.signedInClient(target);
              }
            }
          }
          return client;
        },
        confirm: () => new Promise((resolve) => (this.answer = resolve)),
        onPromoted: () => engine.configChanged(),
        onState: (state) => {
          this.state = state;
          this.channel.post({ type: "state", state });
        },
      });
      if (final.step === "done") {
        void vscode.window.showInformationMessage(
          `Promoted to ${final.target?.env ?? "the engine"}: version ${final.promotedVersion} is active.`,
        );
      }
    } finally {
      this.running = false;
      this.answer = undefined;
    }
  }

  private async validateLocal() {
    const env =
      vscode.workspace.getConfiguration("messagefoundry", this.configDir).get<string>("environment") || "dev";
    const result = await this.services.cli(this.configDir, [
      "validate",
      "--config",
      ".",
      "--env",
      env,
      "--json",
    ]);
    return problemsFrom(parseJsonOutput(result, "validate"));
  }

  private async onMessage(msg: Exclude<PromoteFromView, { type: "ready" }>): Promise<void> {
    switch (msg.type) {
      case "confirm": {
        const ok = await vscode.window.showWarningMessage(
          `Promote staged version ${msg.stagedVersion} to ${this.state.target?.env ?? "the engine"}?`,
          { modal: true },
          "Promote",
        );
        this.answer?.(ok === "Promote" ? msg.stagedVersion : undefined);
        return;
      }
      case "cancel":
        this.answer?.(undefined);
        return;
      case "restart":
        if (!this.running) await this.start();
        return;
      case "openProblem":
        await openLocation(this.configDir, { file: msg.file, line: msg.line });
        return;
    }
  }

  private dispose(): void {
    this.answer?.(undefined);
    PromotePanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
