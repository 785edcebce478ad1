/**
 * `messagefoundry sink --port P`: an MLLP test destination with faults (harness/sink.ts). Runs until
 * SIGINT/SIGTERM (or --stop-after N messages / --duration S), then prints a summary (text on a terminal,
 * JSON otherwise) and writes its record (--record FILE: summary + one entry per message, no bodies).
 * --capture FILE appends each message with its record as NDJSON: synthetic data only.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { type Sink, type SinkSummary, startSink } from "../harness/index.js";
import { type FaultFlags, faultsOf, numberFlag, ruleFlag } from "./harness-options.js";
import { type CliIo, EXIT, UserError } from "./io.js";

interface SinkFlags extends FaultFlags {
  port: string;
  host: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  seed: string;
  capture?: string;
  record?: string;
  stopAfter?: string;
  duration?: string;
}

/** Adds the fault flags (shared with `scenario`'s docs and the tests). */
export function faultOptions(cmd: Command): Command {
  return cmd
    .option("--ae-rate <share>", "answer this share AE (0..1 or N%)")
    .option("--ar-rate <share>", "answer this share AR")
    .option("--drop-rate <share>", "close the connection instead of answering this share")
    .option("--silent-rate <share>", "never answer this share (the sender times out)")
    .option("--delay <dist>", "ACK delay in ms: 50, uniform:10-200, normal:100,20, lognormal:100,0.5")
    .option("--rule <id=action[:times]>", "a fixed answer for one control id (repeatable)", (v, prev) =>
      ruleFlag(v, prev as Record<string, never> | undefined),
    );
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  faultOptions(
    program
      .command("sink")
      .description(
        "An MLLP test destination: ACKs AA, or AE/AR at given rates, delays, drops, never answers; records what it got (synthetic data only)",
      )
      .requiredOption("-p, --port <port>", "port to listen on (0: a free one, printed)")
      .option("--host <host>", "address to listen on", "127.0.0.1")
      .option("--tls", "listen with TLS (needs --cert and --key)")
      .option("--cert <file>", "PEM certificate chain for --tls")
      .option("--key <file>", "PEM private key for --tls"),
  )
    .option("--seed <n>", "seed of the fault and delay draws", "1")
    .option("--capture <file>", "append each message and its record to this NDJSON file")
    .option("--record <file>", "on stop, write the summary and every message's record (no bodies) as JSON")
    .option("--stop-after <n>", "stop after this many messages")
    .option("--duration <seconds>", "stop after this many seconds")
    .action(async (opts: SinkFlags) => {
      setExit(await runSink(io, opts));
    });
}

async function runSink(io: CliIo, opts: SinkFlags): Promise<number> {
  const port = numberFlag(opts.port, "--port", 0, 65535, true);
  if (opts.tls && !(opts.cert && opts.key)) throw new UserError("--tls needs --cert and --key");
  if (!opts.tls && (opts.cert || opts.key)) throw new UserError("--cert and --key go with --tls");
  const stopAfter =
    opts.stopAfter !== undefined ? numberFlag(opts.stopAfter, "--stop-after", 1, 1e12, true) : undefined;
  const duration =
    opts.duration !== undefined ? numberFlag(opts.duration, "--duration", 0.001, 1e7) : undefined;
  const faults = faultsOf(opts);
  let stop: () => void = () => {};
  const stopped = new Promise<void>((r) => {
    stop = r;
  });
  let sink: Sink;
  try {
    sink = await startSink({
      ...faults,
      port,
      host: opts.host,
      seed: numberFlag(opts.seed, "--seed", 0, 2 ** 32 - 1, true),
      ...(opts.tls
        ? { tls: { cert: resolve(io.cwd, opts.cert ?? ""), key: resolve(io.cwd, opts.key ?? "") } }
        : {}),
      ...(opts.capture ? { capture: resolve(io.cwd, opts.capture) } : {}),
      keepRecords: opts.record !== undefined,
      ...(stopAfter !== undefined ? { onRecord: (r) => r.seq >= stopAfter && stop() } : {}),
    });
  } catch (error) {
    throw new UserError(`cannot start the sink: ${(error as Error).message}`, EXIT.FAILED);
  }
  io.err(`sink listening on ${opts.tls ? "tls://" : ""}${sink.host}:${sink.port}\n`);
  const onSignal = (): void => stop();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const timer = duration !== undefined ? setTimeout(stop, duration * 1000) : undefined;
  let progress: NodeJS.Timeout | undefined;
  if (io.isTTY) progress = setInterval(() => io.err(`\r${progressLine(sink.summary())}`), 500);
  try {
    await stopped;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (timer) clearTimeout(timer);
    if (progress) {
      clearInterval(progress);
      io.err("\n");
    }
  }
  const summary = await sink.close();
  if (opts.record) {
    writeFileSync(
      resolve(io.cwd, opts.record),
      `${JSON.stringify({ summary, records: sink.records }, null, 2)}\n`,
    );
  }
  io.out(
    io.isTTY
      ? `${progressLine(summary)}\n`
      : `${JSON.stringify({ event: "sink", port: sink.port, ...summary })}\n`,
  );
  return EXIT.OK;
}

function progressLine(s: SinkSummary): string {
  const a = s.actions;
  return `sink: ${s.received} received (${s.distinct} distinct, ${s.duplicates} again) · AA ${a.AA} · AE ${a.AE} · AR ${a.AR} · dropped ${a.drop} · silent ${a.silent} · ${s.connections} connection(s)`;
}
