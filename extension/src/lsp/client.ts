/**
 * Starts the bundled language server (dist/language-server.js) over stdio. In a debug session the
 * server runs with --inspect on port 6009 so the "Attach to Language Server" launch config can attach.
 */
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
      { scheme: "file", language: "hl7" },
      { scheme: "untitled", language: "hl7" },
    ],
    synchronize: {
      configurationSection: "messagefoundry",
      // The server models config dirs from disk too: tell it when files change outside the editor.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.ts,*.toml,*.hl7,codesets/**}"),
    },
    outputChannelName: "MessageFoundry Language Server",
  };
  return new LanguageClient("messagefoundry", "MessageFoundry", serverOptions, clientOptions);
}
