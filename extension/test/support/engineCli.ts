/**
 * The real `messagefoundry` CLI, run from the engine's source (tsx) as a child process — the same way
 * the extension runs it — against a temporary copy of samples/ (config + messages).
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CliResult, runCli } from "../../src/cli/index.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(repo, "engine/src/cli/main.ts");
/** By URL: the child runs in a temp dir, where a bare `tsx` would not resolve. */
const tsx = import.meta.resolve("tsx");

export interface SampleCopy {
  root: string;
  configDir: string;
  run(args: string[]): Promise<CliResult>;
  remove(): void;
}

export function copySamples(): SampleCopy {
  const root = mkdtempSync(join(tmpdir(), "mf-ext-"));
  cpSync(join(repo, "samples/config"), join(root, "config"), { recursive: true });
  cpSync(join(repo, "samples/messages"), join(root, "messages"), { recursive: true });
  const configDir = join(root, "config");
  return {
    root,
    configDir,
    run: (args) =>
      runCli({ cli, args, cwd: configDir, nodeArgs: ["--conditions=source", `--import=${tsx}`] }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
