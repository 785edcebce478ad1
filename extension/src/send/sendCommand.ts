/**
 * The "Send to MLLP…" command on an .hl7 file or selection: picks a target — the running local engine's
 * MLLP inbounds first, then recent targets (workspace state), or any host:port — sends each message and
 * shows the ACKs (code and text). The ACK text is shown, never logged (it can quote the message).
 */
import { parse as parseToml } from "smol-toml";
import * as vscode from "vscode";
import { EngineClient } from "../engine/client.js";
import type { LocalEngineController } from "../ops/localEngine.js";
import {
  type AckSummary,
  ackLine,
  messagesIn,
  mllpInbounds,
  parseHostPort,
  rememberTarget,
  type SendTarget,
  sendMessages,
  targetKey,
} from "./mllpSend.js";

const RECENT_KEY = "messagefoundry.sendTargets";

/** The text to send: the explorer's file, else the active editor's selection or whole document. */
async function sourceText(arg: unknown): Promise<{ text: string; name: string } | undefined> {
  if (arg instanceof vscode.Uri) {
    const doc = await vscode.workspace.openTextDocument(arg);
    return { text: doc.getText(), name: vscode.workspace.asRelativePath(arg) };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const sel = editor.selection;
  const name = vscode.workspace.asRelativePath(editor.document.uri);
  return sel.isEmpty
    ? { text: editor.document.getText(), name }
    : { text: editor.document.getText(sel), name: `${name} (selection)` };
}

/** The running local engine's MLLP inbounds, with env() ports resolved from its environment file. */
async function localTargets(local: LocalEngineController): Promise<SendTarget[]> {
  const running = local.running;
  if (!running) return [];
  try {
    const client = new EngineClient({ url: running.file.url, token: running.file.token });
    const graph = await client.graph();
    let values: Record<string, unknown> = {};
    try {
      const envFile = vscode.Uri.joinPath(running.configDir, "environments", `${running.env}.toml`);
      values = parseToml(new TextDecoder().decode(await vscode.workspace.fs.readFile(envFile)));
    } catch {
      // No environment file: ports given as literals still resolve.
    }
    return mllpInbounds(graph, values);
  } catch {
    return [];
  }
}

type TargetItem = vscode.QuickPickItem & { target?: SendTarget; other?: true };

async function pickTarget(
  local: LocalEngineController,
  recent: SendTarget[],
): Promise<SendTarget | undefined> {
  const inbounds = await localTargets(local);
  const items: TargetItem[] = [
    ...(inbounds.length > 0 ? [{ label: "Local engine", kind: vscode.QuickPickItemKind.Separator }] : []),
    ...inbounds.map((t) => ({ label: `$(vm-running) ${t.inbound}`, description: targetKey(t), target: t })),
    ...(recent.length > 0 ? [{ label: "Recent", kind: vscode.QuickPickItemKind.Separator }] : []),
    ...recent.map((t) => ({
      label: `$(history) ${targetKey(t)}`,
      ...(t.inbound ? { description: t.inbound } : {}),
      target: t,
    })),
    { label: "", kind: vscode.QuickPickItemKind.Separator },
    { label: "$(edit) Other host:port…", other: true as const },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: "Send to MLLP",
    placeHolder:
      inbounds.length > 0
        ? "An inbound of the local engine, a recent target, or another host:port"
        : "A recent target or another host:port",
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.target) return pick.target;
  const typed = await vscode.window.showInputBox({
    title: "Send to MLLP: receiver",
    prompt: "host:port of the MLLP receiver",
    placeHolder: "127.0.0.1:2575",
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseHostPort(v);
      return "error" in r ? r.error : undefined;
    },
  });
  if (!typed) return undefined;
  const r = parseHostPort(typed);
  return "error" in r ? undefined : r;
}

function report(target: SendTarget, acks: AckSummary[]): void {
  const where = target.inbound ? `${target.inbound} (${targetKey(target)})` : targetKey(target);
  const bad = acks.filter((a) => a.code !== "AA" && a.code !== "CA");
  const text =
    acks.length === 1
      ? `ACK from ${where}: ${ackLine(acks[0]!)}`
      : `${acks.length} messages sent to ${where}: ${acks.map(ackLine).join("; ")}`;
  if (bad.length > 0) void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
}

export function registerSendCommand(deps: {
  local: LocalEngineController;
  state: vscode.Memento;
  output: vscode.LogOutputChannel;
}): vscode.Disposable {
  return vscode.commands.registerCommand("messagefoundry.sendMllp", async (arg?: unknown) => {
    const source = await sourceText(arg);
    if (!source) {
      void vscode.window.showInformationMessage("Open an .hl7 file (or select a message) to send.");
      return;
    }
    const messages = messagesIn(source.text);
    if (messages.length === 0) {
      void vscode.window.showErrorMessage(`No HL7 message (MSH segment) found in ${source.name}.`);
      return;
    }
    const recent = deps.state.get<SendTarget[]>(RECENT_KEY) ?? [];
    const target = await pickTarget(deps.local, recent);
    if (!target) return;
    await deps.state.update(RECENT_KEY, rememberTarget(recent, target));
    try {
      const acks = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Sending ${messages.length} message(s) to ${targetKey(target)}…`,
        },
        () => sendMessages(target, messages),
      );
      // Codes only in the log: an ACK's text can quote the message.
      deps.output.info(
        `sent ${messages.length} message(s) to ${targetKey(target)}: ${acks.map((a) => a.code).join(", ")}`,
      );
      report(target, acks);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Send to MLLP failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
}
