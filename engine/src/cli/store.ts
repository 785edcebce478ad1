/**
 * `messagefoundry store copy --from-db FILE --settings engine.toml`: moves a pilot's SQLite store to
 * the PostgreSQL named by the settings file (password from MEFOR_STORE_PASSWORD, or PostgreSQL's own
 * PGPASSWORD / ~/.pgpass). The work is `copyStore` (store-copy.ts); this is its command line: a
 * progress line on a terminal, one JSON object per line otherwise.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { storeSettingsOf } from "./db.js";
import { type CliIo, EXIT, UserError } from "./io.js";
import { type CopyProgress, copyStore, StoreCopyError } from "./store-copy.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("store").description("The engine's message store.");
  cmd
    .command("copy")
    .description("Copy a pilot's SQLite store into the (empty) PostgreSQL of a settings file")
    .requiredOption("--from-db <file>", "the pilot's SQLite database (stop its engine first)")
    .requiredOption("--settings <file>", "engine.toml whose [store] names the PostgreSQL database")
    .action(async (opts: { fromDb: string; settings: string }) => {
      const from = resolve(io.cwd, opts.fromDb);
      if (!existsSync(from)) throw new UserError(`database not found: ${opts.fromDb}`);
      const settings = storeSettingsOf(io, { settings: opts.settings });
      if (settings.backend !== "postgres")
        throw new UserError(
          `${opts.settings}: [store] backend must be "postgres" for store copy (the target)`,
        );
      const target = settings.pg;
      const progress = progressPrinter(io, process.stderr.isTTY === true);
      try {
        await copyStore(from, target, progress);
      } catch (error) {
        if (error instanceof StoreCopyError) throw new UserError(error.message, EXIT.FAILED);
        throw new UserError(
          `store copy failed (nothing was copied): ${(error as Error).message}`,
          EXIT.FAILED,
        );
      }
      setExit(EXIT.OK);
    });
}

/** On a terminal: one line rewritten in place (stderr). Otherwise: JSON lines on stdout, for scripts. */
function progressPrinter(io: CliIo, tty: boolean): (p: CopyProgress) => void {
  if (!tty) return (p) => io.out(`${JSON.stringify(p)}\n`);
  return (p) => {
    if (p.phase === "table") io.err(`\rcopying ${p.table}: ${p.copied}/${p.total} rows\u001b[K`);
    else if (p.phase === "skipped") io.err(`\rskipped ${p.table}: ${p.reason}\u001b[K\n`);
    else {
      const total = Object.values(p.tables).reduce((a, b) => a + b, 0);
      io.err(
        `\rcopied ${total} rows in ${Object.keys(p.tables).length} tables; counts verified; ${p.requeued} claimed rows re-queued\u001b[K\n`,
      );
    }
  };
}
