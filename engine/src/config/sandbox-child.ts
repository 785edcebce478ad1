/**
 * The sandbox child's program (bundled into one file by sandbox.ts and run by a separate `node` under
 * the permission model, with an empty environment). It reads one job from stdin — the config dir and
 * its esbuild bundle — runs the bundle's top-level code, and writes what it declared to fd 3 as JSON:
 * data only, never functions. Nothing it writes is trusted by the engine (config code shares this
 * process and can forge the answer); sandbox-reply.ts checks it (sandbox-answer.ts).
 */
import { readFileSync, writeSync } from "node:fs";
import { Collector, declarationsOf } from "./collector.js";
import { executeBundle, makeLocator, type Thrown } from "./execute.js";
import { RESULT_FD, type SandboxAnswer, type SandboxJob } from "./sandbox-protocol.js";

// Taken before config code runs, so a config that replaces them only breaks its own answer.
const stringify = JSON.stringify;
const exit = process.exit.bind(process);
const write = writeSync;

function answer(text: string): void {
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  while (off < buf.length) {
    try {
      off += write(RESULT_FD, buf, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    }
  }
}

function main(): void {
  const job = JSON.parse(readFileSync(0, "utf8")) as SandboxJob;
  const collector = new Collector(job.configDir, makeLocator(job.bundle));
  const thrown: Thrown | undefined = executeBundle(job.configDir, job.bundle, collector);
  let text: string;
  try {
    const ok: SandboxAnswer = { declarations: declarationsOf(collector), ...(thrown && { thrown }) };
    text = stringify(ok);
  } catch (e) {
    const notPlain: SandboxAnswer = { notPlain: e instanceof Error ? e.message : String(e) };
    text = stringify(notPlain);
  }
  answer(text);
  // Timers or sockets config code left behind must not keep the child (or the stage) waiting.
  exit(0);
}

main();
