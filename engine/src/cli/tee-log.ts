/**
 * `tee naks`, `tee export`, `tee purge`: reading and clearing the tee's log. `naks` lists frames the
 * legacy refused (a NAK) or never answered (unreachable, timeout) without opening any body; `export`
 * writes logged frames as an HL7 file or NDJSON (the shape `tee compare` reads); `purge` deletes
 * frames received before a date, or all of them.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { FrameFilter, TeeFrame } from "../tee/index.js";
import { type CliIo, EXIT, json, UserError } from "./io.js";
import { openTeeLog } from "./tee-run.js";

interface NaksFlags {
  db: string;
  json?: boolean;
}

interface ExportFlags {
  db: string;
  out: string;
  format: string;
  naks?: boolean;
  since?: string;
  before?: string;
  insecureNoEncryption?: boolean;
}

interface PurgeFlags {
  db: string;
  before?: string;
  all?: boolean;
}

export function registerLogCommands(tee: Command, io: CliIo, setExit: (code: number) => void): void {
  tee
    .command("naks")
    .description("List frames the legacy engine answered with a NAK or never answered (unreachable, timeout)")
    .requiredOption("--db <file>", "the tee's log")
    .option("--json", "print them as JSON")
    .action((f: NaksFlags) => {
      const log = openTeeLog(io, f.db, true, false);
      try {
        const rows = [...log.frames({ naks: true, bodies: false })].map(nakRow);
        if (f.json) io.out(json(rows));
        else {
          for (const r of rows)
            io.out(`${r.id}\t${r.receivedAt}\t${r.controlId}\t${r.legacy}${r.error ? `\t${r.error}` : ""}\n`);
          io.out(`${rows.length} frame(s) not accepted by the legacy engine\n`);
        }
      } finally {
        log.close();
      }
      setExit(EXIT.OK);
    });

  tee
    .command("export")
    .description("Export logged frames as a file of HL7 messages or as NDJSON (test/synthetic data only)")
    .requiredOption("--db <file>", "the tee's log")
    .option("--out <file>", "where to write (- for stdout)", "-")
    .option(
      "--format <hl7|ndjson>",
      "hl7: the messages, one per line block; ndjson: one record per frame",
      "hl7",
    )
    .option("--naks", "only frames the legacy did not accept")
    .option("--since <date>", "received at or after (ISO date or date-time)")
    .option("--before <date>", "received before")
    .option("--insecure-no-encryption", "the log was written without MEFOR_STORE_KEY")
    .action((f: ExportFlags) => {
      if (f.format !== "hl7" && f.format !== "ndjson") throw new UserError("--format must be hl7 or ndjson");
      const filter: FrameFilter = {};
      if (f.naks) filter.naks = true;
      if (f.since !== undefined) filter.since = date(f.since, "--since");
      if (f.before !== undefined) filter.before = date(f.before, "--before");
      const log = openTeeLog(io, f.db, f.insecureNoEncryption === true, false);
      const parts: string[] = [];
      try {
        for (const fr of log.frames(filter)) parts.push(f.format === "hl7" ? hl7Block(fr) : ndjsonLine(fr));
      } finally {
        log.close();
      }
      const text = parts.join("");
      if (f.out === "-") io.out(text);
      else {
        writeFileSync(resolve(io.cwd, f.out), text, { mode: 0o600 });
        io.err(`${parts.length} frame(s) written to ${f.out}\n`);
      }
      setExit(EXIT.OK);
    });

  tee
    .command("purge")
    .description("Delete logged frames received before a date, or all of them")
    .requiredOption("--db <file>", "the tee's log")
    .option("--before <date>", "delete frames received before this (ISO date or date-time)")
    .option("--all", "delete every frame")
    .action((f: PurgeFlags) => {
      if ((f.before === undefined) === (f.all !== true)) throw new UserError("give --before <date> or --all");
      const cutoff = f.all ? "all" : date(f.before as string, "--before");
      const log = openTeeLog(io, f.db, true, false);
      try {
        io.out(`${log.purge(cutoff)} frame(s) purged\n`);
      } finally {
        log.close();
      }
      setExit(EXIT.OK);
    });
}

function date(value: string, flag: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UserError(`${flag} must be an ISO date or date-time, got "${value}"`);
  return ms;
}

function nakRow(f: TeeFrame) {
  return {
    id: f.id,
    receivedAt: new Date(f.receivedAt).toISOString(),
    controlId: f.controlId ?? "",
    messageType: f.messageType ?? "",
    /** The legacy's MSA-1 (AE, AR…) or `unreachable` / `timeout`. */
    legacy: f.legacy.status === "acked" ? (f.legacy.code ?? "?") : f.legacy.status,
    error: f.legacy.error ?? "",
    upstream: f.upstreamCode ?? "",
  };
}

/** The message with CR segment ends, one message per block (how .hl7 files are read back). */
function hl7Block(f: TeeFrame): string {
  const text = f.body.toString("latin1").replace(/\r?\n/g, "\r");
  return `${text.endsWith("\r") ? text : `${text}\r`}\n`;
}

function ndjsonLine(f: TeeFrame): string {
  const leg = (l: TeeFrame["legacy"]) => ({
    status: l.status,
    ...(l.code ? { code: l.code } : {}),
    ...(l.error ? { error: l.error } : {}),
    ...(l.at !== null ? { at: new Date(l.at).toISOString() } : {}),
  });
  return `${JSON.stringify({
    id: f.id,
    receivedAt: new Date(f.receivedAt).toISOString(),
    connection: f.conn,
    controlId: f.controlId ?? "",
    messageType: f.messageType ?? "",
    legacy: leg(f.legacy),
    shadow: leg(f.shadow),
    upstream: f.upstreamCode ?? "",
    message: f.body.toString("latin1"),
  })}\n`;
}
