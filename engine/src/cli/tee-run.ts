/**
 * `messagefoundry tee run`: the relay until SIGINT/SIGTERM. Structured JSON lines on stdout (ready,
 * stats every --stats-every ms, stopped; warnings for legacy failures), never message bodies; a
 * progress line on stderr when a person watches.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { Log } from "../log.js";
import { codecFromEnv, StoreKeyError } from "../store/index.js";
import { type Endpoint, TeeLog, TeeRelay, type TeeStats } from "../tee/index.js";
import { type CliIo, EXIT, UserError } from "./io.js";

interface RunFlags {
  listen: string;
  legacy: string;
  shadow: string;
  db: string;
  ackOnReceipt?: boolean;
  legacyTimeout: string;
  shadowTimeout: string;
  shadowQueue: string;
  statsEvery: string;
  insecureNoEncryption?: boolean;
}

export function registerRun(tee: Command, io: CliIo, setExit: (code: number) => void): void {
  tee
    .command("run")
    .description(
      "Receive MLLP, log each frame, forward it to the legacy and the shadow engine; answer with the legacy's ACK",
    )
    .requiredOption("--listen <port>", "port (or host:port) to receive the upstream's MLLP on")
    .requiredOption("--legacy <host:port>", "the legacy engine's MLLP listener")
    .requiredOption("--shadow <host:port>", "the shadow engine's MLLP listener")
    .requiredOption("--db <file>", "the tee's log (SQLite; bodies sealed with MEFOR_STORE_KEY)")
    .option("--ack-on-receipt", "answer AA once the frame is logged, instead of passing the legacy's ACK")
    .option("--legacy-timeout <ms>", "time for the legacy to connect and to answer each frame", "10000")
    .option("--shadow-timeout <ms>", "time for the shadow to connect and to answer each frame", "10000")
    .option(
      "--shadow-queue <n>",
      "frames waiting for the shadow at most; more are dropped and counted",
      "10000",
    )
    .option("--stats-every <ms>", "how often to print the counters", "10000")
    .option("--insecure-no-encryption", "keep bodies in plain text (no MEFOR_STORE_KEY; development only)")
    .action(async (flags: RunFlags) => {
      setExit(await run(io, flags));
    });
}

async function run(io: CliIo, f: RunFlags): Promise<number> {
  const listen = f.listen.includes(":")
    ? endpoint(f.listen, "--listen")
    : endpoint(`127.0.0.1:${f.listen}`, "--listen");
  const legacy = endpoint(f.legacy, "--legacy");
  const shadow = endpoint(f.shadow, "--shadow");
  const log = openTeeLog(io, f.db, f.insecureNoEncryption === true);
  const logger = jsonLog(io);
  const relay = new TeeRelay({
    listen,
    legacy,
    shadow,
    log,
    ackOnReceipt: f.ackOnReceipt === true,
    legacyTimeoutMs: whole(f.legacyTimeout, "--legacy-timeout", 1),
    shadowTimeoutMs: whole(f.shadowTimeout, "--shadow-timeout", 1),
    shadowQueue: whole(f.shadowQueue, "--shadow-queue", 1),
    logger,
  });
  let port: number;
  try {
    port = await relay.listen();
  } catch (error) {
    log.close();
    throw new UserError(
      `cannot listen on ${listen.host}:${listen.port}: ${(error as Error).message}`,
      EXIT.FAILED,
    );
  }
  logger.info({
    event: "tee.ready",
    port,
    legacy: `${legacy.host}:${legacy.port}`,
    shadow: `${shadow.host}:${shadow.port}`,
    mode: f.ackOnReceipt ? "ack-on-receipt" : "legacy-ack",
  });
  const tty = io.isTTY === true;
  const every = whole(f.statsEvery, "--stats-every", 100);
  const timer = setInterval(
    () => {
      if (tty) io.err(`\r${progressLine(relay.stats())}`);
      else logger.info({ event: "tee.stats", ...relay.stats() });
    },
    tty ? 1000 : every,
  );
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  clearInterval(timer);
  if (tty) io.err("\n");
  await relay.close();
  logger.info({ event: "tee.stopped", ...relay.stats(), log: log.counts() });
  log.close();
  return EXIT.OK;
}

function progressLine(s: TeeStats): string {
  const answered = Object.entries(s.answered)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return (
    `received ${s.received} · answered ${answered || "0"} · legacy down ${s.legacy.unreachable + s.legacy.timeout}` +
    ` · shadow sent ${s.shadow.sent}, queued ${s.shadow.queued}, failed ${s.shadow.failed}, overflow ${s.shadow.overflow}`
  );
}

/** `host:port` (IPv6 in brackets). */
export function endpoint(value: string, flag: string): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserError(`${flag} must be host:port, got "${value}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}

export function whole(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UserError(`${flag} must be a whole number ≥ ${min}`);
  return n;
}

/** The tee log with the store's codec (MEFOR_STORE_KEY), or plain text when asked for explicitly. */
export function openTeeLog(io: CliIo, file: string, insecure: boolean, create = true): TeeLog {
  let codec: ReturnType<typeof codecFromEnv>;
  try {
    codec = codecFromEnv(io.env as NodeJS.ProcessEnv, { insecure });
  } catch (error) {
    if (error instanceof StoreKeyError) throw new UserError(error.message);
    throw error;
  }
  try {
    return new TeeLog(resolve(io.cwd, file), codec, { create });
  } catch (error) {
    throw new UserError(`cannot open the tee log ${file}: ${(error as Error).message}`);
  }
}

/** JSON lines on stdout; the tee never passes message bodies to it. */
function jsonLog(io: CliIo): Log {
  const line = (level: string) => (obj: Record<string, unknown>, msg?: string) =>
    io.out(`${JSON.stringify({ level, time: new Date().toISOString(), ...obj, ...(msg ? { msg } : {}) })}\n`);
  return { debug: () => {}, info: line("info"), warn: line("warn"), error: line("error") };
}
