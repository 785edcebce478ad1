/**
 * One outgoing MLLP connection of the tee (to the legacy or the shadow engine): connect with a
 * timeout, then one exchange at a time — write a frame, wait for the next reply frame. Every failure
 * is an answer (`unreachable` / `timeout`), never a throw, and leaves the link closed: the caller
 * opens a new one for the next frame.
 */
import net from "node:net";
import { encodeMllp, MllpDecoder } from "../hl7/index.js";

export interface Endpoint {
  host: string;
  port: number;
}

export type Exchange =
  | { ok: true; reply: Buffer }
  | { ok: false; status: "unreachable" | "timeout"; error: string };

export class MllpLink {
  readonly #socket: net.Socket;
  readonly #replies: Buffer[] = [];
  #waiter: ((r: Exchange) => void) | undefined;
  #closed = false;
  #onClose: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    const dec = new MllpDecoder();
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = dec.push(chunk);
      } catch {
        return this.#fail("unreachable", "the peer sent an oversized reply");
      }
      for (const f of frames) {
        const w = this.#waiter;
        if (w) {
          this.#waiter = undefined;
          w({ ok: true, reply: f });
        } else this.#replies.push(f);
      }
    });
    socket.on("close", () => {
      this.#fail("unreachable", "the connection closed before the answer");
      this.#onClose?.();
    });
    socket.on("error", () => {});
  }

  /** Called once the socket has closed (either side). */
  onClose(fn: () => void): void {
    this.#onClose = fn;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Connects, or answers why not. */
  static connect(to: Endpoint, timeoutMs: number): Promise<MllpLink | Exchange> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: to.host, port: to.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({
          ok: false,
          status: "timeout",
          error: `no connection to ${to.host}:${to.port} in ${timeoutMs} ms`,
        });
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new MllpLink(socket));
      });
      socket.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ ok: false, status: "unreachable", error: `${to.host}:${to.port}: ${e.code ?? e.message}` });
      });
    });
  }

  /** Sends one payload and waits for the reply frame. */
  exchange(payload: Buffer, timeoutMs: number): Promise<Exchange> {
    if (this.#closed) {
      return Promise.resolve({ ok: false, status: "unreachable", error: "the connection is closed" });
    }
    const early = this.#replies.shift();
    // A reply nobody waited for belongs to an earlier, abandoned exchange: the peer is out of step.
    if (early) {
      this.close();
      return Promise.resolve({ ok: false, status: "unreachable", error: "an unexpected reply arrived" });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        this.close();
        resolve({ ok: false, status: "timeout", error: `no answer in ${timeoutMs} ms` });
      }, timeoutMs);
      this.#waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.#socket.write(encodeMllp(payload));
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #fail(status: "unreachable" | "timeout", error: string): void {
    this.#closed = true;
    this.#socket.destroy();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.({ ok: false, status, error });
  }
}
