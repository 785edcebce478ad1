/** `messagefoundry graph`: print the registry graph as JSON, Mermaid or DOT. */
import type { Command } from "commander";
import { loadConfig } from "../config/index.js";
import { graphToDot, graphToJson, graphToMermaid } from "../graph/index.js";
import { type CliIo, configDir, EXIT, pickEnv, UserError } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("graph")
    .description("Print the registry graph: inbound → router → handler → outbound (default: Mermaid).")
    .option("-c, --config <dir>", "config directory", ".")
    .option("-e, --env <env>", "environment (only affects problems, not the graph)")
    .option("--json", "the graph JSON shared with the language server and extension")
    .option("--mermaid", "a Mermaid flowchart (default)")
    .option("--dot", "Graphviz DOT")
    .action(
      async (opts: { config: string; env?: string; json?: boolean; mermaid?: boolean; dot?: boolean }) => {
        const formats = [opts.json, opts.mermaid, opts.dot].filter(Boolean).length;
        if (formats > 1) throw new UserError("choose one of --json, --mermaid, --dot");
        const dir = configDir(io, opts.config);
        const env = pickEnv(io, dir, opts.env);
        const r = await loadConfig(dir, { ...(env !== undefined ? { env } : {}), processEnv: io.env });
        io.out(opts.json ? graphToJson(r.graph) : opts.dot ? graphToDot(r.graph) : graphToMermaid(r.graph));
        setExit(EXIT.OK);
      },
    );
}
