/**
 * `messagefoundry send --port P FILE...`: send HL7 files over MLLP (a file may hold several messages
 * or a batch) one at a time, wait for each ACK and print its code. A quick way to push
 * samples/messages/*.hl7 into a running engine; exits 1 when any message was not accepted.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { basename, resolve } from "node:path";
import type { Command } from "commander";
import { decodeHl7Bytes, encodeMllp, MllpDecoder, parse } from "../hl7/index.js";
import { splitMessages } from "../pipeline/index.js";
import { type CliIo, EXIT, UserError } from "./io.js";

interface SendOptions {
  host: string;
  port: string;
  timeout: string;
}

export function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("send")
    .description("Send HL7 message files over MLLP and print each ACK code")
    .argument("<files...>", "files of HL7 messages (segments separated by CR or newlines)")
    .requiredOption("-p, --port <port>", "MLLP port of the receiving inbound")
    .option("--host <host>", "receiver host", "127.0.0.1")
    .option("--timeout <ms>", "how long to wait for each ACK", "10000")
    .action(async (files: string[], opts: SendOptions) => {
      setExit(await send(io, files, opts));
    });
}

async function send(io: CliIo, files: string[], opts: SendOptions): Promise<number> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError("--port must be 1..65535");
  const timeoutMs = Number(opts.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UserError("--timeout must be a positive number");
  const messages: { label: string; bytes: Buffer }[] = [];
  for (const f of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(resolve(io.cwd, f));
    } catch (error) {
      throw new UserError(`cannot read ${f}: ${(error as Error).message}`);
    }
    const parts = splitMessages("hl7v2", bytes);
    parts.forEach((b, i) => {
      messages.push({ label: parts.length > 1 ? `${basename(f)}#${i + 1}` : basename(f), bytes: b });
    });
  }
  const link = await MllpLink.connect(opts.host, port).catch((error: Error) => {
    throw new UserError(`cannot connect to ${opts.host}:${port}: ${error.message}`, EXIT.FAILED);
  });
  let failed = 0;
  try {
    for (const m of messages) {
      const reply = await link.exchange(m.bytes, timeoutMs);
      const ack = parse(decodeHl7Bytes(reply));
      const code = ack.get("MSA-1") ?? "?";
      const text = ack.get("MSA-3") ?? ack.get("ERR-8") ?? "";
      if (code !== "AA" && code !== "CA") failed++;
      io.out(`${m.label}\t${ack.get("MSA-2") ?? ""}\t${code}${text ? `\t${text}` : ""}\n`);
    }
  } finally {
    link.close();
  }
  io.out(`${messages.length - failed}/${messages.length} accepted\n`);
  return failed === 0 ? EXIT.OK : EXIT.FAILED;
}

/** One MLLP connection: write a frame, wait for the next reply frame. */
class MllpLink {
  readonly #socket: net.Socket;
  readonly #frames: Buffer[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    const dec = new MllpDecoder();
    socket.on("data", (c: Buffer) => {
      this.#frames.push(...dec.push(c));
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on("error", () => {});
  }

  static connect(host: string, port: number): Promise<MllpLink> {
    return new Promise((ok, fail) => {
      const s = net.connect({ host, port }, () => ok(new MllpLink(s)));
      s.once("error", fail);
    });
  }

  async exchange(payload: Buffer, timeoutMs: number): Promise<Buffer> {
    this.#socket.write(encodeMllp(payload));
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.#closed) throw new UserError("the receiver closed the connection without an ACK", EXIT.FAILED);
      const left = deadline - Date.now();
      if (left <= 0) throw new UserError(`no ACK within ${timeoutMs} ms`, EXIT.FAILED);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = undefined;
    }
    return this.#frames.shift() as Buffer;
  }

  close(): void {
    this.#socket.destroy();
  }
}
