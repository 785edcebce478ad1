/** A payer for tests: a real TCP server that cuts interchanges from the stream and answers each. */
import net from "node:net";
import { answer271, generateMessages, seedOf } from "../../src/generate/index.js";
import { buildTa1, parseX12, X12StreamDecoder } from "../../src/x12/index.js";

export interface X12Peer {
  port: number;
  received: Buffer[];
  close(): Promise<void>;
}

/** `answer` returns what to write back for one interchange, in order (e.g. a TA1, then the 271). */
export async function x12Peer(
  answer: (interchange: Buffer) => readonly (string | Buffer)[],
): Promise<X12Peer> {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    // Answers go out as written (a TA1, then the 271): with Nagle on, the second small write would
    // wait for the client's delayed ACK (~40 ms per round trip).
    s.setNoDelay(true);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    const dec = new X12StreamDecoder(1 << 20);
    s.on("data", (c: Buffer) => {
      for (const ic of dec.push(c)) {
        received.push(ic);
        for (const part of answer(ic)) if (!s.destroyed) s.write(part);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A raw client that writes bytes and collects the interchanges answered. */
export async function x12Client(port: number): Promise<{
  replies: Buffer[];
  socket: net.Socket;
  closed: Promise<void>;
  write(b: string | Buffer): void;
}> {
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
  const replies: Buffer[] = [];
  const dec = new X12StreamDecoder(1 << 20);
  socket.on("data", (c: Buffer) => replies.push(...dec.push(c)));
  socket.on("error", () => {});
  const closed = new Promise<void>((r) => socket.on("close", () => r()));
  return { replies, socket, closed, write: (b) => socket.write(b) };
}

/** What a payer answers a 270 with: its TA1, then the 271 (synthetic: `answer271`). */
export function payerAnswer(interchange: Buffer): string[] {
  const inquiry = parseX12(interchange.toString("utf8"));
  return [buildTa1(inquiry), answer271(inquiry)];
}

/** `count` synthetic 270 interchanges for a seed word. */
export function inquiries(count: number, seed: string): string[] {
  return generateMessages({ type: "X12-270", count, seed: seedOf(seed) });
}
