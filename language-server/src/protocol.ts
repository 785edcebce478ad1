/**
 * The language server's custom protocol, shared verbatim by the server and the extension: each request
 * is a literal method constant with typed params and result. Type-only imports keep this file free of
 * runtime dependencies so both bundles can include it.
 */
import type { Problem, RegistryGraph } from "messagefoundry/graph";

/** Settings section the server pulls per document URI (`workspace/configuration`). */
export const SETTINGS_SECTION = "messagefoundry";

export interface ServerSettings {
  /** Config dir (absolute, or relative to the workspace folder); overrides discovery. */
  config?: string;
  /** Debounce between a keystroke and recomputed diagnostics, in ms. */
  diagnosticsDelayMs?: number;
}

/** `messagefoundry/graph`: the registry graph of a config dir, with positions, as the CLI prints it. */
export const GraphRequest = "messagefoundry/graph" as const;

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

/** `messagefoundry/configDirs`: the config dirs the server found in the workspace. */
export const ConfigDirsRequest = "messagefoundry/configDirs" as const;

export interface ConfigDirsResult {
  dirs: { uri: string; name: string }[];
}

/** Bumped when a request or result above changes shape incompatibly. */
export const PROTOCOL_VERSION = 1;
