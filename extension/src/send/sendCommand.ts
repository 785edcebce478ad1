/**
 * The "Send to MLLP…" command: sends an .hl7 file or selection, several files or a folder (explorer
 * multi-select), files picked in a dialog, or generated messages (`messagefoundry generate`). Picks a
 * target — the running local engine's MLLP inbounds first, then recent targets (workspace state), or any
 * host:port — and for several messages a rate (msg/s, or as fast as the receiver ACKs); sends with a
 * cancellable progress notification and shows the ACKs (code and text, or counts for many). The ACK
 * text is shown, never logged (it can quote the message).
 */
import { parse as parseToml } from "smol-toml";
import * as vscode from "vscode";
import { EngineClient } from "../engine/client.js";
import type { LocalEngineController } from "../ops/localEngine.js";
import type { Services } from "../services.js";
import {
  type AckSummary,
  ackLine,
  mllpInbounds,
  parseHostPort,
  rememberTarget,
  type SendTarget,
  sendMessages,
  targetKey,
} from "./mllpSend.js";
import {
  allAccepted,
  countsLine,
  GENERATED_TYPES,
  generateArgs,
  isMessageFile,
  parseCount,
  parseRate,
  planMessages,
  progressLine,
  type SourceFile,
} from "./sendPlan.js";

const RECENT_KEY = "messagefoundry.sendTargets";

/** A file, or a folder's .hl7 files (not recursive, by name). */
async function readSource(uri: vscode.Uri): Promise<SourceFile[]> {
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.type & vscode.FileType.Directory) {
    const entries = await vscode.workspace.fs.readDirectory(uri);
    const names = entries
      .filter(([name, type]) => type & vscode.FileType.File && isMessageFile(name))
      .map(([name]) => name)
      .sort();
    const files: SourceFile[] = [];
    for (const name of names) files.push(...(await readSource(vscode.Uri.joinPath(uri, name))));
    return files;
  }
  const bytes = await vscode.workspace.fs.readFile(uri);
  return [{ name: vscode.workspace.asRelativePath(uri), text: new TextDecoder().decode(bytes) }];
}

interface Source {
  files: SourceFile[];
  /** How the source is named in titles: a file, "3 files", "20 generated ADT^A01". */
  name: string;
}

/** The explorer's file(s) or folder(s): the clicked one, or all of a multi-selection. */
async function fromUris(uris: vscode.Uri[]): Promise<Source> {
  const files: SourceFile[] = [];
  for (const uri of uris) files.push(...(await readSource(uri)));
  return { files, name: files.length === 1 ? (files[0]?.name ?? "") : `${files.length} files` };
}

function fromEditor(editor: vscode.TextEditor): Source {
  const sel = editor.selection;
  const name = vscode.workspace.asRelativePath(editor.document.uri);
  return sel.isEmpty
    ? { files: [{ name, text: editor.document.getText() }], name }
    : {
        files: [{ name: `${name} (selection)`, text: editor.document.getText(sel) }],
        name: `${name} (selection)`,
      };
}

/** Generated messages: a type, a count, then `messagefoundry generate` (synthetic, PHI-free). */
async function fromGenerator(cli: Services["cli"]): Promise<Source | undefined> {
  const type = await vscode.window.showQuickPick([...GENERATED_TYPES], {
    title: "Send to MLLP: generated messages",
    placeHolder: "Message type (synthetic, PHI-free)",
    ignoreFocusOut: true,
  });
  if (!type) return undefined;
  const typed = await vscode.window.showInputBox({
    title: `Send to MLLP: how many ${type}?`,
    value: "10",
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseCount(v);
      return typeof r === "number" ? undefined : r.error;
    },
  });
  if (!typed) return undefined;
  const count = parseCount(typed);
  if (typeof count !== "number") return undefined;
  const dir = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!dir) throw new Error("Open a folder to generate messages (the CLI runs in the workspace).");
  const seed = Date.now() % 1_000_000_000;
  const result = await cli(dir, generateArgs(type, count, seed));
  if (result.code !== 0)
    throw new Error(`messagefoundry generate failed: ${result.stderr.trim() || result.stdout.trim()}`);
  return { files: [{ name: `generated ${type}`, text: result.stdout }], name: `${count} generated ${type}` };
}

type SourceItem = vscode.QuickPickItem & { pick: () => Promise<Source | undefined> };

/** From the palette: the active .hl7 editor, files or a folder from a dialog, or generated messages. */
async function pickSource(cli: Services["cli"]): Promise<Source | undefined> {
  const editor = vscode.window.activeTextEditor;
  const items: SourceItem[] = [
    ...(editor && editor.document.languageId === "hl7"
      ? [
          {
            label: `$(file) ${vscode.workspace.asRelativePath(editor.document.uri)}`,
            description: editor.selection.isEmpty ? "the open file" : "the selection",
            pick: async () => fromEditor(editor),
          },
        ]
      : []),
    {
      label: "$(files) Files or a folder…",
      description: "several .hl7 files, or every .hl7 file of a folder",
      pick: async () => {
        const uris = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: true,
          canSelectMany: true,
          openLabel: "Send",
          filters: { "HL7 messages": ["hl7"] },
        });
        return uris && uris.length > 0 ? fromUris(uris) : undefined;
      },
    },
    {
      label: "$(sparkle) Generated messages…",
      description: "synthetic, PHI-free",
      pick: () => fromGenerator(cli),
    },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: "Send to MLLP: what to send",
    ignoreFocusOut: true,
  });
  return choice?.pick();
}

/** Explorer (one or several files/folders) or editor title: that; the palette: ask. */
async function sourceOf(arg: unknown, all: unknown, cli: Services["cli"]): Promise<Source | undefined> {
  if (Array.isArray(all) && all.length > 0 && all.every((u) => u instanceof vscode.Uri)) return fromUris(all);
  if (arg instanceof vscode.Uri) return fromUris([arg]);
  return pickSource(cli);
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

type RateItem = vscode.QuickPickItem & { rate?: number; other?: true };

/** For several messages: as fast as the receiver ACKs, a common rate, or one typed in. */
async function pickRate(count: number): Promise<{ rate?: number } | undefined> {
  if (count < 2) return {};
  const items: RateItem[] = [
    { label: "As fast as the receiver ACKs", description: "one message at a time" },
    ...[1, 10, 100].map((rate) => ({ label: `${rate} msg/s`, rate })),
    { label: "$(edit) Other rate…", other: true as const },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `Send to MLLP: rate for ${count} messages`,
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (!pick.other) return pick.rate === undefined ? {} : { rate: pick.rate };
  const typed = await vscode.window.showInputBox({
    title: "Send to MLLP: messages per second",
    value: "5",
    ignoreFocusOut: true,
    validateInput: (v) => {
      const r = parseRate(v);
      return typeof r === "number" ? undefined : r.error;
    },
  });
  const rate = typed === undefined ? undefined : parseRate(typed);
  return typeof rate === "number" ? { rate } : undefined;
}

function report(target: SendTarget, acks: AckSummary[], total: number): void {
  const where = target.inbound ? `${target.inbound} (${targetKey(target)})` : targetKey(target);
  const stopped = acks.length < total ? ` (stopped after ${acks.length} of ${total})` : "";
  const text =
    acks.length === 1
      ? `ACK from ${where}: ${ackLine(acks[0]!)}${stopped}`
      : acks.length <= 5
        ? `${acks.length} messages sent to ${where}${stopped}: ${acks.map(ackLine).join("; ")}`
        : `${acks.length} messages sent to ${where}${stopped}: ${countsLine(acks)}`;
  if (!allAccepted(acks)) void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
}

export function registerSendCommand(deps: {
  local: LocalEngineController;
  state: vscode.Memento;
  output: vscode.LogOutputChannel;
  cli: Services["cli"];
}): vscode.Disposable {
  return vscode.commands.registerCommand("messagefoundry.sendMllp", async (arg?: unknown, all?: unknown) => {
    try {
      const source = await sourceOf(arg, all, deps.cli);
      if (!source) return;
      const { messages, empty } = planMessages(source.files);
      if (messages.length === 0) {
        void vscode.window.showErrorMessage(`No HL7 message (MSH segment) found in ${source.name}.`);
        return;
      }
      if (empty.length > 0) deps.output.warn(`no HL7 message in: ${empty.join(", ")}`);
      const recent = deps.state.get<SendTarget[]>(RECENT_KEY) ?? [];
      const target = await pickTarget(deps.local, recent);
      if (!target) return;
      await deps.state.update(RECENT_KEY, rememberTarget(recent, target));
      const pace = await pickRate(messages.length);
      if (!pace) return;
      const acks = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Sending ${messages.length} message(s) from ${source.name} to ${targetKey(target)}`,
          cancellable: messages.length > 1,
        },
        (progress, token) => {
          const stop = new AbortController();
          token.onCancellationRequested(() => stop.abort());
          const done: AckSummary[] = [];
          return sendMessages(target, messages, {
            ...pace,
            signal: stop.signal,
            onAck: (ack) => {
              done.push(ack);
              progress.report({
                increment: 100 / messages.length,
                message: progressLine(done, messages.length),
              });
            },
          });
        },
      );
      // Codes only in the log: an ACK's text can quote the message.
      deps.output.info(`sent ${acks.length} message(s) to ${targetKey(target)}: ${countsLine(acks)}`);
      report(target, acks, messages.length);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Send to MLLP failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
}
