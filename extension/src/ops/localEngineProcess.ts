/**
 * The local engine as a child process: `messagefoundry serve --local-dev` on the workspace's config,
 * with an embedded SQLite dev database and the one-run sign-in token under the workspace's
 * `.messagefoundry/`. Plain Node (no vscode): it starts the CLI, turns its JSON log lines into readable
 * ones, reports its state, and reads the token file once the engine says it is ready.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ENGINE_NODE_FLAGS } from "messagefoundry/api";

export type LocalEngineState = "stopped" | "starting" | "running" | "stopping" | "failed";

/** What `serve --local-dev` writes (engine/src/cli/local-dev.ts, LocalEngineFile). */
export interface LocalEngineFile {
  url: string;
  user: string;
  token: string;
  password: string;
  pid: number;
}

export interface LocalEnginePaths {
  /** `<workspace>/.messagefoundry` */
  dir: string;
  db: string;
  tokenFile: string;
}

export function localEnginePaths(workspaceRoot: string): LocalEnginePaths {
  const dir = join(workspaceRoot, ".messagefoundry");
  return { dir, db: join(dir, "dev.db"), tokenFile: join(dir, "local-engine.json") };
}

/** The CLI arguments for the local engine (port 0: the engine picks a free one and writes its URL). */
export function localEngineArgs(opts: {
  configDir: string;
  paths: LocalEnginePaths;
  env?: string | undefined;
  port?: number | undefined;
}): string[] {
  return [
    "serve",
    "--config",
    opts.configDir,
    ...(opts.env ? ["--env", opts.env] : []),
    "--db",
    opts.paths.db,
    "--api-port",
    String(opts.port ?? 0),
    "--local-dev",
    "--local-token-file",
    opts.paths.tokenFile,
  ];
}

/** The token file's content, or an error saying what is wrong with it. */
export function parseLocalEngineFile(text: string): LocalEngineFile {
  const v = JSON.parse(text) as Partial<LocalEngineFile>;
  for (const key of ["url", "user", "token", "password"] as const) {
    if (typeof v[key] !== "string" || v[key] === "")
      throw new Error(`the local engine's token file has no ${key}`);
  }
  return v as LocalEngineFile;
}

/**
 * One pino JSON line as a readable log line (`12:00:01 INFO engine ready {connections…}`); other text
 * (stderr, a crash) passes through. The engine never logs message bodies at info or above.
 */
export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const {
      time,
      level,
      msg,
      pid: _pid,
      hostname: _host,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const levels: Record<number, string> = {
      10: "TRACE",
      20: "DEBUG",
      30: "INFO",
      40: "WARN",
      50: "ERROR",
      60: "FATAL",
    };
    const when = typeof time === "string" ? time.slice(11, 19) : "";
    const lvl = typeof level === "number" ? (levels[level] ?? String(level)) : String(level ?? "");
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
    return `${when} ${lvl} ${String(msg ?? "")}${extra}`.trim();
  } catch {
    return line;
  }
}

export interface LocalEngineOptions {
  /** The CLI's entry (resolveCli) and the Node to run it with. */
  cli: string;
  node?: string;
  /** Node.js flags before the CLI (default ENGINE_NODE_FLAGS, as the engine is started everywhere). */
  nodeArgs?: readonly string[];
  workspaceRoot: string;
  configDir: string;
  env?: string;
  port?: number;
  onLog: (line: string) => void;
  onState: (state: LocalEngineState, detail?: string) => void;
}

export class LocalEngineProcess {
  private child: ChildProcess | undefined;
  private current: LocalEngineState = "stopped";
  private file: LocalEngineFile | undefined;
  readonly paths: LocalEnginePaths;

  constructor(private readonly opts: LocalEngineOptions) {
    this.paths = localEnginePaths(opts.workspaceRoot);
  }

  get state(): LocalEngineState {
    return this.current;
  }

  /** URL, user and token of the running engine (undefined unless running). */
  get session(): LocalEngineFile | undefined {
    return this.current === "running" ? this.file : undefined;
  }

  private set(state: LocalEngineState, detail?: string): void {
    this.current = state;
    this.opts.onState(state, detail);
  }

  /** Starts the engine; resolves when it is ready (token read) or rejects with why it did not start. */
  start(): Promise<LocalEngineFile> {
    if (this.child) return Promise.reject(new Error("the local engine is already running"));
    // A stale file from a crashed run must not be taken for this run's token.
    rmSync(this.paths.tokenFile, { force: true });
    this.set("starting");
    const child = spawn(
      this.opts.node ?? process.execPath,
      [
        ...(this.opts.nodeArgs ?? ENGINE_NODE_FLAGS),
        this.opts.cli,
        ...localEngineArgs({
          configDir: this.opts.configDir,
          paths: this.paths,
          env: this.opts.env,
          port: this.opts.port,
        }),
      ],
      {
        cwd: this.opts.workspaceRoot,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: "1", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.child = child;
    return new Promise((resolve, reject) => {
      let ready = false;
      const lines = (onLine: (line: string) => void) => {
        let rest = "";
        return (chunk: Buffer) => {
          const parts = (rest + chunk.toString("utf8")).split("\n");
          rest = parts.pop() ?? "";
          for (const p of parts) if (p.trim() !== "") onLine(p);
        };
      };
      const tail: string[] = [];
      child.stdout?.on(
        "data",
        lines((line) => {
          this.opts.onLog(formatLogLine(line));
          if (!ready && line.includes('"event":"ready"')) {
            try {
              this.file = parseLocalEngineFile(readFileSync(this.paths.tokenFile, "utf8"));
              ready = true;
              this.set("running");
              resolve(this.file);
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          }
        }),
      );
      child.stderr?.on(
        "data",
        lines((line) => {
          this.opts.onLog(line);
          tail.push(line);
          if (tail.length > 5) tail.shift();
        }),
      );
      child.on("error", (error) => {
        this.child = undefined;
        this.set("failed", error.message);
        reject(error);
      });
      child.on("exit", (code, signal) => {
        this.child = undefined;
        this.file = undefined;
        const why = tail.join("\n") || `exited with ${code ?? signal}`;
        if (!ready) {
          this.set("failed", why);
          reject(new Error(`the local engine did not start: ${why}`));
        } else if (this.current === "stopping") this.set("stopped");
        else this.set("failed", why);
      });
    });
  }

  /** Graceful stop (SIGTERM: intake closes, in-flight work drains); forced after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.set("stopping");
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
