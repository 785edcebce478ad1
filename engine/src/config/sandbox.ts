/**
 * Runs a config bundle's top-level code in a separate `node` process that holds nothing worth taking:
 * an empty environment (no store key, no MEFOR_*), Node's permission model (reads only its own
 * program file and the config dir; no writes, no child processes, no workers, no native addons), a
 * heap limit, a wall-clock limit that kills it, and — on Linux where the engine may create them —
 * network and PID namespaces of its own (no network; the engine's processes invisible) and an
 * address-space limit (prlimit). Only stdin, stdout, stderr and the answer pipe
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
const HEAP_DEATH = /heap out of memory|Reached heap limit|allocation failed/i;

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

/** How much of the OS the platform lets the engine take away from the child (probed once per process). */
export interface Confinement {
  /** Command prefix that runs the child in network and PID namespaces of its own (Linux, `unshare`). */
  namespaces: string[] | undefined;
  /** Path of util-linux `prlimit`, to cap the child's address space (Buffers live outside the JS heap). */
  prlimit: string | undefined;
}

let confinement: Promise<Confinement> | undefined;

/**
 * What this platform allows: on Linux, `unshare` gives the child no network and no view of (or
 * signals to) the engine's processes, /proc included — as root directly, otherwise inside an
 * unprivileged user namespace; `prlimit` caps its memory. Where either is missing the engine logs a warning once.
 */
export function confinementHere(log?: SandboxLog): Promise<Confinement> {
  confinement ??= probe().then((c) => {
    if (!c.namespaces) {
      log?.warn(
        { event: "sandbox-namespaces" },
        "staged config code runs WITHOUT a network namespace (unshare --net is not available here): it can open network connections and signal the engine's processes",
      );
    }
    if (!c.prlimit) {
      log?.warn(
        { event: "sandbox-memory" },
        "staged config code runs without an address-space limit (prlimit is not available here): only its JS heap is limited",
      );
    }
    return c;
  });
  return confinement;
}

async function probe(): Promise<Confinement> {
  if (process.platform !== "linux") return { namespaces: undefined, prlimit: undefined };
  let namespaces: string[] | undefined;
  for (const unshare of ["/usr/bin/unshare", "/bin/unshare"]) {
    for (const prefix of [
      [unshare, "--net", "--pid", "--mount-proc", "--kill-child", "--"],
      [unshare, "--user", "--map-root-user", "--net", "--pid", "--mount-proc", "--kill-child", "--"],
    ]) {
      if (!namespaces && (await runsOk(prefix))) namespaces = prefix;
    }
  }
  let prlimit: string | undefined;
  for (const path of ["/usr/bin/prlimit", "/bin/prlimit"]) {
    if (!prlimit && (await runsOk([path, `--as=${2 ** 31}`, "--"]))) prlimit = path;
  }
  return { namespaces, prlimit };
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

/** Address space for the child: its heap plus room for V8, code, and Buffers outside the heap. */
function addressSpaceBytes(heapMb: number): number {
  return (heapMb + 1024) * 1024 * 1024;
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
  let here: Confinement;
  try {
    [program, here] = await Promise.all([sandboxRuntime(), confinementHere(log)]);
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
  const [cmd, ...args] = [
    ...(here.prlimit ? [here.prlimit, `--as=${addressSpaceBytes(limits.heapMb)}`, "--"] : []),
    ...(here.namespaces ?? []),
    process.execPath,
    ...nodeArgs,
  ];
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
