/**
 * What commands and views share: the extension's location, the language client (once started), the
 * engine session and the CLI runner. Passed explicitly rather than kept in module globals.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { type CliResult, type RunOptions, resolveCli, runCli } from "./cli/index.js";
import type { ActiveVersionSource } from "./ops/activeVersion.js";
import type { EngineSession } from "./ops/session.js";

export interface Services {
  extensionUri: vscode.Uri;
  languageClient(): LanguageClient | undefined;
  engine: EngineSession;
  /** The engine's running config version, as every view shows it. */
  activeVersion: ActiveVersionSource;
  output: vscode.LogOutputChannel;
  /** Runs `messagefoundry <args>` for a config dir (its cwd), or explains why the CLI is missing. */
  cli(configDir: vscode.Uri, args: string[], signal?: AbortSignal, extra?: CliExtra): Promise<CliResult>;
}

/** For long runs: stdout lines as they come, a longer timeout, extra environment (a token). */
export type CliExtra = Pick<RunOptions, "onLine" | "timeoutMs" | "env">;

export function makeCliRunner(extensionUri: vscode.Uri, output: vscode.LogOutputChannel): Services["cli"] {
  return async (configDir, args, signal, extra) => {
    const settings = vscode.workspace.getConfiguration("messagefoundry", configDir);
    const cli = resolveCli({
      configured: settings.get<string>("cliPath") || undefined,
      configDir: configDir.fsPath,
      extensionRoot: extensionUri.fsPath,
    });
    if (!cli) {
      throw new Error(
        "The messagefoundry CLI was not found: run `npm install messagefoundry` in the config repo or set messagefoundry.cliPath.",
      );
    }
    const node = settings.get<string>("nodePath") || undefined;
    // Arguments only; message bodies never reach the log.
    output.debug(`messagefoundry ${args.join(" ")} (cwd ${configDir.fsPath})`);
    return runCli({
      cli,
      args,
      cwd: configDir.fsPath,
      ...(node ? { node } : {}),
      ...(signal ? { signal } : {}),
      ...extra,
    });
  };
}
