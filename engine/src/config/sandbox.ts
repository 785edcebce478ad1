/**
 * Runs a config bundle's top-level code in a separate `node` process that holds nothing worth taking:
 * an empty environment (no store key, no MEFOR_*), Node's permission model (reads only its own
 * program file and the config dir; no writes, no child processes, no workers, no native addons), a
 * heap limit, a wall-clock limit that kills it, and — on Linux where the engine may create one — a
 * network namespace of its own (no network at all). Only stdin, stdout, stderr and the answer pipe
 * are open in it. Its program is sandbox-child.ts, bundled once per engine process by esbuild into a
 * private temp file, so the same code runs from source (tests under tsx) and from engine/dist.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { RESULT_FD, type SandboxJob } from "./sandbox-protocol.js";

export interface SandboxLimits {
  /** Wall-clock limit for the child, start to answer; past it the child is killed. */
  timeoutMs: number;
  /** V8 old-generation heap of the child (MB). */
  heapMb: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = { timeoutMs: 30_000, heapMb: 256 };

/** The largest answer read from the child; a config cannot make the engine hold or parse more. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Where warnings about a weaker sandbox go (the engine's log). */
export interface SandboxLog {
  warn(obj: object, msg: string): void;
}

/** How a sandboxed run ended. `answered` carries the child's (untrusted) answer text. */
export type SandboxOutcome =
  | { kind: "answered"; text: string }
  | { kind: "timeout" }
  | { kind: "heap" }
  | { kind: "too-big" }
  | { kind: "exited"; code: number | null; signal: string | null }
  | { kind: "failed"; message: string };

/** Kept from the child's stderr, only to recognise a blown heap (never logged: config may print PHI). */
const STDERR_TAIL = 4096;
const HEAP_DEATH = /heap out of memory|Reached heap limit|Allocation failed/i;

let runtime: Promise<string> | undefined;

/** The child's program file, built on first use and removed when the engine exits. */
function sandboxRuntime(): Promise<string> {
  runtime ??= buildRuntime().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

async function buildRuntime(): Promise<string> {
  // This module's own extension: .ts from source (tests), .js from engine/dist.
  const here = fileURLToPath(import.meta.url);
  const entry = join(dirname(here), `sandbox-child${extname(here)}`);
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no sandbox program");
  const dir = mkdtempSync(join(tmpdir(), "mf-sandbox-")); // mode 0700
  const file = join(dir, "sandbox-child.cjs");
  writeFileSync(file, code, { mode: 0o600 });
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return file;
}

let netns: Promise<string[] | undefined> | undefined;

/**
 * The command prefix that gives the child a network namespace of its own, or undefined where the
 * engine may not make one (not Linux, no util-linux `unshare`, no privilege and no unprivileged user
 * namespaces). Probed once per process by running `unshare … node -e ""`.
 */
export function netNamespacePrefix(log?: SandboxLog): Promise<string[] | undefined> {
  netns ??= probeNetns().then((prefix) => {
    if (!prefix) {
      log?.warn(
        { event: "sandbox-network" },
        "staged config code runs WITHOUT a network namespace (unshare --net is not available here): it can open network connections",
      );
    }
    return prefix;
  });
  return netns;
}

async function probeNetns(): Promise<string[] | undefined> {
  if (process.platform !== "linux") return undefined;
  for (const unshare of ["/usr/bin/unshare", "/bin/unshare"]) {
    // As root (or with CAP_SYS_ADMIN) a plain net namespace; otherwise inside a user namespace.
    for (const prefix of [
      [unshare, "--net", "--"],
      [unshare, "--user", "--map-root-user", "--net", "--"],
    ]) {
      if (await runsOk(prefix)) return prefix;
    }
  }
  return undefined;
}

function runsOk(prefix: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const [cmd, ...args] = prefix;
    if (cmd === undefined) return resolve(false);
    const child = spawn(cmd, [...args, process.execPath, "-e", ""], { env: {}, stdio: "ignore" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** `--permission` from Node 22 on (`--experimental-permission` before). */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has("--permission")
    ? "--permission"
    : "--experimental-permission";
}

/** Runs one job in a fresh sandboxed child and says how it ended. Never rejects. */
export async function runSandboxed(
  job: SandboxJob,
  limits: SandboxLimits,
  log?: SandboxLog,
): Promise<SandboxOutcome> {
  let program: string;
  let prefix: string[] | undefined;
  try {
    [program, prefix] = await Promise.all([sandboxRuntime(), netNamespacePrefix(log)]);
  } catch (error) {
    return { kind: "failed", message: error instanceof Error ? error.message : String(error) };
  }
  const nodeArgs = [
    permissionFlag(),
    // One flag per path: Node 20.19+ and 22 read repeated flags (a comma list is not portable).
    `--allow-fs-read=${program}`,
    `--allow-fs-read=${job.configDir}`,
    `--max-old-space-size=${limits.heapMb}`,
    "--no-warnings",
    program,
  ];
  const [cmd, ...args] = prefix
    ? [...prefix, process.execPath, ...nodeArgs]
    : [process.execPath, ...nodeArgs];
  return new Promise<SandboxOutcome>((resolve) => {
    const child = spawn(cmd as string, args, {
      env: {},
      cwd: job.configDir,
      stdio: ["pipe", "ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    let outcome: SandboxOutcome | undefined;
    const end = (o: SandboxOutcome): void => {
      outcome ??= o;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => end({ kind: "timeout" }), limits.timeoutMs);
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString("latin1")).slice(-STDERR_TAIL);
    });
    const answer = child.stdio[RESULT_FD];
    answer?.on("data", (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_ANSWER_BYTES) end({ kind: "too-big" });
      else chunks.push(c);
    });
    answer?.on("error", () => undefined);
    child.stdin?.on("error", () => undefined); // a child that dies early closes its stdin: EPIPE
    child.once("error", (error) => {
      clearTimeout(timer);
      outcome ??= { kind: "failed", message: error.message };
      resolve(outcome);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (outcome) return resolve(outcome);
      if (code === 0 && bytes > 0)
        return resolve({ kind: "answered", text: Buffer.concat(chunks).toString("utf8") });
      if (HEAP_DEATH.test(stderr)) return resolve({ kind: "heap" });
      resolve({ kind: "exited", code, signal });
    });
    child.stdin?.end(JSON.stringify(job));
  });
}
