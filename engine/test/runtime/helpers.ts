import net from "node:net";
import { type AckCode, buildAck, encodeMllp, MllpDecoder, parse } from "../../src/hl7/index.js";
import type { PipelineLog } from "../../src/pipeline/index.js";
import { Engine, type EngineOptions } from "../../src/runtime/index.js";
import { plainCodec } from "../../src/store/index.js";

import { freePort, tempDir, until, writeFiles } from "../support/fixtures.js";

export { freePort, tempDir, until, writeFiles };

export function adt(controlId: string, trigger = "A01", lane = "LANE1"): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^${trigger}^ADT_A01|${controlId}|P|2.5.1`,
    `EVN|${trigger}|20260101120000`,
    `PID|1||${controlId}^^^MRN||TEST^PATIENT^${lane}||19700101|U`,
  ].join("\r");
}

export async function openEngine(
  configDir: string,
  dbPath: string,
  extra: Partial<EngineOptions> = {},
): Promise<Engine> {
  return Engine.open({
    configDir,
    dbPath,
    env: "test",
    codec: plainCodec(),
    processEnv: {},
    runner: { workers: { pollMs: 200 }, restart: { baseDelayMs: 50, maxDelayMs: 500 } },
    ...extra,
  });
}

/** A real MLLP client: one message at a time, resolves with the ACK's MSA-1. */
export class MllpSender {
  readonly #socket: net.Socket;
  readonly #dec = new MllpDecoder();
  #waiting: ((frame: Buffer) => void) | undefined;
  #failed: ((e: Error) => void) | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (c: Buffer) => {
      for (const f of this.#dec.push(c)) {
        const w = this.#waiting;
        this.#waiting = undefined;
        this.#failed = undefined;
        w?.(f);
      }
    });
    const fail = () => {
      const f = this.#failed;
      this.#waiting = undefined;
      this.#failed = undefined;
      f?.(new Error("connection closed before the ACK"));
    };
    socket.on("close", fail);
    socket.on("error", fail);
  }

  static connect(port: number, host = "127.0.0.1"): Promise<MllpSender> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port }, () => resolve(new MllpSender(s)));
      s.once("error", reject);
    });
  }

  /** Sends one message and returns the reply's MSA-1 code. */
  async send(text: string): Promise<string> {
    const reply = await this.exchange(text);
    return parse(reply.toString("latin1")).get("MSA-1") ?? "";
  }

  exchange(text: string | Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.#socket.destroyed) return reject(new Error("connection closed"));
      this.#waiting = resolve;
      this.#failed = reject;
      this.#socket.write(encodeMllp(text));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** A real MLLP destination. `answer` decides each reply (an ACK code, or "silent" to say nothing). */
export async function mllpSink(port = 0) {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  let answer: (text: string) => AckCode | "silent" | Promise<AckCode | "silent"> = () => "AA";
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const dec = new MllpDecoder();
    let chain = Promise.resolve();
    s.on("data", (c: Buffer) => {
      for (const f of dec.push(c)) {
        chain = chain.then(async () => {
          const text = f.toString("latin1");
          const code = await answer(text);
          if (code === "silent" || s.destroyed) return;
          if (code === "AA") received.push(text);
          s.write(encodeMllp(buildAck(parse(text), { code }).encode()));
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Messages this sink accepted (answered AA), in arrival order. */
    received,
    set answer(fn: (text: string) => AckCode | "silent" | Promise<AckCode | "silent">) {
      answer = fn;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export function field(text: string, path: string): string | undefined {
  return parse(text).get(path);
}

/** The bound port of an inbound connection (configs in tests use free ports picked up front). */
export function inboundPort(engine: Engine, name: string): number {
  const c = engine.runner.connections().find((x) => x.name === name);
  const port = c && "port" in c.connector ? c.connector.port : undefined;
  if (port === undefined) throw new Error(`${name} has no bound port`);
  return port;
}

/** One line an engine logged, as `captureLog` keeps it. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/**
 * A log for an engine that keeps every line it is given, whatever the level. With `debug` it also
 * answers `isLevelEnabled` as a logger at that setting would (debug written or not).
 */
export function captureLog(opts: { debug?: boolean } = {}): { log: PipelineLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const log: PipelineLog = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const debug = opts.debug;
  if (debug !== undefined) log.isLevelEnabled = (level) => debug || level !== "debug";
  return { log, lines };
}
