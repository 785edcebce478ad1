/**
 * Where the MessageFoundry config dirs of the workspace are: the `messagefoundry.config` setting when
 * set, otherwise every folder holding a connections.toml or an environments/ folder. Commands that work
 * on "the config" use the one containing the active editor, or ask when there are several.
 */
import * as path from "node:path";
import * as vscode from "vscode";

const EXCLUDE = "{**/node_modules/**,**/dist/**,**/.git/**}";

export async function findConfigDirs(): Promise<vscode.Uri[]> {
  const dirs = new Map<string, vscode.Uri>();
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const configured = vscode.workspace.getConfiguration("messagefoundry", folder.uri).get<string>("config");
    if (configured) {
      const uri = path.isAbsolute(configured)
        ? vscode.Uri.file(configured)
        : vscode.Uri.joinPath(folder.uri, configured);
      dirs.set(uri.toString(), uri);
    }
  }
  if (dirs.size > 0) return [...dirs.values()];
  const hits = await vscode.workspace.findFiles("**/{connections.toml,environments/*.toml}", EXCLUDE, 200);
  for (const hit of hits) {
    const parent = vscode.Uri.joinPath(hit, "..");
    const dir = parent.path.endsWith("/environments") ? vscode.Uri.joinPath(parent, "..") : parent;
    dirs.set(dir.toString(), dir);
  }
  return [...dirs.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The config dir for a command: the one containing the active file, the only one, or the user's pick. */
export async function pickConfigDir(hint?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const dirs = await findConfigDirs();
  const active = hint ?? vscode.window.activeTextEditor?.document.uri;
  if (active) {
    const containing = dirs
      .filter((d) => active.path === d.path || active.path.startsWith(`${d.path}/`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (containing) return containing;
  }
  if (dirs.length === 1) return dirs[0];
  if (dirs.length === 0) {
    void vscode.window.showWarningMessage(
      "No MessageFoundry config found: add a connections.toml or an environments/ folder, or set messagefoundry.config.",
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    dirs.map((d) => ({ label: vscode.workspace.asRelativePath(d), uri: d })),
    { placeHolder: "Which MessageFoundry config?" },
  );
  return pick?.uri;
}

/** Config-relative file paths (forward slashes), for uniqueness checks of new modules. */
export async function configFiles(dir: vscode.Uri): Promise<string[]> {
  const found = await vscode.workspace.findFiles(new vscode.RelativePattern(dir, "**/*.ts"), EXCLUDE, 2000);
  return found.map((u) => path.posix.relative(dir.path, u.path));
}
