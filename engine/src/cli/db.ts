/**
 * Which store a command opens, decided in one place for every command (serve, user, audit, key):
 * `--db FILE` (SQLite) or `--settings FILE` (engine.toml's [store], SQLite or PostgreSQL); `--db`
 * overrides the file's [store].
 */
import { resolve } from "node:path";
import Database from "better-sqlite3";
import type { Command } from "commander";
import {
  type AuthRepository,
  PgAuthRepository,
  type SecretSealer,
  SqliteAuthRepository,
} from "../auth/index.js";
import {
  type EngineSettings,
  loadEngineSettings,
  SettingsError,
  type StoreSettings,
} from "../runtime/settings.js";
import { preparePrivateDb } from "../store/index.js";
import { type CliIo, UserError } from "./io.js";

export interface StoreFlags {
  db?: string;
  settings?: string;
}

/** Adds `--db FILE` and `--settings FILE` to a command that opens the store. */
export function storeOptions(cmd: Command, dbHelp = "the engine's SQLite database"): Command {
  return cmd
    .option("--db <file>", dbHelp)
    .option("--settings <file>", "engine settings (engine.toml): [store] says SQLite or PostgreSQL");
}

/** The settings file named by `--settings`, loaded (its errors are the user's to fix), or undefined. */
export function engineSettingsOf(io: CliIo, flags: StoreFlags): EngineSettings | undefined {
  if (flags.settings === undefined) return undefined;
  try {
    return loadEngineSettings(resolve(io.cwd, flags.settings), io.env as NodeJS.ProcessEnv);
  } catch (error) {
    if (error instanceof SettingsError) throw new UserError(error.message);
    throw error;
  }
}

/** The store a command opens: `--db` wins over the settings file's [store]; one of them is required. */
export function storeSettingsOf(io: CliIo, flags: StoreFlags, fallbackDb?: string): StoreSettings {
  const file = engineSettingsOf(io, flags);
  if (flags.db !== undefined) return { backend: "sqlite", path: resolve(io.cwd, flags.db) };
  if (file?.store) return file.store;
  if (fallbackDb !== undefined) return { backend: "sqlite", path: resolve(io.cwd, fallbackDb) };
  throw new UserError(
    file
      ? `${file.file} has no [store] section: add one, or give --db <file>`
      : "give the store: --db <file> (SQLite) or --settings <engine.toml>",
  );
}

/**
 * Opens `--db` next to a running engine safely: WAL (as the engine uses it) and a busy timeout, so a
 * CLI change waits for the engine's transaction instead of failing. `create` allows a new file
 * (bootstrapping the first administrator before the first `serve`).
 */
export function openDb(io: CliIo, file: string | undefined, create: boolean): Database.Database {
  if (!file) throw new UserError("--db <file> is required");
  const path = resolve(io.cwd, file);
  try {
    preparePrivateDb(path, { create });
    const db = new Database(path, { fileMustExist: !create });
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    return db;
  } catch (error) {
    throw new UserError(`cannot open database ${file}: ${(error as Error).message}`);
  }
}

/**
 * The auth tables of the store `flags` name, for the admin commands: on SQLite over its own
 * connection to the file (no store opened, no write lock for reads), on PostgreSQL over a small pool.
 */
export async function openAuth(
  io: CliIo,
  flags: StoreFlags,
  opts: { create: boolean; sealer?: SecretSealer | undefined },
): Promise<{ repo: AuthRepository; close(): Promise<void> }> {
  const settings = storeSettingsOf(io, flags);
  const sealer = opts.sealer ? { sealer: opts.sealer } : {};
  if (settings.backend === "sqlite") {
    const db = openDb(io, settings.path, opts.create);
    try {
      return { repo: new SqliteAuthRepository(db, sealer), close: async () => void db.close() };
    } catch (error) {
      db.close();
      throw error;
    }
  }
  let repo: PgAuthRepository;
  try {
    repo = await PgAuthRepository.open(settings.pg, sealer);
  } catch (error) {
    throw new UserError(`cannot open the PostgreSQL store: ${(error as Error).message}`);
  }
  return { repo, close: () => repo.close() };
}
