/**
 * One MLLP client connection for the harness sender: write a frame, wait for the next reply frame or
 * a timeout or the peer closing. After a timeout the connection is closed (a late ACK would answer the
 * wrong message); the caller opens a new one.
 */
import net from "node:net";
import tls from "node:tls";
import { encodeMllp, MllpDecoder } from "../hl7/index.js";
import { loadClientTls, type TlsClientSettings } from "../transports/tls.js";

export interface Endpoint {
  host: string;
  port: number;
  /** Present to connect over TLS (an empty object trusts the system CAs). */
  tls?: TlsClientSettings;
}

export type Exchange = { reply: Buffer } | { error: "timeout" | "closed" };

export class MllpConnection {
  readonly #socket: net.Socket;
  readonly #decoder = new MllpDecoder();
  readonly #frames: Buffer[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      try {
        this.#frames.push(...this.#decoder.push(chunk));
      } catch {
        // an oversized reply: dropped; the exchange times out
      }
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on("error", () => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  static async open(to: Endpoint, timeoutMs: number): Promise<MllpConnection> {
    const secure = to.tls ? await loadClientTls(to.tls) : undefined;
    return new Promise((resolve, reject) => {
      const socket = secure
        ? tls.connect({ host: to.host, port: to.port, ...secure })
        : net.connect({ host: to.host, port: to.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${to.host}:${to.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(secure ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new MllpConnection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Sends one payload (unframed bytes) and waits for the next reply frame. */
  async exchange(payload: Buffer, timeoutMs: number): Promise<Exchange> {
    if (this.#closed) return { error: "closed" };
    this.#socket.write(encodeMllp(payload));
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const reply = this.#frames.shift();
      if (reply) return { reply };
      if (this.#closed) return { error: "closed" };
      const left = deadline - performance.now();
      if (left <= 0) {
        this.close();
        return { error: "timeout" };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }
}
