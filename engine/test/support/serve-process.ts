/**
 * `messagefoundry serve` as a real child process on the tests' PostgreSQL: its engine.toml, a small
 * HTTP client for its API, and its JSON log lines (to wait for an event such as `ready` or a role
 * change). Shared by the PostgreSQL CLI test, the cluster (multi-process) tests and the static facts
 * test (SQLite).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { postgresUrl } from "@messagefoundry/test-services";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const FROM_SOURCE = ["--conditions=source", "--import", "tsx"];
export const NODE_ARGS = [...FROM_SOURCE, MAIN];

/** engine.toml for the tests' PostgreSQL (plus `extra` sections); its password goes to the engine in MEFOR_STORE_PASSWORD. */
export function settingsToml(
  schema: string,
  apiPort: number,
  extra = "",
  apiHost = "127.0.0.1",
): { toml: string; env: Record<string, string> } {
  const url = new URL(postgresUrl());
  const toml = `[store]
backend = "postgres"
host = "${url.hostname}"
port = ${url.port || 5432}
database = "${decodeURIComponent(url.pathname.slice(1)) || "postgres"}"
user = "${decodeURIComponent(url.username) || "postgres"}"
schema = "${schema}"
pool_size = 4

[api]
host = "${apiHost}"
port = ${apiPort}
${extra}`;
  return { toml, env: url.password ? { MEFOR_STORE_PASSWORD: decodeURIComponent(url.password) } : {} };
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One JSON request to an engine's API on `host:port` (the Host header names it, as the API requires). */
export function http(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  opts: { host?: string; token?: string } = {},
): Promise<HttpAnswer> {
  const host = opts.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host,
        port,
        method,
        path,
        headers: {
          host: `${host}:${port}`,
          ...(data ? { "content-type": "application/json" } : {}),
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** `messagefoundry user add NAME --role ROLE --settings FILE` before the engines start. */
export function addUser(
  settings: string,
  name: string,
  role: string,
  password: string,
  env: NodeJS.ProcessEnv,
) {
  return spawnSync(
    process.execPath,
    [...NODE_ARGS, "user", "add", name, "--role", role, "--settings", settings],
    {
      cwd: ROOT,
      input: `${password}\n`,
      encoding: "utf8",
      env,
    },
  );
}

/** A running `serve` and its log. */
export class ServeProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far. */
  readonly lines: Record<string, unknown>[] = [];
  #text = "";
  #waiters = new Set<() => void>();
  /** Called with each log line as it arrives (a health check following role changes). */
  readonly onLine = new Set<(line: Record<string, unknown>) => void>();

  /** `preload`: modules imported into the engine's process before it starts (`--import`), e.g. a probe. */
  constructor(args: string[], env: NodeJS.ProcessEnv, preload: string[] = []) {
    const imports = preload.flatMap((m) => ["--import", m]);
    this.child = spawn(process.execPath, [...FROM_SOURCE, ...imports, MAIN, "serve", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout?.on("data", (c: Buffer) => {
      this.#text += c.toString();
      partial += c.toString();
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const p of parts) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(p) as Record<string, unknown>;
        } catch {
          continue; // not a log line
        }
        this.lines.push(line);
        for (const l of this.onLine) l(line);
      }
      for (const w of this.#waiters) w();
    });
    this.child.stderr?.on("data", (c: Buffer) => {
      this.#text += c.toString();
    });
    this.child.once("exit", () => {
      for (const w of this.#waiters) w();
    });
  }

  get output(): string {
    return this.#text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line (after `from`) matching `match`; rejects when the process exits first. */
  waitFor(match: (line: Record<string, unknown>) => boolean, from = 0): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.lines.slice(from).find(match);
        if (hit) {
          this.#waiters.delete(check);
          resolve(hit);
        } else if (!this.running) {
          this.#waiters.delete(check);
          reject(new Error(`serve exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.#text}`));
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends `signal` and waits for the exit (the exit code, or null when killed by the signal). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.kill(signal);
    return exited;
  }
}
