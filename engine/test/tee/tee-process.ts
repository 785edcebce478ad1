/**
 * `messagefoundry tee run` and `messagefoundry sink` (the harness's MLLP test destination) as real
 * child processes, from source via tsx.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const NODE_ARGS = ["--conditions=source", "--import", "tsx", MAIN];

export interface TeeProcess {
  port: number;
  child: ChildProcess;
  /** Every JSON line printed so far. */
  events: Record<string, unknown>[];
  /** SIGTERM, then the `tee.stopped` event. */
  stop(): Promise<Record<string, unknown>>;
}

export async function startTee(args: string[], env: Record<string, string>): Promise<TeeProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, "tee", "run", "--stats-every", "100000", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: Record<string, unknown>[] = [];
  let buffered = "";
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (c: Buffer) => {
      buffered += c.toString();
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf("\n");
        const ev = JSON.parse(line) as Record<string, unknown>;
        events.push(ev);
        if (ev.event === "tee.ready") resolve(ev.port as number);
      }
    });
    child.once("exit", (code) => reject(new Error(`tee exited ${code}: ${err}`)));
  });
  const port = await ready;
  return {
    port,
    child,
    events,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        await exited;
      }
      const stopped = events.find((e) => e.event === "tee.stopped");
      if (!stopped) throw new Error(`no tee.stopped event; stderr: ${err}`);
      return stopped;
    },
  };
}

export interface SinkProcess {
  port: number;
  child: ChildProcess;
  capture: string;
  /** MSH-10 of every message in the capture so far (arrival order). */
  ids(): string[];
  /** The capture's message texts. */
  messages(): string[];
  /** SIGKILL: the destination dies without a word. */
  kill(): Promise<void>;
}

/** `messagefoundry sink` as a child process (the harness's MLLP test destination), capturing to NDJSON. */
export async function startSink(capture: string, extra: string[] = [], port = 0): Promise<SinkProcess> {
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, "sink", "--port", String(port), "--capture", capture, ...extra],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let err = "";
  const bound = await new Promise<number>((resolve, reject) => {
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`sink exited ${code}: ${err}`)));
  });
  const records = () =>
    (existsSync(capture) ? readFileSync(capture, "utf8") : "")
      .split("\n")
      .slice(0, -1) // a line still being written has no newline yet
      .map((l) => JSON.parse(l) as { controlId: string; message: string });
  return {
    port: bound,
    child,
    capture,
    ids: () => records().map((r) => r.controlId),
    messages: () => records().map((r) => r.message),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
