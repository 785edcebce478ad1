/**
 * `messagefoundry tee compare`: what the legacy and the shadow destinations received (two sink
 * captures, NDJSON or HL7 files), or what the two engines answered (`--db`, the tee's log), paired
 * and diffed HL7-aware with ignore rules. Prints a summary (or the report as JSON with --json),
 * writes a self-contained HTML report with --html. Exit 0 when every pair is identical, 1 otherwise.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { FieldPathError } from "../hl7/index.js";
import {
  ackCaptures,
  allIdentical,
  type CaptureRead,
  compareCaptures,
  readCapture,
  renderCompareHtml,
  type TeeCompareReport,
} from "../tee/index.js";
import { type CliIo, EXIT, json, UserError } from "./io.js";
import { openTeeLog } from "./tee-run.js";

interface CompareFlags {
  legacy?: string;
  shadow?: string;
  db?: string;
  ignore: string[];
  defaultIgnore: boolean;
  pairBy: string;
  html?: string;
  json?: boolean;
  insecureNoEncryption?: boolean;
}

export function registerCompare(tee: Command, io: CliIo, setExit: (code: number) => void): void {
  tee
    .command("compare")
    .description(
      "Pair and diff what the legacy and shadow destinations received (sink captures), or the two engines' ACKs (--db)",
    )
    .option("--legacy <capture>", "the legacy destination's capture: sink NDJSON (`sink --capture`) or .hl7")
    .option("--shadow <capture>", "the shadow destination's capture")
    .option(
      "--db <file>",
      "instead of captures: compare the legacy and shadow ACK of each frame in a tee log",
    )
    .option(
      "--ignore <paths>",
      "field paths left out, comma-separated or repeated (e.g. PID-3.4,OBX-14); MSH-7 and MSH-10 always unless --no-default-ignore",
      (v: string, acc: string[]) => [...acc, ...v.split(",").filter((s) => s.trim() !== "")],
      [] as string[],
    )
    .option("--no-default-ignore", "compare MSH-7 and MSH-10 too")
    .option(
      "--pair-by <path|order>",
      "pair messages by this field (default MSH-10) or by arrival order",
      "MSH-10",
    )
    .option("--html <file>", "write the self-contained HTML report here")
    .option("--json", "print the whole report as JSON")
    .option("--insecure-no-encryption", "read a --db written without MEFOR_STORE_KEY")
    .action((flags: CompareFlags) => {
      setExit(compare(io, flags));
    });
}

function compare(io: CliIo, f: CompareFlags): number {
  let legacy: CaptureRead;
  let shadow: CaptureRead;
  let sources: [string, string];
  if (f.db !== undefined) {
    if (f.legacy !== undefined || f.shadow !== undefined)
      throw new UserError("give either --db or --legacy and --shadow, not both");
    const log = openTeeLog(io, f.db, f.insecureNoEncryption === true, false);
    try {
      ({ legacy, shadow } = ackCaptures(log));
    } finally {
      log.close();
    }
    sources = [`${f.db} (legacy ACKs)`, `${f.db} (shadow ACKs)`];
  } else {
    if (f.legacy === undefined || f.shadow === undefined)
      throw new UserError("give --legacy and --shadow captures (or --db with a tee log)");
    legacy = read(io, f.legacy);
    shadow = read(io, f.shadow);
    sources = [f.legacy, f.shadow];
  }
  let report: TeeCompareReport;
  try {
    report = compareCaptures(legacy.messages, shadow.messages, {
      pairBy: f.db !== undefined ? "order" : f.pairBy,
      ignore: f.ignore.map((s) => s.trim()),
      defaultIgnore: f.defaultIgnore,
      legacySource: sources[0],
      shadowSource: sources[1],
      problems: [...legacy.problems, ...shadow.problems],
    });
  } catch (error) {
    if (error instanceof FieldPathError) throw new UserError(`not a field path: ${error.message}`);
    throw error;
  }
  if (f.html !== undefined)
    writeFileSync(resolve(io.cwd, f.html), renderCompareHtml(report), { mode: 0o600 });
  if (f.json) io.out(json(report));
  else io.out(summaryText(report, f.html));
  return allIdentical(report) ? EXIT.OK : EXIT.FAILED;
}

function read(io: CliIo, file: string): CaptureRead {
  try {
    return readCapture(resolve(io.cwd, file), file);
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function summaryText(r: TeeCompareReport, html: string | undefined): string {
  const s = r.summary;
  const out = [
    `${s.pairs} pair(s): ${s.identical} identical, ${s.differing} differing, ${s.missingShadow} missing in shadow, ${s.missingLegacy} missing in legacy`,
    `paired by ${r.pairBy}; ignored: ${r.ignore.join(", ") || "nothing"}`,
  ];
  for (const t of s.topPaths) out.push(`  ${t.path}\t${t.count}`);
  for (const p of r.pairs) {
    if (p.status === "identical") continue;
    const paths = p.diff?.segments.flatMap((seg) =>
      seg.status === "added" || seg.status === "removed"
        ? [`${seg.name} ${seg.status}`]
        : seg.changes.map((c) => c.path),
    );
    out.push(`${p.status}\t${p.key}${paths?.length ? `\t${paths.join(" ")}` : ""}`);
  }
  for (const p of r.problems) out.push(`problem: ${p}`);
  if (html !== undefined) out.push(`report: ${html}`);
  return `${out.join("\n")}\n`;
}
