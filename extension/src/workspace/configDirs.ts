/**
 * Which config dir a command works on. The dirs come from the language server (`messagefoundry/configDirs`,
 * the one search, honouring `messagefoundry.config`); commands use the one containing the active editor,
 * the only one, or ask when there are several.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { requestConfigDirs } from "../lsp/configDirs.js";

const EXCLUDE = "{**/node_modules/**,**/dist/**,**/.git/**}";

/** The deepest of `dirs` (URI paths) that is or contains `file`, if any. */
export function containingDir<T extends { path: string }>(dirs: readonly T[], file: string): T | undefined {
  return dirs
    .filter((d) => file === d.path || file.startsWith(`${d.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

/** The config dir for a command: the one containing the active file, the only one, or the user's pick. */
export async function pickConfigDir(
  client: LanguageClient | undefined,
  hint?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const active = hint ?? vscode.window.activeTextEditor?.document.uri;
  const dirs = await requestConfigDirs(client, active?.scheme === "file" ? active : undefined);
  if (!dirs) {
    void vscode.window.showWarningMessage(
      "The MessageFoundry language server is not running, so the config dirs are unknown: see the " +
        '"MessageFoundry Language Server" output, then run "MessageFoundry: Restart Language Server".',
    );
    return undefined;
  }
  const containing = active ? containingDir(dirs, active.path) : undefined;
  if (containing) return containing;
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
