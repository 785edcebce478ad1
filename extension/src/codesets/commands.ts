/**
 * New / Rename / Delete Code Set. Rename goes through the language server's rename (a code set's name is
 * a symbol there: the LS renames the file and every `codeSet("name")` call in one WorkspaceEdit); Delete
 * asks the LS for the references and warns when code still uses the set. Every change is a WorkspaceEdit.
 */
import { type CodeSetFormat, codeSetFileName } from "messagefoundry/graph";
import * as vscode from "vscode";
import { CODESET_EDITOR_VIEW_TYPE } from "../views/index.js";
import { codeSetNameProblem, deleteWarning, newCodeSetText } from "./model.js";

type WithConfig = (
  fn: (dir: vscode.Uri, arg?: unknown) => Promise<void> | void,
) => (arg?: unknown) => Promise<void>;

const FORMATS: (vscode.QuickPickItem & { format: CodeSetFormat })[] = [
  { label: "TOML", description: 'code = "value" lines; comments allowed', format: "toml" },
  { label: "CSV", description: "RFC 4180 with the header code,value (opens in spreadsheets)", format: "csv" },
  { label: "JSON", description: '{ "code": "value" }', format: "json" },
];

async function codeSetFiles(dir: vscode.Uri): Promise<string[]> {
  try {
    const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(dir, "codesets"));
    return entries
      .filter(([name, type]) => type === vscode.FileType.File && codeSetFileName(name))
      .map(([name]) => name)
      .sort();
  } catch {
    return [];
  }
}

const isCodeSetUri = (u: unknown): u is vscode.Uri =>
  u instanceof vscode.Uri &&
  /\/codesets\/[^/]+$/.test(u.path) &&
  codeSetFileName(u.path.split("/").pop() ?? "") !== undefined;

/** The code set a command acts on: its argument, the active editor's file, or one the user picks. */
async function targetCodeSet(dir: vscode.Uri, arg: unknown, action: string): Promise<vscode.Uri | undefined> {
  if (isCodeSetUri(arg)) return arg;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const active =
    input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  if (isCodeSetUri(active) && active.path.startsWith(`${dir.path}/`)) return active;
  const files = await codeSetFiles(dir);
  if (files.length === 0) {
    void vscode.window.showInformationMessage(
      "This config has no code sets yet (MessageFoundry: New Code Set).",
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(files, {
    title: `${action} Code Set`,
    placeHolder: "Code set",
  });
  return pick ? vscode.Uri.joinPath(dir, "codesets", pick) : undefined;
}

async function newCodeSet(dir: vscode.Uri): Promise<void> {
  const format = await vscode.window.showQuickPick(FORMATS, { title: "New Code Set: format" });
  if (!format) return;
  const existing = await codeSetFiles(dir);
  const name = await vscode.window.showInputBox({
    title: "New Code Set: name",
    prompt: `Used in code as codeSet("name"); becomes codesets/<name>.${format.format}`,
    validateInput: (v) => codeSetNameProblem(v.trim(), existing),
  });
  if (name === undefined) return;
  const uri = vscode.Uri.joinPath(dir, "codesets", `${name.trim()}.${format.format}`);
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(uri, {
    ignoreIfExists: false,
    contents: Buffer.from(newCodeSetText(name.trim(), format.format), "utf8"),
  });
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(uri)} could not be created.`);
    return;
  }
  await vscode.commands.executeCommand("vscode.openWith", uri, CODESET_EDITOR_VIEW_TYPE);
}

async function renameCodeSet(dir: vscode.Uri, arg: unknown): Promise<void> {
  const uri = await targetCodeSet(dir, arg, "Rename");
  if (!uri) return;
  const file = uri.path.split("/").pop() ?? "";
  const id = codeSetFileName(file);
  if (!id) return;
  const others = (await codeSetFiles(dir)).filter((f) => codeSetFileName(f)?.name !== id.name);
  const newName = await vscode.window.showInputBox({
    title: `Rename Code Set ${id.name}`,
    value: id.name,
    prompt: 'Renames the file and every codeSet("…") call that uses it',
    validateInput: (v) => (v.trim() === id.name ? undefined : codeSetNameProblem(v.trim(), others)),
  });
  if (newName === undefined || newName.trim() === id.name) return;
  let edit: vscode.WorkspaceEdit | undefined;
  try {
    // The language server's rename at the file's start: the file rename plus every reference in code.
    edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit | undefined>(
      "vscode.executeDocumentRenameProvider",
      uri,
      new vscode.Position(0, 0),
      newName.trim(),
    );
  } catch (err) {
    void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
    return;
  }
  if (!edit || edit.size === 0) {
    void vscode.window.showErrorMessage(
      "The language server did not answer the rename (is it running? MessageFoundry: Restart Language Server).",
    );
    return;
  }
  if (!(await vscode.workspace.applyEdit(edit)))
    void vscode.window.showErrorMessage(`Code set ${id.name} could not be renamed.`);
}

async function deleteCodeSet(dir: vscode.Uri, arg: unknown): Promise<void> {
  const uri = await targetCodeSet(dir, arg, "Delete");
  if (!uri) return;
  const id = codeSetFileName(uri.path.split("/").pop() ?? "");
  if (!id) return;
  const refs =
    (await vscode.commands.executeCommand<vscode.Location[] | undefined>(
      "vscode.executeReferenceProvider",
      uri,
      new vscode.Position(0, 0),
    )) ?? [];
  const uses = refs
    .filter((l) => l.uri.toString() !== uri.toString())
    .map((l) => ({ file: vscode.workspace.asRelativePath(l.uri, false), line: l.range.start.line + 1 }));
  const rel = vscode.workspace.asRelativePath(uri, false);
  const message = deleteWarning(id.name, uses) ?? `Delete ${rel}? No code uses it.`;
  const choice = await vscode.window.showWarningMessage(message, { modal: true }, "Delete");
  if (choice !== "Delete") return;
  const edit = new vscode.WorkspaceEdit();
  edit.deleteFile(uri, { ignoreIfNotExists: true });
  if (!(await vscode.workspace.applyEdit(edit)))
    void vscode.window.showErrorMessage(`${rel} could not be deleted.`);
}

export function registerCodeSetCommands(withConfig: WithConfig): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      "messagefoundry.codeSet.new",
      withConfig((dir) => newCodeSet(dir)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.codeSet.rename",
      withConfig((dir, arg) => renameCodeSet(dir, arg)),
    ),
    vscode.commands.registerCommand(
      "messagefoundry.codeSet.delete",
      withConfig((dir, arg) => deleteCodeSet(dir, arg)),
    ),
  ];
}
