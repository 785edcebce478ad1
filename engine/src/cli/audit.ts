/** `messagefoundry audit verify --db FILE | --settings FILE`: checks the hash-chained audit log for edits and deletions. */
import type { Command } from "commander";
import { auditVerify } from "../auth/index.js";
import { openAuth, type StoreFlags, storeOptions } from "./db.js";
import { type CliIo, EXIT, json } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program.command("audit").description("The audit log.");
  storeOptions(
    cmd
      .command("verify")
      .description("Verify the audit chain; exit 1 when any entry was altered, removed or reordered"),
  )
    .option("--json", "print the verification as JSON")
    .action(async (opts: StoreFlags & { json?: boolean }) => {
      const auth = await openAuth(io, opts, { create: false });
      let v: Awaited<ReturnType<typeof auditVerify>>;
      try {
        v = await auditVerify(auth.repo);
      } finally {
        await auth.close();
      }
      if (opts.json) io.out(json(v));
      else if (v.ok) io.out(`audit log intact: ${v.entries} entries; head ${JSON.stringify(v.head)}\n`);
      else io.out(`audit log BROKEN at entry ${v.firstBad}: ${v.reason}\n`);
      setExit(v.ok ? EXIT.OK : EXIT.FAILED);
    });
}
