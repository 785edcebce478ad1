/**
 * The running engine: store + auth over one SQLite file, the registry runner, config versions for
 * Stage → Promote, and the API's EngineServices over them. `messagefoundry serve` and the runtime
 * tests build an engine only through `Engine.open`.
 */
export { BundleError, type ConfigFiles, checkBundle, hashBundle, readBundle } from "./bundle.js";
export { ConfigVersionError, ConfigVersions, type StagedConfig } from "./config-versions.js";
export { Engine, type EngineOptions, EngineStartError } from "./engine.js";
export { engineServices } from "./services.js";
export type { VersionRow } from "./versions-table.js";
