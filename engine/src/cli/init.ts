/** `messagefoundry init DIR`: scaffold a config repo that passes `check` out of the box. */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { type CliIo, EXIT, UserError } from "./io.js";
import { PRE_COMMIT_HOOK, scaffoldFiles } from "./scaffold.js";

function engineVersion(): string {
  const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "../../package.json");
  try {
    return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
  } catch {
    return "0.1.0";
  }
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("init")
    .description(
      "Scaffold a config repo: a sample route, environments, connections.toml, tests/, package.json, tsconfig.",
    )
    .argument("<dir>", "directory to create (must be empty or absent)")
    .option(
      "--git-hook",
      "install a pre-commit hook that runs `messagefoundry check` (needs DIR/.git, else writes .githooks/)",
    )
    .option("--force", "write into a non-empty directory (existing files are kept)")
    .action((dir: string, opts: { gitHook?: boolean; force?: boolean }) => {
      const root = resolve(io.cwd, dir);
      if (existsSync(root) && readdirSync(root).length > 0 && !opts.force) {
        throw new UserError(`${dir} is not empty (use --force to add missing files only)`);
      }
      const written: string[] = [];
      for (const [rel, text] of Object.entries(scaffoldFiles(engineVersion()))) {
        const p = join(root, rel);
        if (existsSync(p)) continue;
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, text);
        written.push(rel);
      }
      if (opts.gitHook) {
        const hooks = existsSync(join(root, ".git")) ? join(root, ".git", "hooks") : join(root, ".githooks");
        mkdirSync(hooks, { recursive: true });
        writeFileSync(join(hooks, "pre-commit"), PRE_COMMIT_HOOK);
        chmodSync(join(hooks, "pre-commit"), 0o755);
        written.push(
          hooks.endsWith(".githooks")
            ? ".githooks/pre-commit (run: git config core.hooksPath .githooks)"
            : ".git/hooks/pre-commit",
        );
      }
      io.out(
        `created ${dir}:\n${written.map((w) => `  ${w}`).join("\n")}\nnext: cd ${dir} && npm install && npx messagefoundry check\n`,
      );
      setExit(EXIT.OK);
    });
}
