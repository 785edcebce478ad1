/** `messagefoundry audit verify --db FILE`: checks the hash-chained audit log for edits and deletions. */
import type { Command } from "commander";
import { auditVerify } from "../auth/index.js";
import { openDb } from "./db.js";
import { type CliIo, EXIT, json } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("audit").description("The audit log.");
  cmd
    .command("verify")
    .description("Verify the audit chain; exit 1 when any entry was altered, removed or reordered")
    .requiredOption("--db <file>", "the engine's SQLite database")
    .option("--json", "print the verification as JSON")
    .action((opts: { db: string; json?: boolean }) => {
      const db = openDb(io, opts.db, false);
      let v: ReturnType<typeof auditVerify>;
      try {
        v = auditVerify(db);
      } finally {
        db.close();
      }
      if (opts.json) io.out(json(v));
      else if (v.ok) io.out(`audit log intact: ${v.entries} entries; head ${JSON.stringify(v.head)}\n`);
      else io.out(`audit log BROKEN at entry ${v.firstBad}: ${v.reason}\n`);
      setExit(v.ok ? EXIT.OK : EXIT.FAILED);
    });
}
