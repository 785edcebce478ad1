/**
 * HL7 parse tree panel beside the editor. It shows the active .hl7 document (or a selection, or a message
 * fetched from the engine) and keeps selection in sync both ways: clicking a node selects its text in the
 * editor; moving the cursor selects the node.
 */
import type { ParseTreeFromView, ParseTreeToView } from "@messagefoundry/webviews/protocol";
import { getDefinitions } from "messagefoundry/hl7";
import * as vscode from "vscode";
import { renderHtml, ViewChannel, webviewOptions } from "./viewHost.js";

interface Source {
  text: string;
  baseOffset: number;
  title: string;
  /** The editor document the text came from; absent for a message from the engine. */
  document?: vscode.TextDocument;
}

export class ParseTreePanel {
  static readonly viewType = "messagefoundry.parseTree";
  private static current: ParseTreePanel | undefined;

  private readonly channel: ViewChannel<ParseTreeToView, ParseTreeFromView>;
  private readonly disposables: vscode.Disposable[] = [];
  private source: Source | undefined;

  static show(extensionUri: vscode.Uri, source: Source): ParseTreePanel {
    const existing = ParseTreePanel.current;
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      existing.load(source);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      ParseTreePanel.viewType,
      "HL7 Parse Tree",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(extensionUri), retainContextWhenHidden: true },
    );
    ParseTreePanel.current = new ParseTreePanel(panel, extensionUri);
    ParseTreePanel.current.load(source);
    return ParseTreePanel.current;
  }

  /** The active editor's document, or its selection when one is made. */
  static fromEditor(editor: vscode.TextEditor): Source {
    const doc = editor.document;
    const sel = editor.selection;
    const name = vscode.workspace.asRelativePath(doc.uri);
    if (!sel.isEmpty) {
      return {
        text: doc.getText(sel),
        baseOffset: doc.offsetAt(sel.start),
        title: `${name} (selection)`,
        document: doc,
      };
    }
    return { text: doc.getText(), baseOffset: 0, title: name, document: doc };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
  ) {
    panel.webview.html = renderHtml(panel.webview, extensionUri, "parseTree", "HL7 Parse Tree");
    this.channel = new ViewChannel(panel.webview, {
      onReady: () => this.sendSource(),
      onMessage: (msg) => this.onMessage(msg),
    });
    this.disposables.push(
      this.channel,
      panel.onDidDispose(() => this.dispose()),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        const doc = this.source?.document;
        if (!doc || e.textEditor.document !== doc) return;
        // The selection's start: after a node's text is selected the cursor sits at its end, which
        // is inside the next-deeper node.
        const sel = e.selections[0]!;
        this.channel.post({
          type: "selectOffset",
          offset: doc.offsetAt(sel.start),
          ...(sel.isEmpty ? {} : { end: doc.offsetAt(sel.end) }),
        });
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === this.source?.document && this.source.baseOffset === 0) {
          this.load({ ...this.source, text: e.document.getText() });
        }
      }),
    );
  }

  load(source: Source): void {
    this.source = source;
    this.sendSource();
  }

  private sendSource(): void {
    const s = this.source;
    if (!s) return;
    this.channel.post({
      type: "load",
      text: s.text,
      baseOffset: s.baseOffset,
      title: s.title,
      ...(s.document ? {} : { readOnly: true }),
    });
  }

  private async onMessage(msg: Exclude<ParseTreeFromView, { type: "ready" }>): Promise<void> {
    if (msg.type === "lookup") {
      // The view ships no dictionary: it gets the slice naming the segments on screen.
      const { requestId, version } = msg;
      try {
        const segments = Array.isArray(msg.segments) ? msg.segments.filter((s) => typeof s === "string") : [];
        const definitions = getDefinitions(version || undefined).extract(segments);
        this.channel.post({ type: "lookupResult", requestId, version, definitions });
      } catch (e) {
        const error = `HL7 definitions unavailable: ${e instanceof Error ? e.message : String(e)}`;
        this.channel.post({ type: "lookupResult", requestId, version, error });
      }
      return;
    }
    if (msg.type === "copy") {
      await vscode.env.clipboard.writeText(msg.text);
      vscode.window.setStatusBarMessage(`Copied ${msg.text}`, 2000);
      return;
    }
    const doc = this.source?.document;
    if (!doc) return;
    const range = new vscode.Range(doc.positionAt(msg.start), doc.positionAt(msg.end));
    const column = vscode.window.visibleTextEditors.find((e) => e.document === doc)?.viewColumn;
    // preserveFocus: the reveal follows a click or a Find keystroke in the view, and focus must stay there, or the
    // next keystrokes would replace the selected text in the document.
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: column ?? vscode.ViewColumn.One,
      preserveFocus: true,
    });
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private dispose(): void {
    ParseTreePanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
