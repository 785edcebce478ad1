/**
 * Files that hold patient data are the engine user's alone: the database and its WAL/SHM (0600),
 * the folders the engine creates for them (0700). Modes are given at creation, so a permissive
 * umask (0022, 0000) cannot widen them; a database file left readable by an older run is narrowed
 * when opened. SQLite creates the -wal and -shm files with the main file's mode.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and missing parents) owner-only; an existing folder is the operator's and left as is. */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Makes sure the SQLite file exists owner-only before SQLite opens it (and its WAL/SHM follow). */
export function preparePrivateDb(path: string, opts: { create?: boolean } = {}): void {
  if (opts.create !== false) {
    mkdirPrivate(dirname(path));
    closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, PRIVATE_FILE_MODE);
    } catch {
      // Absent (no WAL yet) or not ours to change (a read-only copy): nothing to narrow.
    }
  }
}
