/**
 * The shared wiring of a custom text editor whose view edits by intents (connections.toml, code sets):
 * the view gets the document model after `ready` and after every change of the text; each intent the
 * view posts is turned into one minimal replacement applied as a WorkspaceEdit (so undo/redo, dirty state
 * and save behave as for typing); an intent against an older version re-sends the model; one the model
 * refuses is answered with `editRejected`; `showText` opens the text beside at a line.
 */
import type { ViewId } from "@messagefoundry/webviews/protocol";
import * as vscode from "vscode";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

export interface DocumentViewSpec<Model, Intent, Extra extends { type: string }> {
  view: ViewId;
  title: string;
  /** Document text → the model the view renders. */
  read(text: string): Model;
  /** Intent → one replacement of the text; throws (message shown to the user) when it cannot apply. */
  apply(text: string, intent: Intent): { start: number; end: number; newText: string };
  /** Messages the view needs before its first document (e.g. context), awaited on every `ready`. */
  beforeDocument?(): Promise<Extra[]>;
  /** What to call the file in "could not be applied" messages. */
  fileLabel: string;
}

type ToView<Model, Extra> =
  | { type: "document"; version: number; model: Model }
  | { type: "editRejected"; message: string }
  | { type: "hostError"; message: string }
  | Extra;

type FromView<Intent> =
  | { type: "ready" }
  | { type: "edit"; version: number; intent: Intent }
  | { type: "showText"; line: number };

export function bindDocumentView<Model, Intent, Extra extends { type: string }>(
  extensionUri: vscode.Uri,
  document: vscode.TextDocument,
  panel: vscode.WebviewPanel,
  spec: DocumentViewSpec<Model, Intent, Extra>,
): void {
  panel.webview.options = webviewOptions(extensionUri);
  panel.webview.html = renderHtml(panel.webview, extensionUri, spec.view, spec.title);
  const sendDocument = (): void =>
    channel.post({ type: "document", version: document.version, model: spec.read(document.getText()) });
  const channel: ViewChannel<ToView<Model, Extra>, FromView<Intent>> = new ViewChannel(panel.webview, {
    onReady: () => {
      if (!spec.beforeDocument) return sendDocument();
      void spec.beforeDocument().then((extra) => {
        for (const m of extra) channel.post(m);
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
      let r: { start: number; end: number; newText: string };
      try {
        r = spec.apply(document.getText(), msg.intent);
      } catch (err) {
        // A broken document or an edit the model refuses: the view says why; the text is untouched.
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
      if (!(await vscode.workspace.applyEdit(edit)))
        channel.post({ type: "hostError", message: `The edit could not be applied to ${spec.fileLabel}.` });
    },
  });
  const changes = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.document.uri.toString() === document.uri.toString() && e.contentChanges.length > 0) sendDocument();
  });
  panel.onDidDispose(() => {
    changes.dispose();
    channel.dispose();
  });
}
