/**
 * The MLLP peers of the load tests (kill -9, store down): senders that count only what was ACKed, and
 * a destination that records every control id it gets (duplicates included). Synthetic patients only.
 */
import net from "node:net";
import { buildAck, encodeMllp, MllpDecoder, parse } from "messagefoundry/hl7";

/** A synthetic ADT^A01 with control id `id`; `lane` goes into PID-5.3 for routing. */
export function adt(id: string, lane = "LANE1"): string {
  return [
    `MSH|^~\\&|SENDER|FAC|RECEIVER|FAC|20260101120000||ADT^A01^ADT_A01|${id}|P|2.5.1`,
    "EVN|A01|20260101120000",
    `PID|1||${id}^^^MRN||TEST^PATIENT^${lane}||19700101|U`,
  ].join("\r");
}

export interface MllpSink {
  port: number;
  /** MSH-10 of every message received, in arrival order. */
  ids: string[];
  close(): Promise<void>;
}

/** An MLLP destination that ACKs (AA) and records MSH-10 of every message. */
export async function mllpSink(): Promise<MllpSink> {
  const ids: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const dec = new MllpDecoder();
    s.on("data", (c: Buffer) => {
      for (const f of dec.push(c)) {
        const msg = parse(f.toString("latin1"));
        ids.push(msg.controlId ?? "");
        s.write(encodeMllp(buildAck(msg, { code: "AA" }).encode()));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    ids,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface SenderOptions {
  /** Control ids are `<prefix><000001…>`. */
  prefix: string;
  /** Every ACKed (AA) control id is pushed here. */
  acked: string[];
  stop: () => boolean;
  /**
   * On a connection closed without a reply: false (default) ends the sender (the engine died: the
   * message is not owed); true reconnects and resends the same message, as a real MLLP sender does.
   */
  resend?: boolean;
  /** Counts connections closed with a message unanswered (resend mode). */
  onUnanswered?: (id: string) => void;
}

/** Sends messages one at a time until stopped (alternating lanes 1 and 2); records what was ACKed. */
export async function mllpSender(port: number, o: SenderOptions): Promise<void> {
  let socket: Conn | undefined;
  for (let i = 1; !o.stop(); ) {
    const id = `${o.prefix}${String(i).padStart(6, "0")}`;
    socket ??= await connect(port, o);
    if (!socket) return;
    const reply = await socket.send(encodeMllp(adt(id, i % 2 === 0 ? "LANE2" : "LANE1")));
    if (reply) {
      if (parse(reply.toString("latin1")).get("MSA-1") === "AA") o.acked.push(id);
      i++;
      continue;
    }
    socket = undefined;
    if (!o.resend) return;
    o.onUnanswered?.(id);
  }
  socket?.close();
}

interface Conn {
  /** The reply frame, or undefined when the connection closed first. */
  send(frame: Buffer): Promise<Buffer | undefined>;
  close(): void;
}

/** Connects (in resend mode retrying until it gets through or the sender stops). */
async function connect(port: number, o: SenderOptions): Promise<Conn | undefined> {
  for (;;) {
    const socket = net.connect({ host: "127.0.0.1", port });
    const ok = await new Promise<boolean>((resolve) => {
      socket.once("connect", () => resolve(true));
      socket.once("error", () => resolve(false));
    });
    if (ok) return wrap(socket);
    socket.destroy();
    if (!o.resend || o.stop()) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function wrap(socket: net.Socket): Conn {
  const dec = new MllpDecoder();
  let wake: ((f: Buffer | undefined) => void) | undefined;
  let closed = false;
  socket.on("data", (c: Buffer) => {
    for (const f of dec.push(c)) wake?.(f);
  });
  socket.on("close", () => {
    closed = true;
    wake?.(undefined);
  });
  socket.on("error", () => {});
  return {
    send: (frame) =>
      new Promise((resolve) => {
        if (closed) return resolve(undefined);
        wake = resolve;
        socket.write(frame);
      }),
    close: () => socket.destroy(),
  };
}
