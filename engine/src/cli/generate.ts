/** `messagefoundry generate`: deterministic synthetic HL7 and X12 (PHI-free). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { generateMessages, isMessageType, MESSAGE_TYPES, seedOf } from "../generate/index.js";
import { type CliIo, EXIT, UserError } from "./io.js";

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("generate")
    .description(
      `Synthetic, PHI-free HL7 v2.5.1 (and X12 5010 for X12-*), deterministic for a seed. Types: ${MESSAGE_TYPES.join(", ")}`,
    )
    .requiredOption("-t, --type <type>", "message type, e.g. ADT^A01 or X12-270")
    .option("-n, --count <n>", "how many messages", "1")
    .option("-s, --seed <seed>", "seed (number or word)", "1")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .option("--lf", "separate segments with LF instead of CR (easier to read in an editor)")
    .action((opts: { type: string; count: string; seed: string; out?: string; lf?: boolean }) => {
      if (!isMessageType(opts.type)) {
        throw new UserError(`unknown --type "${opts.type}" (one of: ${MESSAGE_TYPES.join(", ")})`);
      }
      const count = Number(opts.count);
      if (!Number.isInteger(count) || count < 1 || count > 100_000) {
        throw new UserError(`--count must be an integer from 1 to 100000, got "${opts.count}"`);
      }
      let text = generateMessages({ type: opts.type, count, seed: seedOf(opts.seed) }).join("\n");
      if (opts.lf) text = text.replace(/\r\n?/g, "\n");
      if (opts.out) writeFileSync(resolve(io.cwd, opts.out), text);
      else io.out(text.endsWith("\n") ? text : `${text}\n`);
      setExit(EXIT.OK);
    });
}
