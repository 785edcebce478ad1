/**
 * Code set visual editor (codesets/<name>.toml|json|csv): a CustomTextEditorProvider, so the TextDocument
 * stays the single source of truth. The view posts grid edit intents; the host turns each into one
 * minimal replacement of the file's own format (webviews' codeset-table model: TOML comments kept, RFC
 * 4180 CSV, JSON) applied as a WorkspaceEdit — undo/redo, dirty state, save and "Reopen With → Text"
 * behave exactly as for typing.
 */
import {
  applyCodeSetIntent,
  codeSetOfPath,
  readCodeSetDocument,
} from "@messagefoundry/webviews/model/codeset-table";
import type { CodeSetDocument, CodeSetIntent } from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";
import { bindDocumentView } from "./documentView.js";

export const CODESET_EDITOR_VIEW_TYPE = "messagefoundry.codeSetEditor";

export class CodeSetEditorProvider implements vscode.CustomTextEditorProvider {
  static readonly viewType = CODESET_EDITOR_VIEW_TYPE;

  static register(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(
      CodeSetEditorProvider.viewType,
      new CodeSetEditorProvider(extensionUri),
      { webviewOptions: { retainContextWhenHidden: false } },
    );
  }

  constructor(private readonly extensionUri: vscode.Uri) {}

  async resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): Promise<void> {
    const id = codeSetOfPath(document.uri.path) ?? { name: "code set", format: "toml" as const };
    bindDocumentView<CodeSetDocument, CodeSetIntent, never>(this.extensionUri, document, panel, {
      view: "codeSetEditor",
      title: `Code set ${id.name}`,
      fileLabel: `${id.name}.${id.format}`,
      read: (text) => readCodeSetDocument(id.name, id.format, text),
      apply: (text, intent) => applyCodeSetIntent(id.format, text, intent),
    });
  }
}
