/** Finding and running the `messagefoundry` CLI as a child process (free of vscode). */
export { type CliResult, parseJsonOutput, problemsFrom, type RunOptions, resolveCli, runCli } from "./cli.js";
