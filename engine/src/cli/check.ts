/** `messagefoundry check`: the CI gate — validate + type-check + every tests/ fixture. */
import type { Command } from "commander";
import { loadConfig } from "../config/index.js";
import { findFixtures, fixtureProblems, runFixture } from "../pipeline/index.js";
import type { CheckOutput } from "../pipeline/results.js";
import { type CliIo, configDir, EXIT, formatProblem, json, pickEnv } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("check")
    .description("CI gate: validate, type-check the config, and dry-run every tests/*.json fixture.")
    .option("-c, --config <dir>", "config directory", ".")
    .option("-e, --env <env>", "environment; default MEFOR_ENV or dev")
    .option("--no-typecheck", "skip the TypeScript type-check")
    .option("--json", "print the result as JSON")
    .action(async (opts: { config: string; env?: string; typecheck: boolean; json?: boolean }) => {
      const dir = configDir(io, opts.config);
      const env = pickEnv(io, dir, opts.env);
      const r = await loadConfig(dir, { ...(env !== undefined ? { env } : {}), processEnv: io.env });
      // Loaded here, not at the top: every command (serve too) shares this module graph, and the
      // TypeScript compiler is ~50 MB a long-running engine should not carry.
      const types = opts.typecheck ? (await import("../config/typecheck.js")).typecheckConfig(dir) : [];
      const outcomes = [];
      for (const f of findFixtures(dir)) outcomes.push(await runFixture(r.registry, f));
      const problems = [...r.problems, ...types, ...fixtureProblems(outcomes)];
      const errors = problems.filter((p) => p.severity === "error").length;
      const passed = outcomes.filter((o) => o.passed).length;
      if (opts.json) {
        io.out(
          json({
            env: env ?? null,
            ok: errors === 0,
            problems,
            fixtures: outcomes.map((o) => ({ file: o.file, passed: o.passed, failures: o.failures })),
          } satisfies CheckOutput),
        );
      } else {
        for (const p of problems) io.out(`${formatProblem(p)}\n`);
        io.out(
          `${[
            `validate:  ${r.problems.filter((p) => p.severity === "error").length} error(s), ${r.problems.filter((p) => p.severity === "warning").length} warning(s)`,
            `typecheck: ${opts.typecheck ? `${types.length} error(s)` : "skipped"}`,
            `fixtures:  ${passed}/${outcomes.length} passed`,
            errors === 0 ? "✓ check passed" : `✗ check failed (${errors} error(s))`,
          ].join("\n")}\n`,
        );
      }
      setExit(errors === 0 ? EXIT.OK : EXIT.FAILED);
    });
}
