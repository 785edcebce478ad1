/**
 * connections.toml visual editor: a CustomTextEditorProvider, so the TextDocument stays the single
 * source of truth. The view posts edit intents; the host turns each into one minimal replacement
 * (webviews' toml-form model, which keeps comments and layout) applied as a WorkspaceEdit — undo/redo,
 * dirty state, save and "Reopen With → Text" behave exactly as for typing.
 */

import { applyIntent, readConnections } from "@messagefoundry/webviews/model/toml-form";
import type {
  ConnectionsContextMessage,
  ConnectionsDocument,
  EditIntent,
} from "@messagefoundry/webviews/protocol";
import { parse as parseToml } from "smol-toml";
import * as vscode from "vscode";
import { CONNECTIONS_EDITOR_VIEW_TYPE } from "../wizard/openPlan.js";
import { bindDocumentView } from "./documentView.js";

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
    bindDocumentView<ConnectionsDocument, EditIntent, ConnectionsContextMessage>(
      this.extensionUri,
      document,
      panel,
      {
        view: "connectionsEditor",
        title: "connections.toml",
        fileLabel: "connections.toml",
        read: readConnections,
        apply: applyIntent,
        // The env keys go first, then the document: the view renders its form once, when the document
        // arrives, instead of rebuilding it under the user's first keystrokes when late keys arrive.
        beforeDocument: async () => [{ type: "context", envKeys: await envKeys(document.uri) }],
      },
    );
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
