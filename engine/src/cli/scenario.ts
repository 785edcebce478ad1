/**
 * `messagefoundry scenario run FILE... [--junit OUT.xml]`: runs headless scenarios (scenario/): starts
 * each one's sinks and engine, sends, checks dispositions, deliveries and dead letters. Exit 0 when every
 * check holds, 1 otherwise; --junit writes JUnit XML for CI. Text on a terminal, JSON lines otherwise.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { junitXml, parseScenario, runScenario, type SuiteResult } from "../scenario/index.js";
import { type CliIo, EXIT } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const scenario = program.command("scenario").description("Headless test scenarios: send, expect, report");
  scenario
    .command("run")
    .description(
      "Run scenario files (JSON or TOML): start sinks and the engine, send, check ACKs, dispositions, deliveries, dead letters",
    )
    .argument("<files...>", "scenario files (.json or .toml)")
    .option("--junit <file>", "write the results as JUnit XML")
    .action(async (files: string[], opts: { junit?: string }) => {
      setExit(await run(io, files, opts));
    });
}

async function runOne(io: CliIo, file: string): Promise<SuiteResult> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return {
      name: file,
      file,
      checks: [],
      error: `cannot read ${file}: ${(error as Error).message}`,
      durationMs: 0,
    };
  }
  let parsed: ReturnType<typeof parseScenario>;
  try {
    parsed = parseScenario(text, file);
  } catch (error) {
    return { name: file, file, checks: [], error: (error as Error).message, durationMs: 0 };
  }
  return runScenario(parsed, {
    file: path,
    env: io.env,
    ...(io.isTTY ? { progress: (line: string) => io.err(`  ${line}\n`) } : {}),
  });
}

async function run(io: CliIo, files: string[], opts: { junit?: string }): Promise<number> {
  const suites: SuiteResult[] = [];
  for (const file of files) {
    if (io.isTTY) io.err(`scenario ${file}\n`);
    const s = { ...(await runOne(io, file)), file };
    suites.push(s);
    const ok = s.error === undefined && s.checks.every((c) => c.ok);
    if (io.isTTY) {
      io.out(`${ok ? "PASS" : "FAIL"} ${s.name} (${s.durationMs} ms)\n`);
      if (s.error !== undefined) io.out(`  error: ${s.error}\n`);
      for (const c of s.checks)
        io.out(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}${c.ok ? "" : `: ${c.message}`}\n`);
    } else {
      io.out(`${JSON.stringify({ event: "scenario", ok, ...s })}\n`);
    }
  }
  if (opts.junit) writeFileSync(resolve(io.cwd, opts.junit), junitXml(suites));
  const failed = suites.filter((s) => s.error !== undefined || s.checks.some((c) => !c.ok)).length;
  if (io.isTTY) io.out(`${suites.length - failed}/${suites.length} scenario(s) passed\n`);
  return failed === 0 ? EXIT.OK : EXIT.FAILED;
}
