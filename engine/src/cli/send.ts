/**
 * `messagefoundry send --port P [FILE|FOLDER...] [--generate TYPE --count N]`: sends HL7 messages over
 * MLLP through the harness sender (harness/sender.ts): files (a file may hold several messages or a
 * batch), folders, or synthetic messages; over N connections; as fast as the ACKs come (closed loop) or at
 * --rate msg/s (open loop, latency from the scheduled time); a share broken on purpose (--malformed-rate).
 * Prints each message's ACK for small runs (or with --each), then a summary of ACK codes and latencies
 * (p50/p95/p99): text on a terminal with a progress line, JSON otherwise. Exit 1 when a well-formed
 * message was not accepted or a malformed one was.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { isMessageType, MESSAGE_TYPES, seedOf } from "../generate/index.js";
import {
  fileMessages,
  generatedMessages,
  type OutgoingMessage,
  runSender,
  type SenderSummary,
  type SendOutcome,
  withMalformed,
} from "../harness/index.js";
import { numberFlag, shareFlag } from "./harness-options.js";
import { type CliIo, EXIT, UserError } from "./io.js";

interface SendOptions {
  host: string;
  port: string;
  timeout: string;
  tls?: boolean;
  ca?: string;
  generate?: string;
  count: string;
  seed: string;
  connections: string;
  rate?: string;
  malformedRate?: string;
  each?: boolean;
  json?: boolean;
}

/** Runs up to this many messages list each ACK without --each. */
const LIST_UP_TO = 20;

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("send")
    .description(
      "Send HL7 messages over MLLP (files, folders or generated; N connections, a rate) and summarize the ACKs",
    )
    .argument("[paths...]", "files or folders of HL7 messages (segments separated by CR or newlines)")
    .requiredOption("-p, --port <port>", "MLLP port of the receiver")
    .option("--host <host>", "receiver host", "127.0.0.1")
    .option("--tls", "connect over TLS")
    .option("--ca <file>", "PEM CA bundle to trust for --tls")
    .option("--generate <type>", `send synthetic messages of this type (${MESSAGE_TYPES.join(", ")})`)
    .option("-n, --count <n>", "how many generated messages", "1")
    .option("-s, --seed <seed>", "seed of the generated and malformed messages", "1")
    .option("-c, --connections <n>", "parallel connections, one message in flight each", "1")
    .option("-r, --rate <msgs>", "messages per second (open loop); default: as fast as ACKs come back")
    .option("--malformed-rate <share>", "break this share of the messages on purpose (0..1 or N%)")
    .option("--timeout <ms>", "how long to wait for each ACK", "10000")
    .option("--each", "print every message's ACK (default only for runs of up to 20)")
    .option("--json", "print only the JSON summary")
    .action(async (paths: string[], opts: SendOptions) => {
      setExit(await send(io, paths, opts));
    });
}

function source(
  io: CliIo,
  paths: string[],
  opts: SendOptions,
): { messages: Iterable<OutgoingMessage>; total: number } {
  const seed = seedOf(opts.seed);
  if (opts.generate !== undefined) {
    if (paths.length > 0) throw new UserError("give files or --generate, not both");
    if (!isMessageType(opts.generate))
      throw new UserError(`unknown --generate type "${opts.generate}" (one of: ${MESSAGE_TYPES.join(", ")})`);
    const count = numberFlag(opts.count, "--count", 1, 100_000_000, true);
    return { messages: generatedMessages(opts.generate, count, seed), total: count };
  }
  if (paths.length === 0) throw new UserError("give files or folders to send, or --generate TYPE --count N");
  let list: OutgoingMessage[];
  try {
    list = [...fileMessages(paths.map((p) => resolve(io.cwd, p)))];
  } catch (error) {
    throw new UserError(`cannot read the messages: ${(error as Error).message}`);
  }
  if (list.length === 0)
    throw new UserError("no message files found (folders are read for *.hl7, *.txt, *.er7, *.msg)");
  return { messages: list, total: list.length };
}

/** A well-formed message must be accepted; a malformed one must be refused (any answer but AA/CA). */
function asExpected(o: SendOutcome): boolean {
  const accepted = o.code === "AA" || o.code === "CA";
  return o.malformed
    ? !accepted && o.code !== "timeout" && o.code !== "closed" && o.code !== "refused"
    : accepted;
}

async function send(io: CliIo, paths: string[], opts: SendOptions): Promise<number> {
  const port = numberFlag(opts.port, "--port", 1, 65535, true);
  const timeoutMs = numberFlag(opts.timeout, "--timeout", 1, 3_600_000);
  const connections = numberFlag(opts.connections, "--connections", 1, 10_000, true);
  const rate = opts.rate !== undefined ? numberFlag(opts.rate, "--rate", 0.001, 1_000_000) : undefined;
  const malformedRate =
    opts.malformedRate !== undefined ? shareFlag(opts.malformedRate, "--malformed-rate") : 0;
  const { messages, total } = source(io, paths, opts);
  const list = !opts.json && (opts.each === true || total <= LIST_UP_TO);
  const tty = io.isTTY === true && !opts.json;
  let done = 0;
  let unexpected = 0;
  let lastDraw = 0;
  const { summary } = await runSender(withMalformed(messages, malformedRate, seedOf(opts.seed)), {
    host: opts.host,
    port,
    ...(opts.tls ? { tls: opts.ca ? { ca: resolve(io.cwd, opts.ca) } : {} } : {}),
    connections,
    ...(rate !== undefined ? { rate } : {}),
    timeoutMs,
    keepOutcomes: false,
    onOutcome: (o) => {
      done++;
      if (!asExpected(o)) unexpected++;
      if (list) io.out(`${o.label}\t${o.controlId}\t${o.code}${o.text ? `\t${o.text}` : ""}\n`);
      if (tty && !list && (performance.now() - lastDraw > 200 || done === total)) {
        lastDraw = performance.now();
        io.err(`\rsend: ${done}/${total} · ${unexpected} unexpected`);
      }
    },
  });
  if (tty && !list) io.err("\n");
  if (opts.json || !io.isTTY) io.out(`${JSON.stringify({ event: "send", unexpected, ...summary })}\n`);
  else io.out(summaryText(summary, unexpected));
  if (summary.sent > 0 && summary.codes.refused === summary.sent)
    throw new UserError(`cannot connect to ${opts.host}:${port}`, EXIT.FAILED);
  return unexpected === 0 ? EXIT.OK : EXIT.FAILED;
}

function summaryText(s: SenderSummary, unexpected: number): string {
  const codes = Object.entries(s.codes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, n]) => `${c} ${n}`)
    .join(" · ");
  const l = s.latency;
  const mode = s.mode === "open" ? `open loop at ${s.rate} msg/s` : "closed loop";
  return (
    `${s.accepted}/${s.sent} accepted (${codes})${s.malformed ? `, ${s.malformed} malformed on purpose` : ""}${unexpected ? `, ${unexpected} unexpected` : ""}\n` +
    `latency ms: p50 ${l.p50} · p95 ${l.p95} · p99 ${l.p99} · max ${l.max}\n` +
    `${s.throughput} msg/s over ${s.connections} connection(s), ${mode}, ${s.durationMs} ms\n`
  );
}
