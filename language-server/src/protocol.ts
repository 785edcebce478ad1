/**
 * The language server's custom protocol — the one declaration of every `messagefoundry/*` message,
 * imported by the server and by the extension (`@messagefoundry/language-server/protocol`). Each request
 * is a typed `RequestType` with a literal method, so both sides agree on params and result at compile
 * time; `PROTOCOL_VERSION` lets them find out at start when they come from different builds.
 *
 * Runtime imports: vscode-languageserver-protocol only (the client bundles it anyway). Keep this file
 * free of server code so the extension bundle stays small.
 */
import type { Problem, RegistryGraph } from "messagefoundry/graph";
import { type InitializeResult, RequestType } from "vscode-languageserver-protocol";

/**
 * Bumped when a request, result or setting below changes shape incompatibly. The server reports it in
 * `InitializeResult.capabilities.experimental.messagefoundry.protocolVersion`; the client checks it with
 * `protocolVersionProblem` before sending any custom request.
 */
export const PROTOCOL_VERSION = 1;

/** Settings section the server pulls per document URI (`workspace/configuration`). */
export const SETTINGS_SECTION = "messagefoundry";

export interface ServerSettings {
  /** Config dir (absolute, or relative to the workspace folder); overrides discovery in that folder. */
  config?: string;
  /** Debounce between a keystroke and recomputed diagnostics, in ms. */
  diagnosticsDelayMs?: number;
}

export interface GraphParams {
  /** A document or folder inside the config dir; omitted → the first config dir found. */
  uri?: string;
}

export interface GraphResult {
  /** URI of the config dir; node/edge `location.file` paths are relative to it. */
  configDir: string;
  /** Bumped on every edit the server sees; lets the client drop stale answers. */
  revision: number;
  graph: RegistryGraph;
  problems: Problem[];
}

/** `messagefoundry/graph`: the registry graph of a config dir, with positions, as the CLI prints it. */
export const GraphRequest = new RequestType<GraphParams | undefined, GraphResult | null, void>(
  "messagefoundry/graph",
);

export interface ConfigDir {
  /** `file:` URI of the config dir. */
  uri: string;
  /** Its folder name, for pick lists. */
  name: string;
}

export interface ConfigDirsParams {
  /**
   * A file or folder the caller works on (e.g. the active editor's document): its config dir is found
   * by walking up from it and included even when the workspace search did not reach it.
   */
  uri?: string;
}

export interface ConfigDirsResult {
  /** Sorted by path. */
  dirs: ConfigDir[];
}

/**
 * `messagefoundry/configDirs`: the config dirs of the workspace — per workspace folder the
 * `messagefoundry.config` setting when set, else every folder holding a connections.toml or an
 * environments/ folder (language-server/src/lsp/files.ts `findConfigDirs`) — plus any found above an
 * opened file or `params.uri`. The one search; the extension has none of its own.
 */
export const ConfigDirsRequest = new RequestType<ConfigDirsParams | undefined, ConfigDirsResult, void>(
  "messagefoundry/configDirs",
);

/** What the server adds under `InitializeResult.capabilities.experimental`. */
export interface ExperimentalCapabilities {
  messagefoundry: { protocolVersion: number };
}

export function experimentalCapabilities(): ExperimentalCapabilities {
  return { messagefoundry: { protocolVersion: PROTOCOL_VERSION } };
}

/** The protocol version a server reported at initialize, or undefined when it reported none. */
export function reportedProtocolVersion(result: InitializeResult | undefined): number | undefined {
  const experimental = result?.capabilities.experimental as Partial<ExperimentalCapabilities> | undefined;
  const version = experimental?.messagefoundry?.protocolVersion;
  return typeof version === "number" ? version : undefined;
}

/**
 * One sentence for the user when the server's protocol is not the client's (which versions, what to
 * do), or undefined when they match.
 */
export function protocolVersionProblem(
  result: InitializeResult | undefined,
  expected: number = PROTOCOL_VERSION,
): string | undefined {
  const reported = reportedProtocolVersion(result);
  if (reported === expected) return undefined;
  const server =
    reported === undefined ? "reports no protocol version" : `speaks protocol version ${reported}`;
  return (
    `The MessageFoundry language server ${server}, but this extension expects version ${expected}: ` +
    "they come from different builds. Reinstall the MessageFoundry extension (in a development checkout, " +
    "run `npm run build`), then reload the window. Until then the language features and the commands " +
    "that need a config dir are unavailable."
  );
}
