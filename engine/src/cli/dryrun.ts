/** `messagefoundry dryrun`: run messages through routers and handlers with no store, network or ACK. */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../config/index.js";
import { type DryRunResult, dryRunFile } from "../pipeline/index.js";
import type { DryRunEveryOutput, DryRunOutput } from "../pipeline/results.js";
import { type CliIo, configDir, EXIT, formatProblem, json, pickEnv, UserError } from "./io.js";

function formatResult(r: DryRunResult): string {
  const head = `${r.source}#${r.index} ${r.messageType ?? ""} ${r.controlId ?? ""} via ${r.inbound}: ${r.disposition}`;
  const lines = [head.replace(/\s+/g, " ")];
  if (r.error) lines.push(`  error (${r.error.stage}): ${r.error.message}`);
  for (const h of r.handlers)
    lines.push(`  handler ${h.name}: ${h.disposition}${h.error ? ` — ${h.error}` : ""}`);
  for (const t of r.trace ?? []) {
    const res =
      t.result.kind === "handlers"
        ? `→ ${t.result.handlers.join(", ") || "no handler"}`
        : t.result.kind === "sends"
          ? `→ send ${t.result.sends.map((s) => (s.line ? `${s.outbound} (${s.file}:${s.line})` : s.outbound)).join(", ")}`
          : t.result.kind === "nothing"
            ? "→ nothing returned"
            : `→ error: ${t.result.message}`;
    const io = `read ${t.reads.map((x) => x.path).join(", ") || "-"}; wrote ${t.writes.map((x) => x.path).join(", ") || "-"}`;
    lines.push(`  ${t.step} ${t.name} (${t.file}:${t.line}) ${io} ${res}`);
    for (const c of t.codeSets ?? []) {
      const what = c.code !== undefined ? `${c.code} → ${c.value ?? "(none)"}` : "lookup";
      lines.push(`    code set ${c.codeSet}: ${what} (${c.defaultUsed ? "default row" : c.source})`);
    }
  }
  for (const d of r.deliveries) {
    lines.push(`  → ${d.outbound} (${d.bytes} bytes, from ${d.handler})`);
    if (d.payload !== undefined) lines.push(`    ${d.payload.replace(/\r\n|\r|\n/g, "\n    ").trimEnd()}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The inbound a plain dry run uses: the one asked for, or the only one there is. */
function oneInbound(inbounds: readonly string[], asked: string | undefined): string {
  const inbound = asked ?? (inbounds.length === 1 ? inbounds[0] : undefined);
  if (inbound === undefined) {
    throw new UserError(`several inbounds; pass --inbound (one of: ${inbounds.join(", ") || "none"})`);
  }
  if (!inbounds.includes(inbound)) {
    throw new UserError(`unknown inbound "${inbound}" (known: ${inbounds.join(", ") || "none"})`);
  }
  return inbound;
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("dryrun")
    .description(
      "Run messages through the same routing and transform code as live traffic (no store/network/ACK).",
    )
    .option("-c, --config <dir>", "config directory", ".")
    .option("-e, --env <env>", "environment; default MEFOR_ENV or dev")
    .requiredOption("-m, --messages <files...>", "message files (HL7 files may hold several messages)")
    .option("-i, --inbound <name>", "inbound the messages arrive on (required when there are several)")
    .option(
      "--every-inbound",
      "run the messages through every inbound in turn: which one takes them? (a survey: exit 0 unless it cannot run)",
    )
    .option("--json", "print results as JSON")
    .option(
      "--show-phi",
      "include message bodies and traced field values in the output (they may contain PHI)",
    )
    .option("--trace", "per message, per step: the function, fields read and written, and its result")
    .action(
      async (opts: {
        config: string;
        env?: string;
        messages: string[];
        inbound?: string;
        everyInbound?: boolean;
        json?: boolean;
        showPhi?: boolean;
        trace?: boolean;
      }) => {
        const dir = configDir(io, opts.config);
        const env = pickEnv(io, dir, opts.env);
        const r = await loadConfig(dir, { ...(env !== undefined ? { env } : {}), processEnv: io.env });
        const blocking = r.problems.filter((p) => p.code === "MF-LOAD-BUNDLE" || p.code === "MF-LOAD-EXEC");
        if (blocking.length > 0) {
          for (const p of blocking) io.err(`${formatProblem(p)}\n`);
          throw new UserError("the config does not load; fix the problems above", EXIT.FAILED);
        }
        const inbounds = [...r.registry.inbounds.keys()];
        if (opts.everyInbound && opts.inbound !== undefined) {
          throw new UserError("pass --inbound or --every-inbound, not both");
        }
        const names = opts.everyInbound ? inbounds : [oneInbound(inbounds, opts.inbound)];
        const files = opts.messages.map((f) => {
          const abs = resolve(io.cwd, f);
          if (!existsSync(abs)) throw new UserError(`message file not found: ${f}`);
          return { name: f, bytes: readFileSync(abs) };
        });
        const runs: { inbound: string; results: DryRunResult[] }[] = [];
        for (const inbound of names) {
          const results: DryRunResult[] = [];
          for (const f of files) {
            results.push(
              ...(await dryRunFile(r.registry, inbound, f.bytes, f.name, {
                showPhi: opts.showPhi === true,
                trace: opts.trace === true,
              })),
            );
          }
          runs.push({ inbound, results });
        }
        const results = runs.flatMap((run) => run.results);
        if (!opts.json) for (const res of results) io.out(formatResult(res));
        else if (opts.everyInbound) io.out(json({ env: env ?? null, runs } satisfies DryRunEveryOutput));
        else for (const run of runs) io.out(json({ env: env ?? null, ...run } satisfies DryRunOutput));
        // A survey answers with each inbound's outcome; an ERROR there is an answer, not a failure.
        setExit(!opts.everyInbound && results.some((x) => x.disposition === "ERROR") ? EXIT.FAILED : EXIT.OK);
      },
    );
}
