/**
 * The Alert Wizard: one `alert(...)` rule written into a config module (default `alerts.ts`) —
 * the connection to watch, the condition and its limit, the outbounds to notify, the name. The pure
 * part (alertModel.ts) generates and checks; this drives it with QuickPick/InputBox steps.
 */
import * as vscode from "vscode";
import { requestGraph } from "../lsp/graph.js";
import type { Services } from "../services.js";
import {
  type AlertAnswers,
  type AlertConditionKey,
  addAlertToModule,
  CONDITION_CHOICES,
  checkAlertName,
  checkConditionValue,
  checkModuleFile,
  checkRenotify,
  suggestAlertName,
  validateAlert,
} from "./model.js";
import { runSteps, type Step } from "./steps.js";

export async function runAlertWizard(services: Services, configDir: vscode.Uri): Promise<void> {
  const graph = (await requestGraph(services.languageClient(), configDir))?.graph;
  const connections = (graph?.nodes ?? []).filter((n) => n.kind === "inbound" || n.kind === "outbound");
  if (connections.length === 0) {
    void vscode.window.showInformationMessage("Declare a connection first: an alert watches one by name.");
    return;
  }
  const outbounds = connections.filter((n) => n.kind === "outbound").map((n) => n.name);
  const state: { a: AlertAnswers; file: string } = {
    a: { name: "", connection: "", condition: "down", value: "", notify: [] },
    file: "alerts.ts",
  };
  const steps: Step<typeof state>[] = [
    async (input, s) => {
      s.a.connection = await input.pick<string>({
        placeholder: "Which connection should the alert watch?",
        items: connections.map((n) => ({
          label: n.name,
          description: `${n.kind} · ${n.transport ?? ""}`,
          value: n.name,
        })),
        ...(s.a.connection ? { activeValue: s.a.connection } : {}),
      });
    },
    async (input, s) => {
      const isOutbound = outbounds.includes(s.a.connection);
      s.a.condition = await input.pick<AlertConditionKey>({
        placeholder: "When should it fire?",
        items: CONDITION_CHOICES.filter((c) => isOutbound || !c.outboundOnly).map((c) => ({
          label: c.label,
          value: c.key,
        })),
        activeValue: s.a.condition,
      });
    },
    async (input, s) => {
      const choice = CONDITION_CHOICES.find((c) => c.key === s.a.condition);
      s.a.value = await input.text({
        prompt: choice?.prompt ?? "Limit",
        value: s.a.value || (choice?.placeholder ?? ""),
        validate: (v) => checkConditionValue({ ...s.a, value: v }),
      });
    },
    async (input, s) => {
      s.a.notify = await input.pickMany<string>({
        placeholder: "Notify through which outbounds? (none: the engine log only)",
        items: outbounds.map((o) => ({ label: o, value: o })),
        selected: s.a.notify,
        allowNone: true,
      });
    },
    async (input, s) => {
      s.a.renotify = await input.text({
        prompt: "While it stays active, send it again every… (empty: 1h)",
        value: s.a.renotify ?? "",
        validate: checkRenotify,
      });
    },
    async (input, s) => {
      s.a.name = await input.text({
        prompt: "Alert name",
        value: s.a.name || suggestAlertName(s.a.connection, s.a.condition),
        validate: (v) => checkAlertName(v, graph),
      });
    },
    async (input, s) => {
      s.file = await input.text({
        prompt: "Write it into which module? (created when missing)",
        value: s.file,
        validate: (v) => checkModuleFile(v, undefined),
      });
    },
  ];
  if (!(await runSteps(steps, state, "New Alert"))) return;
  const problems = validateAlert(state.a, graph);
  if (problems.length > 0) {
    void vscode.window.showErrorMessage(`The alert was not written: ${problems.join(" ")}`);
    return;
  }
  await writeAlert(vscode.Uri.joinPath(configDir, state.file), state.a);
}

/** One WorkspaceEdit (one undo step); the module is saved so the engine's CLI sees it, then shown. */
async function writeAlert(uri: vscode.Uri, a: AlertAnswers): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  let doc: vscode.TextDocument | undefined;
  try {
    await vscode.workspace.fs.stat(uri);
    doc = await vscode.workspace.openTextDocument(uri);
  } catch {
    doc = undefined;
  }
  const text = addAlertToModule(doc?.getText(), a);
  if (doc) edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  else edit.createFile(uri, { ignoreIfExists: false, contents: Buffer.from(text, "utf8") });
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage("The alert could not be written.");
    return;
  }
  const written = await vscode.workspace.openTextDocument(uri);
  await written.save();
  await vscode.window.showTextDocument(written, { preview: false });
}
