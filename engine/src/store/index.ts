/**
 * The store: a durable staged queue (ingress → routed → outbound) and the message log, with bodies
 * encrypted at rest. The pipeline codes against `Store`; `openSqliteStore` is the embedded implementation.
 */

export { BlindIndex, BlindIndexKeyError, blindIndexFromEnv, INDEX_KEY_ENV } from "./blind-index.js";
export { Checkpointer, type CheckpointerOptions } from "./checkpointer.js";
export {
  type AesGcmOptions,
  aesGcmCodec,
  type BodyCodec,
  BodyDecodeError,
  type BodyRecoder,
  codecFromEnv,
  generateStoreKey,
  keyIdFor,
  makeStoreKey,
  parseStoreKey,
  plainCodec,
  rotateKey,
  STORE_KEY_BYTES,
  type StoreKey,
  StoreKeyError,
} from "./crypto.js";
export { decideDisposition, type RowTally } from "./disposition.js";
export { FencedError, LeaderFence, monoNow } from "./fence.js";
export { type PgConnectionOptions, type PgTlsOptions, pgPoolConfig, pgSchema } from "./pg-connection.js";
export { type LeaseRow, type MemberRow, nodeApplicationName, PgLease } from "./pg-lease.js";
export { PG_STORE_SCHEMA_VERSION } from "./pg-schema.js";
export { openPgStore, PgStore, type PgStoreOptions } from "./pg-store.js";
export { mkdirPrivate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, preparePrivateDb } from "./private-files.js";
export { QueueCore, type QueueCoreOptions } from "./queue-core.js";
export { secretSealer } from "./sealed-text.js";
export { BackupError, type BackupProgress, type BackupResult, backupSqlite } from "./sqlite-backup.js";
export { STORE_SCHEMA_VERSION, StoreSchemaError } from "./sqlite-schema.js";
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
export * from "./types.js";
export { WriteLock, WriteLockTimeout } from "./write-lock.js";
