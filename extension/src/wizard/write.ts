/**
 * Writes a wizard's result as one WorkspaceEdit (one undo step, nothing saved behind the user's back):
 * the new module and the tables appended to connections.toml, then opens them, each in one tab
 * (connections.toml in its visual editor unless a tab already shows it; see openPlan.ts). False when
 * the edit could not be applied (the user was told).
 */
import * as vscode from "vscode";
import { appendToToml, type GeneratedFiles, howToOpen, type OpenTab } from "./model.js";
import type { TextEdit } from "./tsEdit.js";

/** Minimal edits to an existing module (offsets into its current text), path relative to the config dir. */
export interface ModuleEdits {
  path: string;
  edits: readonly TextEdit[];
}

export async function writeWizardResult(
  configDir: vscode.Uri,
  files: Partial<GeneratedFiles> & { edits?: ModuleEdits },
): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  const toOpen: vscode.Uri[] = [];
  /** Documents with the user's own unsaved edits are left unsaved: saving them is the user's call. */
  const dirtyBefore = new Set(
    vscode.workspace.textDocuments.filter((d) => d.isDirty).map((d) => d.uri.toString()),
  );
  if (files.module) {
    const uri = vscode.Uri.joinPath(configDir, files.module.path);
    edit.createFile(uri, { ignoreIfExists: false, contents: Buffer.from(files.module.text, "utf8") });
    toOpen.push(uri);
  }
  if (files.edits) {
    const uri = vscode.Uri.joinPath(configDir, files.edits.path);
    const doc = await vscode.workspace.openTextDocument(uri);
    for (const e of files.edits.edits) {
      edit.replace(uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
    }
    toOpen.push(uri);
  }
  if (files.tomlAppend) {
    const uri = vscode.Uri.joinPath(configDir, "connections.toml");
    const existing = await readIfExists(uri);
    const insert = appendToToml(existing?.getText(), files.tomlAppend);
    if (existing) {
      edit.insert(uri, existing.lineAt(existing.lineCount - 1).range.end, insert);
    } else {
      edit.createFile(uri, { ignoreIfExists: false, contents: Buffer.from(insert, "utf8") });
    }
    toOpen.push(uri);
  }
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(
      "The wizard's files could not be written (does the module already exist?).",
    );
    return false;
  }
  for (const [i, uri] of toOpen.entries()) {
    const doc = await vscode.workspace.openTextDocument(uri);
    // Saved so the CLI (dry-run, validate) sees the route on disk, not only the language server.
    if (!dirtyBefore.has(uri.toString())) await doc.save();
    const options = { preview: false, preserveFocus: i < toOpen.length - 1 };
    const how = howToOpen(uri.toString(), openTabs());
    if (how.kind === "text") await vscode.window.showTextDocument(doc, options);
    else await vscode.commands.executeCommand("vscode.openWith", uri, how.viewType, options);
  }
  return true;
}

/** Every open tab showing a file, text or custom editor (a custom one keeps its view type). */
function openTabs(): OpenTab[] {
  return vscode.window.tabGroups.all.flatMap((g) =>
    g.tabs.flatMap((t): OpenTab[] => {
      if (t.input instanceof vscode.TabInputText) return [{ uri: t.input.uri.toString(), kind: "text" }];
      if (t.input instanceof vscode.TabInputCustom)
        return [{ uri: t.input.uri.toString(), kind: "custom", viewType: t.input.viewType }];
      return [];
    }),
  );
}

async function readIfExists(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    return undefined;
  }
  return vscode.workspace.openTextDocument(uri);
}
