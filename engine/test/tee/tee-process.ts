/** `messagefoundry tee run` as a real child process (from source via tsx), and its JSON event lines. */
import { type ChildProcess, spawn } from "node:child_process";
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
