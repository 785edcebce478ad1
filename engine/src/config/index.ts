/**
 * Config: the authoring API, connections.toml, environments and the loader that turns a config dir into
 * a runtime Registry plus its graph and problems.
 */
export {
  type AuthoringApi,
  amqp,
  ConfigError,
  createApi,
  database,
  dbStatement,
  dicom,
  dicomweb,
  file,
  ftp,
  ftps,
  http,
  loopback,
  mllp,
  rest,
  send,
  sftp,
  smtp,
  soap,
  tcp,
  timer,
  x12,
} from "./api.js";
export { CodeSetError, type CodeSetLookupEvent, loadCodeSet, withCodeSetTrace } from "./codesets.js";
export { type Callsite, Collector } from "./collector.js";
export { applyOverrides, type Environments, loadEnvironments } from "./environments.js";
export { type IsolatedLoadOptions, type IsolatedLoadResult, loadConfigIsolated } from "./isolated-load.js";
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
export {
  type Confinement,
  confinementHere,
  DEFAULT_SANDBOX_LIMITS,
  type SandboxLimits,
  type SandboxLog,
} from "./sandbox.js";
export { CONNECTIONS_FILE, readConnectionsToml, type TomlConnection, type TomlConnections } from "./toml.js";
export {
  type ConnectionEntry,
  listConnections,
  removeConnection,
  upsertConnection,
} from "./toml-edit.js";
export type * from "./types.js";
