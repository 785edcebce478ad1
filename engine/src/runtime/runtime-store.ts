/**
 * Everything an engine keeps at runtime, in ONE database: the message store, the auth tables and the
 * config-version records (and, on PostgreSQL, the signed promoted bundles). `openRuntimeStore` opens
 * them together on SQLite or PostgreSQL from {@link StoreSettings}; `serve`, the `user` / `audit` /
 * `key` commands and the tests all go through it, so no command keeps its own copy of "which store".
 */
import { resolve } from "node:path";
import pg from "pg";
import { type AuthRepository, PgAuthRepository, PgRunner, SqliteAuthRepository } from "../auth/index.js";
import {
  type BodyCodec,
  type BodyRecoder,
  type LeaderFence,
  openPgStore,
  openSqliteStore,
  type PgConnectionOptions,
  type PgStoreOptions,
  pgPoolConfig,
  pgSchema,
  type SqliteStore,
  type SqliteStoreOptions,
  type Store,
  secretSealer,
} from "../store/index.js";
import type { StoreSettings } from "./settings.js";
import { VersionsRepository } from "./versions-repository.js";

export interface RuntimeStoreOptions {
  codec: BodyCodec;
  /** SQLite only: the in-process write lock / checkpointing choice (see store/write-lock.ts). */
  sqlite?: Pick<SqliteStoreOptions, "writeLock" | "autoCheckpoint">;
  /** Shown in pg_stat_activity (default `messagefoundry`). */
  applicationName?: string;
  /** Clustered (PostgreSQL): the leader token every queue write checks (store/fence.ts). */
  fence?: LeaderFence;
}

interface Common {
  auth: AuthRepository;
  versions: VersionsRepository;
  /** Closes the repositories and the store. */
  close(): Promise<void>;
}

export type RuntimeStore =
  | (Common & { kind: "sqlite"; store: SqliteStore; path: string })
  | (Common & { kind: "postgres"; store: Store & BodyRecoder; pg: PgConnectionOptions });

/** Opens the store database and the runtime-state repositories on it. */
export async function openRuntimeStore(
  settings: StoreSettings,
  opts: RuntimeStoreOptions,
): Promise<RuntimeStore> {
  const sealer = secretSealer(opts.codec);
  if (settings.backend === "sqlite") {
    const path = resolve(settings.path);
    const store = openSqliteStore({
      path,
      codec: opts.codec,
      ...(opts.sqlite ?? {}),
      ...(settings.commitWindowMs !== undefined ? { commitWindowMs: settings.commitWindowMs } : {}),
    });
    try {
      const auth = new SqliteAuthRepository(store.db, { sealer });
      const versions = await VersionsRepository.sqlite(store.db);
      return { kind: "sqlite", store, path, auth, versions, close: () => store.close() };
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  const conn: PgConnectionOptions = {
    applicationName: opts.applicationName ?? "messagefoundry",
    ...settings.pg,
  };
  const schema = pgSchema(conn);
  const storeOpts: PgStoreOptions = {
    ...conn,
    schema,
    codec: opts.codec,
    ...(opts.fence ? { fence: opts.fence } : {}),
    ...(settings.commitWindowMs !== undefined ? { commitWindowMs: settings.commitWindowMs } : {}),
  };
  const store = await openPgStore(storeOpts);
  const opened: { close(): Promise<void> }[] = [store];
  const closeAll = async () => {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
  };
  try {
    const auth = await PgAuthRepository.open(conn, { sealer });
    opened.push(auth);
    const pool = new pg.Pool(pgPoolConfig({ ...conn, poolSize: 2 }));
    pool.on("error", () => undefined);
    opened.push({ close: () => pool.end() });
    const versions = await VersionsRepository.open(new PgRunner(pool, `${schema}:runtime`));
    return { kind: "postgres", store, pg: conn, auth, versions, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
