/**
 * Clone Connection: a copy of an inbound or outbound under a new free name, written beside the original
 * in the same form (connections.toml table or TypeScript statement); a listener's copy gets the next
 * free port. One undo step; the file is saved so the CLI sees it.
 */
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import {
  clonePort,
  cloneTomlTable,
  cloneTsStatement,
  cloneWrittenMessage,
  freeCloneName,
} from "./cloneModel.js";
import { checkConnectionName } from "./model.js";
import { runSteps, type Step } from "./steps.js";
import { writeWizardResult } from "./write.js";

export async function runCloneConnection(
  services: Services,
  configDir: vscode.Uri,
  preset?: string,
): Promise<void> {
  const graph = (await requestGraph(services.languageClient(), configDir))?.graph;
  const connections = (graph?.nodes ?? []).filter((n) => n.kind === "inbound" || n.kind === "outbound");
  if (connections.length === 0) {
    void vscode.window.showInformationMessage("This config has no connection to clone yet.");
    return;
  }
  const state = { name: connections.some((c) => c.name === preset) ? (preset ?? "") : "", newName: "" };
  const presetName = state.name !== "";
  const steps: Step<typeof state>[] = [
    async (input, s) => {
      if (presetName) return;
      s.name = await input.pick<string>({
        placeholder: "Clone which connection?",
        items: connections.map((c) => ({
          label: c.name,
          description: `${c.kind} · ${c.transport ?? ""} · ${c.location.file}`,
          value: c.name,
        })),
        ...(s.name ? { activeValue: s.name } : {}),
      });
    },
    async (input, s) => {
      const node = connections.find((c) => c.name === s.name)!;
      s.newName = await input.text({
        prompt: `Name of the copy of ${s.name}`,
        value: s.newName || freeCloneName(s.name, graph),
        validate: (v) => checkConnectionName(v, node.kind as "inbound" | "outbound", graph),
      });
    },
  ];
  if (!(await runSteps(steps, state, "Clone Connection"))) return;
  const node = connections.find((c) => c.name === state.name)!;
  const file = node.location.file;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(configDir, file));
  const port = clonePort(node, graph);
  const clone =
    node.origin === "toml"
      ? cloneTomlTable(doc.getText(), node.name, state.newName, port)
      : cloneTsStatement(doc.getText(), node.name, state.newName, port);
  if ("error" in clone) {
    void vscode.window.showErrorMessage(`${node.name} was not cloned: ${clone.error}`);
    return;
  }
  if (!(await writeWizardResult(configDir, { edits: { path: file, edits: [clone.edit] } }))) return;
  void vscode.window.showInformationMessage(cloneWrittenMessage(node, state.newName, clone.port));
}
