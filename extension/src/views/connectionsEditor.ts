/**
 * connections.toml visual editor: a CustomTextEditorProvider, so the TextDocument stays the single
 * source of truth. The view posts edit intents; the host turns each into one minimal replacement
 * (webviews' toml-form model, which keeps comments and layout) applied as a WorkspaceEdit — undo/redo,
 * dirty state, save and "Reopen With → Text" behave exactly as for typing.
 */

import { applyIntent, readConnections } from "@messagefoundry/webviews/model/toml-form";
import type { ConnectionsEditorFromView, ConnectionsEditorToView } from "@messagefoundry/webviews/protocol";
import { parse as parseToml } from "smol-toml";
import * as vscode from "vscode";
import { CONNECTIONS_EDITOR_VIEW_TYPE } from "../wizard/openPlan.js";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

export class ConnectionsEditorProvider implements vscode.CustomTextEditorProvider {
  static readonly viewType = CONNECTIONS_EDITOR_VIEW_TYPE;

  static register(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(
      ConnectionsEditorProvider.viewType,
      new ConnectionsEditorProvider(extensionUri),
      { webviewOptions: { retainContextWhenHidden: false } },
    );
  }

  constructor(private readonly extensionUri: vscode.Uri) {}

  async resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = webviewOptions(this.extensionUri);
    panel.webview.html = renderHtml(
      panel.webview,
      this.extensionUri,
      "connectionsEditor",
      "connections.toml",
    );
    const sendDocument = (): void =>
      channel.post({
        type: "document",
        version: document.version,
        model: readConnections(document.getText()),
      });
    const channel: ViewChannel<ConnectionsEditorToView, ConnectionsEditorFromView> = new ViewChannel(
      panel.webview,
      {
        onReady: () => {
          // The env keys go first, then the document: the view renders its form once, when the document
          // arrives, instead of rebuilding it under the user's first keystrokes when late keys arrive.
          void envKeys(document.uri).then((keys) => {
            channel.post({ type: "context", envKeys: keys });
            sendDocument();
          });
        },
        onMessage: async (msg): Promise<void> => {
          if (msg.type === "showText") {
            const line = Math.max(0, msg.line - 1);
            await vscode.window.showTextDocument(document.uri, {
              viewColumn: vscode.ViewColumn.Beside,
              selection: new vscode.Range(line, 0, line, 0),
            });
            return;
          }
          // An edit made against an older text would land in the wrong place: re-send and let the user retry.
          if (msg.version !== document.version) return sendDocument();
          let r: ReturnType<typeof applyIntent>;
          try {
            r = applyIntent(document.getText(), msg.intent);
          } catch (err) {
            // A broken document or an unknown name: the view says why; the text is untouched.
            channel.post({ type: "editRejected", message: err instanceof Error ? err.message : String(err) });
            return;
          }
          if (r.start === r.end && r.newText === "") return;
          const edit = new vscode.WorkspaceEdit();
          edit.replace(
            document.uri,
            new vscode.Range(document.positionAt(r.start), document.positionAt(r.end)),
            r.newText,
          );
          if (!(await vscode.workspace.applyEdit(edit))) {
            channel.post({
              type: "hostError",
              message: "The edit could not be applied to connections.toml.",
            });
          }
        },
      },
    );
    const changes = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === document.uri.toString() && e.contentChanges.length > 0)
        sendDocument();
    });
    panel.onDidDispose(() => {
      changes.dispose();
      channel.dispose();
    });
  }
}

/** Keys defined in any environments/*.toml next to this connections.toml (for env reference pickers). */
async function envKeys(connectionsUri: vscode.Uri): Promise<string[]> {
  const dir = vscode.Uri.joinPath(connectionsUri, "..", "environments");
  const keys = new Set<string>();
  let entries: [string, vscode.FileType][] = [];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    return [];
  }
  for (const [name, type] of entries) {
    if (type !== vscode.FileType.File || !name.endsWith(".toml")) continue;
    try {
      const text = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir, name))).toString(
        "utf8",
      );
      for (const key of Object.keys(parseToml(text))) keys.add(key);
    } catch {
      // A broken environment file is the language server's to report; the picker just lacks its keys.
    }
  }
  return [...keys].sort();
}
