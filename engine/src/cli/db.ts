/** Opening the engine's SQLite file for the admin subcommands (user, audit, key). */
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { preparePrivateDb } from "../store/index.js";
import { type CliIo, UserError } from "./io.js";

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
