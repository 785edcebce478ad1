/**
 * One pipelined MLLP connection of the load generator. Several messages may be in flight: an MLLP
 * receiver answers in arrival order, so the answers match a FIFO of what was written. Each entry keeps
 * the time latency counts from (its scheduled time in open loop) and when it was written (for the ACK
 * timeout). When the peer closes or the oldest answer is overdue, everything still in flight is handed
 * back as failed and the link is dead: the caller opens another.
 */
import net from "node:net";
import { MllpDecoder } from "../hl7/index.js";

export interface InFlight {
  controlId: string;
  entry: number;
  /** Index of the phase that sent it (its latencies count there). */
  phase: number;
  /** Epoch ms latency counts from. */
  from: number;
  /** Epoch ms the bytes were written. */
  writtenAt: number;
  /** The bytes, kept when the run resends what a dropped connection left unanswered (failover). */
  frame?: Buffer;
}

export interface LinkEvents {
  onAnswer(m: InFlight, code: string, at: number): void;
  /** The link died ("closed" by the peer or an error, "timeout"): these never got an answer. */
  onLost(lost: InFlight[], why: "closed" | "timeout"): void;
}

export const now = (): number => performance.timeOrigin + performance.now();

/** MSA-1 of an ACK frame, found without a parse (the generator must stay cheap); "??" when absent. */
export function ackCodeOf(frame: Buffer): string {
  const at = frame.indexOf("\rMSA");
  if (at < 0 || frame.length < at + 7) return "??";
  return frame.toString("latin1", at + 5, at + 7);
}

export class LoadLink {
  readonly #socket: net.Socket;
  readonly #events: LinkEvents;
  #queue: InFlight[] = [];
  #head = 0;
  #dead = false;

  private constructor(socket: net.Socket, events: LinkEvents) {
    this.#socket = socket;
    this.#events = events;
    socket.setNoDelay(true);
    const decoder = new MllpDecoder();
    socket.on("data", (chunk: Buffer) => {
      const at = now();
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch {
        this.#die("closed");
        return;
      }
      for (const f of frames) {
        const m = this.#take();
        if (m) this.#events.onAnswer(m, ackCodeOf(f), at);
      }
    });
    socket.on("close", () => this.#die("closed"));
    socket.on("error", () => this.#die("closed"));
  }

  static open(host: string, port: number, events: LinkEvents): Promise<LoadLink> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      s.once("connect", () => {
        s.removeAllListeners("error");
        resolve(new LoadLink(s, events));
      });
      s.once("error", reject);
    });
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Messages written and not answered yet. */
  get inFlight(): number {
    return this.#queue.length - this.#head;
  }

  /** Batches the writes of one scheduler tick into one system call (uncork sends them). */
  cork(): void {
    if (!this.#dead) this.#socket.cork();
  }

  uncork(): void {
    if (!this.#dead) this.#socket.uncork();
  }

  send(frame: Buffer, m: InFlight): void {
    this.#queue.push(m);
    this.#socket.write(frame);
  }

  /** Kills the link when its oldest message has waited longer than `timeoutMs` since it was written. */
  checkTimeout(at: number, timeoutMs: number): void {
    const oldest = this.#queue[this.#head];
    if (!this.#dead && oldest && at - oldest.writtenAt > timeoutMs) this.#die("timeout");
  }

  close(): void {
    this.#dead = true;
    this.#socket.destroy();
  }

  #take(): InFlight | undefined {
    const m = this.#queue[this.#head];
    if (!m) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return m;
  }

  #die(why: "closed" | "timeout"): void {
    if (this.#dead && why === "closed" && this.inFlight === 0) return;
    const lost = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    const wasDead = this.#dead;
    this.#dead = true;
    this.#socket.destroy();
    if (lost.length > 0 || !wasDead) this.#events.onLost(lost, why);
  }
}
