/**
 * The `messagefoundry` program: one file per subcommand, registered from the list below. To add a
 * subcommand (serve, user, audit, key...): write cli/<name>.ts exporting `register(program, io, setExit)`
 * and add it to COMMANDS.
 */
import { Command, CommanderError } from "commander";
import * as audit from "./audit.js";
import * as backup from "./backup.js";
import * as check from "./check.js";
import * as connection from "./connection.js";
import * as dryrun from "./dryrun.js";
import * as generate from "./generate.js";
import * as graph from "./graph.js";
import * as init from "./init.js";
import { type CliIo, EXIT, processIo, UserError } from "./io.js";
import * as key from "./key.js";
import * as load from "./load.js";
import * as restoreVerify from "./restore-verify.js";
import * as scenario from "./scenario.js";
import * as send from "./send.js";
import * as serve from "./serve.js";
import * as sink from "./sink.js";
import * as store from "./store.js";
import * as supportBundle from "./support-bundle.js";
import * as tee from "./tee.js";
import * as user from "./user.js";
import * as validate from "./validate.js";

export interface CommandModule {
  register(program: Command, io: CliIo, setExit: (code: number) => void): void;
}

export const COMMANDS: CommandModule[] = [
  init,
  validate,
  graph,
  dryrun,
  check,
  generate,
  connection,
  serve,
  send,
  sink,
  scenario,
  load,
  user,
  audit,
  key,
  store,
  backup,
  restoreVerify,
  supportBundle,
  tee,
];

export function buildProgram(io: CliIo, setExit: (code: number) => void, commands = COMMANDS): Command {
  const program = new Command("messagefoundry")
    .description("MessageFoundry: healthcare integration engine (HL7 v2, JSON, X12, XML).")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const c of commands) c.register(program, io, setExit);
  // Subcommands inherit exit/output handling so usage errors come back as codes, not process.exit.
  const inherit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/** Run the CLI with `argv` (as process.argv: node, script, args...). Returns the exit code. */
export async function run(argv: string[], io: CliIo = processIo, commands = COMMANDS): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram(
    io,
    (c) => {
      code = c;
    },
    commands,
  );
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version are "errors" to commander but success to the user.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (e instanceof UserError) {
      io.err(`messagefoundry: ${e.message}\n`);
      return e.exitCode;
    }
    io.err(`messagefoundry: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.INTERNAL;
  }
}
