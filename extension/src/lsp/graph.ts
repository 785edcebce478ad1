/**
 * The live registry graph from the language server (`messagefoundry/graph`), including unsaved edits.
 * The wizards validate names and ports against it; the graph view draws it.
 */
import { type GraphParams, GraphRequest, type GraphResult } from "@messagefoundry/language-server/protocol";
import type * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

export type { GraphResult } from "@messagefoundry/language-server/protocol";

/** The graph of the config dir containing `uri`, or undefined while the server is not running. */
export async function requestGraph(
  client: LanguageClient | undefined,
  uri: vscode.Uri,
): Promise<GraphResult | undefined> {
  if (!client?.isRunning()) return undefined;
  const params: GraphParams = { uri: uri.toString() };
  return (await client.sendRequest(GraphRequest, params)) ?? undefined;
}
