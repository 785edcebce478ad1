/**
 * `messagefoundry backup --to FILE --db FILE | --settings FILE`: an online, consistent copy of the
 * SQLite store while the engine runs (store/sqlite-backup.ts), owner-only (0600). A progress line on
 * a terminal; JSON on stdout otherwise. PostgreSQL is backed up with `pg_dump` (README), and
 * checked with `restore-verify --settings`.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { BackupError, type BackupProgress, backupSqlite } from "../store/index.js";
import { type StoreFlags, storeOptions, storeSettingsOf } from "./db.js";
import { type CliIo, EXIT, UserError } from "./io.js";

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

function progressLine(p: BackupProgress): string {
  const pct = p.expectedBytes > 0 ? Math.min(100, Math.floor((p.bytes / p.expectedBytes) * 100)) : 100;
  return `\rbackup: ${String(pct).padStart(3)}% (${mb(p.bytes)} of ${mb(p.expectedBytes)})`;
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  storeOptions(
    program
      .command("backup")
      .description("Copy the store while the engine runs (SQLite); PostgreSQL: use pg_dump (see README)")
      .requiredOption("--to <file>", "the backup file to write (must not exist)"),
  ).action(async (opts: StoreFlags & { to: string }) => {
    const settings = storeSettingsOf(io, opts);
    if (settings.backend !== "sqlite")
      throw new UserError(
        "the store is PostgreSQL: back it up with pg_dump (e.g. `pg_dump --format=custom --schema <schema> " +
          "--file <file> <database>`) and check a restore with `messagefoundry restore-verify --settings <file>`",
      );
    const to = resolve(io.cwd, opts.to);
    const tty = io.isTTY === true;
    try {
      const result = await backupSqlite(settings.path, to, {
        ...(tty ? { onProgress: (p: BackupProgress) => io.err(progressLine(p)) } : {}),
      });
      if (tty) io.err("\n");
      if (tty) io.out(`backup written: ${result.file} (${mb(result.bytes)} in ${result.ms} ms)\n`);
      else io.out(`${JSON.stringify({ event: "backup", ...result })}\n`);
    } catch (error) {
      if (tty) io.err("\n");
      if (error instanceof BackupError) throw new UserError(error.message, EXIT.FAILED);
      throw error;
    }
    setExit(EXIT.OK);
  });
}
