/**
 * Load Test panel: runs `messagefoundry load` for the form the view sends (profile, target, sink port,
 * reconcile with the current engine using its signed-in token), relays the CLI's progress events to
 * the view's live charts, shows the verdict, and opens the HTML report in the browser. One run at a
 * time, with a cancellable progress notification; Stop or Cancel kills the CLI.
 */
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadTestForm, LoadTestFromView, LoadTestToView } from "@messagefoundry/webviews/protocol";
import { BUILT_IN_PROFILES, type LoadVerdict } from "messagefoundry/api";
import * as vscode from "vscode";
import { DEFAULT_FORM, formProblem, loadArgs, parseLoadEvent, runTimeoutMs } from "../loadtest/index.js";
import type { Services } from "../services.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

const FORM_KEY = "messagefoundry.loadTest.form";

export class LoadTestPanel {
  static readonly viewType = "messagefoundry.loadTest";
  private static current: LoadTestPanel | undefined;
  private readonly channel: ViewChannel<LoadTestToView, LoadTestFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  private abort: AbortController | undefined;
  private report: string | undefined;

  static show(services: Services, configDir: vscode.Uri, memento: vscode.Memento): void {
    if (LoadTestPanel.current) {
      LoadTestPanel.current.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      LoadTestPanel.viewType,
      "Load Test",
      vscode.ViewColumn.Active,
      { ...webviewOptions(services.extensionUri), retainContextWhenHidden: true },
    );
    LoadTestPanel.current = new LoadTestPanel(panel, services, configDir, memento);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    private readonly configDir: vscode.Uri,
    private readonly memento: vscode.Memento,
  ) {
    panel.webview.html = renderHtml(panel.webview, services.extensionUri, "loadTest", "Load Test");
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => this.init(),
      onMessage: (msg) => this.onMessage(msg),
    });
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private init(): void {
    const engine = this.services.engine.current();
    this.channel.post({
      type: "init",
      profiles: Object.values(BUILT_IN_PROFILES).map((p) => ({
        name: p.name,
        description: p.description,
        ...(p.failover ? { failover: true } : {}),
      })),
      form: { ...DEFAULT_FORM, ...this.memento.get<LoadTestForm>(FORM_KEY) },
      ...(engine ? { engine: `${engine.name}, ${engine.url}` } : {}),
    });
  }

  private async onMessage(msg: Exclude<LoadTestFromView, { type: "ready" }>): Promise<void> {
    if (msg.type === "stop") this.abort?.abort();
    else if (msg.type === "openReport") {
      if (this.report) await vscode.env.openExternal(vscode.Uri.file(this.report));
    } else await this.run(msg.form);
  }

  private async run(form: LoadTestForm): Promise<void> {
    if (this.abort) return;
    const problem = formProblem(form);
    if (problem) {
      this.channel.post({ type: "hostError", message: problem });
      return;
    }
    await this.memento.update(FORM_KEY, form);
    let api: string | undefined;
    const env: Record<string, string> = {};
    if (form.useEngine) {
      const client = await this.services.engine.signedInClient();
      const target = this.services.engine.current();
      if (!client?.token || !target) {
        this.channel.post({
          type: "hostError",
          message: "Sign in to the engine to reconcile with it (or untick it).",
        });
        return;
      }
      api = target.url;
      env.MEFOR_API_TOKEN = client.token;
    }
    const dir = join(
      tmpdir(),
      "messagefoundry-load",
      `${form.profile.replace(/[^\w.-]+/g, "_")}-${Date.now()}`,
    );
    mkdirSync(dir, { recursive: true });
    const out = { json: join(dir, "result.json"), html: join(dir, "report.html") };
    const abort = new AbortController();
    this.abort = abort;
    let verdict: LoadVerdict | undefined;
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Load test ${form.profile}`,
        cancellable: true,
      },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        try {
          const result = await this.services.cli(this.configDir, loadArgs(form, out, api), abort.signal, {
            env,
            timeoutMs: runTimeoutMs(form.profile),
            onLine: (line) => {
              const event = parseLoadEvent(line);
              if (!event) return;
              if (event.type === "sample") progress.report({ message: `${event.t} s, ${event.phase}` });
              else if (event.type === "drain") progress.report({ message: `draining, ${event.seconds} s` });
              else if (event.type === "done") verdict = event.verdict;
              this.channel.post({ type: "event", event });
            },
          });
          this.report = existsSync(out.html) ? out.html : undefined;
          this.channel.post({
            type: "finished",
            exitCode: result.code,
            ...(verdict ? { verdict } : { error: result.stderr.trim().split("\n").slice(-3).join("\n") }),
            ...(this.report ? { report: this.report } : {}),
          });
        } catch (err) {
          const stopped = abort.signal.aborted;
          this.channel.post({
            type: "finished",
            exitCode: stopped ? 130 : 1,
            error: stopped ? "Stopped." : err instanceof Error ? err.message : String(err),
          });
        } finally {
          this.abort = undefined;
        }
      },
    );
  }

  private dispose(): void {
    this.abort?.abort();
    LoadTestPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
