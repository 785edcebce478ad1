/** Runs the CLI in-process through its real entry (run(argv)) and captures output and exit code. */
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";

export async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const io: CliIo = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    cwd,
    env,
  };
  const code = await run(["node", "messagefoundry", ...args], io);
  return { code, out, err };
}
