/**
 * Starts the bundled language server (dist/language-server.js) over stdio. In a debug session the
 * server runs with --inspect on port 6009 so the "Attach to Language Server" launch config can attach.
 */
import { protocolVersionProblem } from "@messagefoundry/language-server/protocol";
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

export const SERVER_DEBUG_PORT = 6009;

export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const module = context.asAbsolutePath("dist/language-server.js");
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: {
      module,
      transport: TransportKind.stdio,
      options: { execArgv: ["--nolazy", `--inspect=${SERVER_DEBUG_PORT}`] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "typescript" },
      { scheme: "file", language: "toml" },
      { scheme: "file", pattern: "**/*.toml" },
      // Code sets in CSV/JSON: the server checks them and renames a code set from its file.
      { scheme: "file", pattern: "**/codesets/*.{csv,json}" },
      { scheme: "file", language: "hl7" },
      { scheme: "untitled", language: "hl7" },
      { scheme: "file", language: "x12" },
      { scheme: "untitled", language: "x12" },
    ],
    synchronize: {
      configurationSection: "messagefoundry",
      // The server models config dirs from disk too: tell it when files change outside the editor.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.ts,*.toml,*.hl7,*.x12,*.edi,codesets/**}"),
    },
    outputChannelName: "MessageFoundry Language Server",
  };
  return new LanguageClient("messagefoundry", "MessageFoundry", serverOptions, clientOptions);
}

/**
 * Starts (or restarts) the client, then checks the server speaks this extension's protocol version.
 * On a mismatch the user gets one message saying which versions and what to do, and the client is
 * stopped: custom requests of another shape would fail in odd ways. Throws when the server does not start.
 */
export async function startLanguageClient(
  client: LanguageClient,
  output: vscode.LogOutputChannel,
  restart = false,
): Promise<void> {
  if (restart) await client.restart();
  else await client.start();
  const problem = protocolVersionProblem(client.initializeResult);
  if (!problem) return;
  output.error(problem);
  void vscode.window.showErrorMessage(problem);
  await client.stop();
}
