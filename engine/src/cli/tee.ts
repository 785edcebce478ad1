/**
 * `messagefoundry tee`: the relay for parallel runs before a migration (run, compare, naks, export,
 * purge). Test/synthetic data only: the tee logs message bodies (sealed like the store's) and its
 * compare report shows them. The subcommands live in tee-run.ts, tee-compare.ts and tee-log.ts.
 */
import type { Command } from "commander";
import type { CliIo } from "./io.js";
import { registerCompare } from "./tee-compare.js";
import { registerLogCommands } from "./tee-log.js";
import { registerRun } from "./tee-run.js";

export const SYNTHETIC_ONLY =
  "Test/synthetic data only: the tee is for parallel runs with test traffic, not hardened for PHI.";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const tee = program
    .command("tee")
    .description(
      `Tee relay for migrations: forward the same MLLP traffic to a legacy and a shadow engine, compare their output. ${SYNTHETIC_ONLY}`,
    )
    .addHelpText("after", `\n${SYNTHETIC_ONLY}\n`);
  registerRun(tee, io, setExit);
  registerCompare(tee, io, setExit);
  registerLogCommands(tee, io, setExit);
}
