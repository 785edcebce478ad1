/**
 * The running engine: store + auth + config versions in one database (SQLite or PostgreSQL, see
 * runtime-store.ts and settings.ts), the registry runner, config versions for Stage → Promote, and the
 * API's EngineServices over them. `messagefoundry serve` and the runtime
 * tests build an engine only through `Engine.open`.
 */
export { BundleError, type ConfigFiles, checkBundle, hashBundle, readBundle } from "./bundle.js";
export {
  type BundleStore,
  BundleTamperedError,
  CONFIG_KEY_ENV,
  ConfigKeyError,
  configKeyFromEnv,
  DbBundles,
  FileBundles,
  verifyBundleRecord,
} from "./bundle-store.js";
export { ClusterNode, type ClusterRole, type RoleChange } from "./cluster.js";
export { ConfigVersionError, ConfigVersions, type StagedConfig } from "./config-versions.js";
export { Engine, type EngineOptions, EngineStartError } from "./engine.js";
export { openRuntimeStore, type RuntimeStore, type RuntimeStoreOptions } from "./runtime-store.js";
export { engineServices } from "./services.js";
export {
  type ApiSettings,
  type ClusterSettings,
  type EngineSettings,
  loadEngineSettings,
  parseEngineSettings,
  SettingsError,
  STORE_PASSWORD_ENV,
  type StoreSettings,
} from "./settings.js";
export { type VersionRow, VersionsRepository } from "./versions-repository.js";
