/**
 * The workspace's config dirs as the language server found them (`messagefoundry/configDirs`): the one
 * search, honouring the `messagefoundry.config` setting per workspace folder.
 */
import { ConfigDirsRequest } from "@messagefoundry/language-server/protocol";
import * as vscode from "vscode";
import { type LanguageClient, State } from "vscode-languageclient/node";

/**
 * The config dirs, sorted, including the one above `near` (a file or folder being worked on) when the
 * workspace search did not reach it. Undefined when the server is not running (it failed to start, was
 * stopped, or speaks another protocol version); while it is still starting, the request waits for it.
 */
export async function requestConfigDirs(
  client: LanguageClient | undefined,
  near?: vscode.Uri,
): Promise<vscode.Uri[] | undefined> {
  if (!client || client.state === State.Stopped) return undefined;
  try {
    const result = await client.sendRequest(ConfigDirsRequest, near ? { uri: near.toString() } : undefined);
    return result.dirs.map((d) => vscode.Uri.parse(d.uri));
  } catch {
    return undefined; // the start failed or the server went away meanwhile: same as not running
  }
}
