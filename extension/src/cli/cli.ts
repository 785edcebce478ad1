/**
 * Finding and running the `messagefoundry` CLI. The extension never loads config code itself: dry-runs,
 * validation and fixture checks run in a child process so the engine's loader stays the runtime truth
 * and a misbehaving config cannot hang the extension host. Pure Node (no vscode).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Problem } from "messagefoundry/graph";

/**
 * Where the CLI is, in order: an explicit setting, the config's own install of `messagefoundry`
 * (walking up from the config dir to the workspace root), then the engine of the repository the
 * extension was built from (engine/dist/cli/main.js next to dist/).
 */
export function resolveCli(opts: {
  configured?: string | undefined;
  configDir: string;
  extensionRoot: string;
}): string | undefined {
  if (opts.configured && existsSync(opts.configured)) return opts.configured;
  let dir = opts.configDir;
  for (;;) {
    const found = binOf(join(dir, "node_modules", "messagefoundry"));
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const bundled = join(opts.extensionRoot, "engine", "dist", "cli", "main.js");
  return existsSync(bundled) ? bundled : undefined;
}

function binOf(pkgDir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
      bin?: string | Record<string, string>;
    };
    const rel = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.messagefoundry;
    if (!rel) return undefined;
    const file = join(pkgDir, rel);
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cli: string;
  args: string[];
  cwd: string;
  /**
   * The Node binary. In the extension host `process.execPath` is Electron, which runs as plain Node
   * with ELECTRON_RUN_AS_NODE=1.
   */
  node?: string;
  /** Flags for Node itself, before the CLI path (tests run the engine from source via tsx). */
  nodeArgs?: string[];
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each complete line of stdout as it arrives (long runs that report progress, e.g. `load`). */
  onLine?: (line: string) => void;
  /** Extra environment for the child (e.g. MEFOR_API_TOKEN); never logged. */
  env?: Record<string, string>;
}

export function runCli(opts: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), opts.cli, ...opts.args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, ELECTRON_RUN_AS_NODE: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 120_000,
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = "";
    child.stdout.on("data", (c: Buffer) => {
      out.push(c);
      if (!opts.onLine) return;
      const lines = (partial + c.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) opts.onLine(line);
    });
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (opts.onLine && partial) opts.onLine(partial);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
  });
}

/** The JSON a `--json` command printed, or an error that quotes its stderr (never a bare SyntaxError). */
export function parseJsonOutput<T>(result: CliResult, command: string): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    const detail = (result.stderr || result.stdout).trim().split("\n").slice(0, 5).join("\n");
    throw new Error(`messagefoundry ${command} exited with ${result.code} and no JSON output:\n${detail}`);
  }
}

/** `validate --json` prints problems as a list (or `{ problems }`); both shapes are accepted. */
export function problemsFrom(json: unknown): Problem[] {
  if (Array.isArray(json)) return json as Problem[];
  if (json && typeof json === "object" && Array.isArray((json as { problems?: unknown }).problems)) {
    return (json as { problems: Problem[] }).problems;
  }
  throw new Error("messagefoundry validate --json printed neither a list nor { problems }.");
}
