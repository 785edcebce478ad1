/** Shared test rig: synthetic HL7, a real intake-like `receive`, raw MLLP clients/servers, certs. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AckCode, buildAck, encodeMllp, MllpDecoder, parse } from "../../src/hl7/index.js";
import type { ConnectorLog, InboundContext, ReceiveMeta, ReceiveResult } from "../../src/transports/index.js";

import { freePort, until } from "../support/fixtures.js";

export { freePort, until };

export function adt(controlId: string, extra = ""): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${controlId}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${controlId}^^^MRN||TEST^PATIENT${extra}||19700101|U`,
  ].join("\r");
}

export function ackBytes(payload: Buffer | string, code: AckCode = "AA"): Buffer {
  const msg = parse(payload.toString());
  return Buffer.from(buildAck(msg, { code }).encode());
}

export function controlIdOf(bytes: Buffer): string | undefined {
  return parse(bytes.toString()).get("MSA-2");
}

export interface LogEntry {
  level: string;
  obj: Record<string, unknown>;
  msg?: string;
}

export function captureLog(): ConnectorLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export type Receive = (payload: Buffer, meta: ReceiveMeta) => Promise<ReceiveResult>;

/** An intake stand-in that records what it got and ACKs each HL7 payload with `code`. */
export function ackingIntake(code: AckCode = "AA") {
  const received: { payload: Buffer; meta: ReceiveMeta }[] = [];
  const receive: Receive = async (payload, meta) => {
    received.push({ payload, meta });
    return { accepted: true, reply: ackBytes(payload, code) };
  };
  return { received, receive };
}

export function context(
  receive: Receive,
  name = "IB_TEST",
): InboundContext & { log: ReturnType<typeof captureLog> } {
  return { name, receive, log: captureLog() };
}

/** A raw MLLP client: writes bytes and collects decoded reply frames. */
export class RawMllpClient {
  readonly frames: Buffer[] = [];
  closed: Promise<void>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    const dec = new MllpDecoder();
    socket.on("data", (c: Buffer) => {
      this.frames.push(...dec.push(c));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((r) => socket.on("close", () => r()));
    socket.on("error", () => {});
  }

  static connect(port: number): Promise<RawMllpClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => resolve(new RawMllpClient(s)));
      s.once("error", reject);
    });
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  async waitFrames(n: number): Promise<Buffer[]> {
    while (this.frames.length < n) {
      if (this.socket.destroyed) throw new Error(`socket closed after ${this.frames.length}/${n} frames`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), this.closed]);
    }
    return this.frames.slice(0, n);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A real MLLP peer for outbound tests: answers each frame via `reply` (undefined: stay silent). */
export async function mllpPeer(
  reply: (payload: Buffer) => Buffer | undefined | Promise<Buffer | undefined>,
  port = 0,
): Promise<{ port: number; received: Buffer[]; connections: number; close(): Promise<void> }> {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const dec = new MllpDecoder();
    s.on("data", (c: Buffer) => {
      for (const f of dec.push(c)) {
        received.push(f);
        void Promise.resolve(reply(f)).then((r) => {
          if (r && !s.destroyed) s.write(encodeMllp(r));
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "mf-transports-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A self-signed certificate for localhost/127.0.0.1 made with openssl (EC keys: fast). */
export function selfSignedCert(dir: string, prefix = ""): { cert: string; key: string } {
  const cert = join(dir, `${prefix}cert.pem`);
  const key = join(dir, `${prefix}key.pem`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { cert, key };
}
