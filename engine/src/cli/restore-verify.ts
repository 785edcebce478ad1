/**
 * `messagefoundry restore-verify FILE` (a SQLite backup, checked through a private temporary copy)
 * or `restore-verify --settings FILE` (a database restored into PostgreSQL): schema versions, the
 * audit chain, and that bodies decrypt with MEFOR_STORE_KEY (runtime/restore-verify.ts). Exit 1
 * when anything fails.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { type RestoreReport, verifyPgRestore, verifySqliteBackup } from "../runtime/restore-verify.js";
import { codecFromEnv, StoreKeyError } from "../store/index.js";
import { engineSettingsOf } from "./db.js";
import { type CliIo, EXIT, json, UserError } from "./io.js";

function sampleOf(value: string): number {
  if (value === "all") return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError('--sample must be a positive integer or "all"');
  return n;
}

function human(r: RestoreReport): string {
  const lines = [
    `schema: ${Object.entries(r.schema)
      .map(([part, v]) => `${part} v${v ?? "-"}`)
      .join(", ")}${r.migrated ? " (migrated on open)" : ""}`,
  ];
  if (r.audit) lines.push(`audit chain: ${r.audit.ok ? "intact" : "BROKEN"}, ${r.audit.entries} entries`);
  if (r.bodies)
    lines.push(
      `bodies: ${r.bodies.count} stored (${r.bodies.plainTexts} plain history texts), ${r.bodies.sampled} decrypted, ${r.bodies.failed} failed`,
    );
  for (const p of r.problems) lines.push(`problem: ${p}`);
  lines.push(r.ok ? "restore verified" : "restore NOT verified");
  return `${lines.join("\n")}\n`;
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("restore-verify [file]")
    .description(
      "Check a backup (SQLite file) or a restored PostgreSQL database: schema, audit chain, decryption",
    )
    .option("--settings <file>", "engine.toml naming the restored PostgreSQL database in [store]")
    .option("--sample <n>", 'bodies to decrypt, a random sample ("all": every one)', "1000")
    .option("--json", "print the report as JSON")
    .action(async (file: string | undefined, opts: { settings?: string; sample: string; json?: boolean }) => {
      const sample = sampleOf(opts.sample);
      let codec: ReturnType<typeof codecFromEnv>;
      try {
        codec = codecFromEnv(io.env as NodeJS.ProcessEnv);
      } catch (error) {
        if (error instanceof StoreKeyError) throw new UserError(error.message);
        throw error;
      }
      let report: RestoreReport;
      if (file !== undefined) {
        const path = resolve(io.cwd, file);
        if (!existsSync(path)) throw new UserError(`backup not found: ${file}`);
        report = await verifySqliteBackup(path, { codec, sample });
      } else {
        const store = engineSettingsOf(io, opts)?.store;
        if (!store)
          throw new UserError(
            "give the backup FILE (SQLite), or --settings <engine.toml> whose [store] names the restored database",
          );
        // A SQLite [store] is a live file: copying it by hand is not a backup. Verify the backup file.
        if (store.backend !== "postgres")
          throw new UserError("the settings' [store] is SQLite: give the backup FILE to check instead");
        report = await verifyPgRestore(store, { codec, sample });
      }
      io.out(opts.json ? json(report) : human(report));
      setExit(report.ok ? EXIT.OK : EXIT.FAILED);
    });
}
