/**
 * Config: the authoring API, connections.toml, environments and the loader that turns a config dir into
 * a runtime Registry plus its graph and problems.
 */
export {
  type AuthoringApi,
  ConfigError,
  createApi,
  database,
  dbStatement,
  file,
  http,
  loopback,
  mllp,
  rest,
  send,
  tcp,
} from "./api.js";
export { CodeSetError, loadCodeSet } from "./codesets.js";
export { type Callsite, Collector } from "./collector.js";
export { applyOverrides, type Environments, loadEnvironments } from "./environments.js";
export {
  DEFAULT_LOAD_LIMITS,
  DEFAULT_LOAD_TIMEOUT_MS,
  type IsolatedLoadOptions,
  type IsolatedLoadResult,
  loadConfigIsolated,
  scrubEnv,
} from "./isolated-load.js";
export { findEntryModules, type LoadOptions, type LoadResult, loadConfig } from "./loader.js";
export { RawMessage } from "./raw-message.js";
export {
  DEFAULT_RETRY,
  type HandlerDef,
  type InboundDef,
  type OutboundDef,
  type Registry,
  type RouterDef,
} from "./registry.js";
export { CONNECTIONS_FILE, readConnectionsToml, type TomlConnection, type TomlConnections } from "./toml.js";
export {
  type ConnectionEntry,
  listConnections,
  removeConnection,
  upsertConnection,
} from "./toml-edit.js";
export { typecheckConfig } from "./typecheck.js";
export type * from "./types.js";
