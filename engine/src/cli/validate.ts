/** `messagefoundry validate`: load the config and report every problem; exit 1 on errors. */
import type { Command } from "commander";
import { loadConfig } from "../config/index.js";
import { type CliIo, configDir, EXIT, formatProblem, json, pickEnv, summary } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("validate")
    .description("Load the config and report problems (file:line:column, code, hint). Exit 1 on errors.")
    .option("-c, --config <dir>", "config directory", ".")
    .option("-e, --env <env>", "environment (environments/<env>.toml); default MEFOR_ENV or dev")
    .option("--json", "print problems as JSON")
    .action(async (opts: { config: string; env?: string; json?: boolean }) => {
      const dir = configDir(io, opts.config);
      const env = pickEnv(io, dir, opts.env);
      const r = await loadConfig(dir, { ...(env !== undefined ? { env } : {}), processEnv: io.env });
      if (opts.json) io.out(json({ env: env ?? null, ok: !r.hasErrors, problems: r.problems }));
      else {
        for (const p of r.problems) io.out(`${formatProblem(p)}\n`);
        io.out(`${r.hasErrors ? "✗" : "✓"} ${summary(r.problems)} (env ${env ?? "none"})\n`);
      }
      setExit(r.hasErrors ? EXIT.FAILED : EXIT.OK);
    });
}
