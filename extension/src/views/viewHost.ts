/**
 * Hosting one webview bundle (dist/webviews/<id>.js + .css) with a strict Content-Security-Policy:
 * `default-src 'none'`, scripts only with a fresh nonce, styles/fonts/images only from the extension's
 * dist/webviews root. Messages to the view are queued until it posts `ready` (anything posted earlier
 * would be lost), and every message from the view is checked to be a tagged object before dispatch.
 */
import { randomBytes } from "node:crypto";
import { isTagged, type ViewId, viewHtml } from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "webviews")] };
}

/** The view's page with the strict CSP proven by the webviews' browser tests (webviews/src/protocol/html.ts). */
export function renderHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  view: ViewId,
  title: string,
): string {
  const root = vscode.Uri.joinPath(extensionUri, "dist", "webviews");
  return viewHtml({
    view,
    title,
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString("base64"),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${view}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, `${view}.css`)).toString(),
  });
}

/**
 * The typed channel to one view: `post` queues until `ready`; `onReady` runs on every `ready` (a view
 * reloaded or revived sends it again and must get the full model again).
 */
export class ViewChannel<ToView extends { type: string }, FromView extends { type: string }> {
  private ready = false;
  private queue: ToView[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly webview: vscode.Webview,
    handlers: {
      onReady: () => void;
      onMessage: (msg: Exclude<FromView, { type: "ready" }>) => void | Promise<void>;
    },
  ) {
    this.disposables.push(
      webview.onDidReceiveMessage(async (raw: unknown) => {
        if (!isTagged(raw)) return;
        if (raw.type === "ready") {
          this.ready = true;
          const pending = this.queue;
          this.queue = [];
          handlers.onReady();
          for (const m of pending) void this.webview.postMessage(m);
          return;
        }
        try {
          await handlers.onMessage(raw as Exclude<FromView, { type: "ready" }>);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          void this.webview.postMessage({ type: "hostError", message });
        }
      }),
    );
  }

  post(message: ToView): void {
    if (this.ready) void this.webview.postMessage(message);
    else this.queue.push(message);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
