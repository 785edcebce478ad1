/**
 * Stage → Promote panel: runs the orchestration (promote/flow.ts) with the CLI for local validation,
 * the engine session for the target and token, and this view for the review and confirmation.
 */

import type {
  PromoteFromView,
  PromoteState,
  PromoteToView,
  RemovedQueuedChoice,
} from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";
import { parseJsonOutput, problemsFrom } from "../cli/index.js";
import { EngineError } from "../engine/client.js";
import type { WriteNode } from "../engine/cluster.js";
import { whereItWent } from "../ops/clusterView.js";
import { collectBundle, type PromoteDecision, runPromote } from "../promote/index.js";
import type { Services } from "../services.js";
import { openLocation } from "./graphPanel.js";
import { askRemovedQueued } from "./removedQueuedPrompt.js";
import { ReviewDocuments } from "./reviewDocuments.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

export class PromotePanel {
  static readonly viewType = "messagefoundry.promote";
  private static current: PromotePanel | undefined;
  private readonly channel: ViewChannel<PromoteToView, PromoteFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  private state: PromoteState = { step: "validate", problems: [] };
  private running = false;
  /** Resolves the pending confirmation: the confirmed staged version, or undefined for cancel. */
  private answer: ((decision: PromoteDecision | undefined) => void) | undefined;
  /** The engine the flow talks to (its URL keys the active version shown). */
  private targetUrl: string | undefined;
  private readonly review = new ReviewDocuments();

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
      this.review,
      panel.onDidDispose(() => this.dispose()),
      // The version every view shows changed (this promote, a rollback elsewhere): show the same here.
      services.activeVersion.onDidChange((e) => {
        if (e.url === this.targetUrl) this.post({ ...this.state, activeNow: e.label });
      }),
    );
  }

  private async start(): Promise<void> {
    this.running = true;
    const { engine } = this.services;
    let node: WriteNode | undefined;
    let targetName = "the target";
    try {
      const final = await runPromote({
        validateLocal: () => this.validateLocal(),
        pickTarget: async () => {
          const target = await engine.pick("Promote to which engine?");
          this.targetUrl = target?.url.replace(/\/+$/, "");
          targetName = target?.name ?? targetName;
          return target;
        },
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
        onNode: (n) => {
          node = n;
        },
        onFiles: (active, staged) => this.review.set(active, staged),
        askRemovedQueued: (items) => askRemovedQueued(items, "promote"),
        onState: (state) => {
          const label = this.targetUrl ? this.services.activeVersion.label(this.targetUrl) : undefined;
          this.post(label ? { ...state, activeNow: label } : state);
        },
      });
      if (final.step === "done") {
        void vscode.window.showInformationMessage(
          `Promoted to ${final.target?.env ?? "the engine"}${node ? whereItWent(node, targetName) : ""}: version ${final.promotedVersion} is active.`,
        );
      }
    } finally {
      this.running = false;
      this.answer = undefined;
    }
  }

  private post(state: PromoteState): void {
    this.state = state;
    this.channel.post({ type: "state", state });
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
        this.answer?.(
          ok === "Promote"
            ? {
                stagedVersion: msg.stagedVersion,
                ...(msg.removedQueued && {
                  removedQueued: msg.removedQueued as Record<string, RemovedQueuedChoice>,
                }),
              }
            : undefined,
        );
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
      case "openDiff":
        await this.review.open(msg.path, this.state.summary?.activeVersion ?? "active");
        return;
    }
  }

  private dispose(): void {
    this.answer?.(undefined);
    PromotePanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
