/**
 * What "Open as Steps" opens: the function named by the code lens, the config explorer item or the
 * graph node it was run on, else the router or handler at the active editor's cursor.
 */
import { StepsRequest } from "@messagefoundry/language-server/protocol";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { type StepsTarget, stepsTarget } from "../steps/index.js";

export async function openStepsTarget(
  client: LanguageClient | undefined,
  args: readonly unknown[],
): Promise<StepsTarget | undefined> {
  const given = stepsTarget(args, (dir, file) =>
    dir instanceof vscode.Uri ? vscode.Uri.joinPath(dir, file).toString() : undefined,
  );
  if (given) return given;
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client?.isRunning()) return undefined;
  const uri = editor.document.uri.toString();
  const r = await client.sendRequest(StepsRequest, { uri, position: editor.selection.active });
  return r ? { uri, kind: r.steps.kind, name: r.steps.name } : undefined;
}
