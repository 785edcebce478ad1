/**
 * The tee relay: an MLLP listener that logs every frame durably, forwards the same bytes to the
 * legacy engine and (through a bounded queue) to the shadow engine, and answers the upstream.
 *
 * - Default: the upstream gets the legacy engine's own ACK bytes, so inserting the tee changes
 *   nothing the sender sees. When the legacy cannot be reached or does not answer in time the
 *   upstream gets an AE NAK built by the engine's ACK builder — never an AA (fail closed).
 * - `ackOnReceipt`: the upstream gets AA once the frame is committed to the tee's log; the legacy
 *   copy follows, and a failure there is recorded (`tee naks` lists it).
 * - The shadow never blocks or fails the legacy path (see shadow.ts).
 *
 * Each upstream connection has its own legacy connection and handles one frame at a time, so the
 * legacy engine sees every connection's frames in their order. Test/synthetic data only.
 */
import net from "node:net";
import { MllpConnection } from "../harness/index.js";
import { buildAck, buildNakFromBytes, encodeMllp, MllpDecoder, parse, peekMsh } from "../hl7/index.js";
import type { Log } from "../log.js";
import { type Endpoint, type Exchange, exchangeOn, openLeg } from "./link.js";
import type { TeeLog } from "./log.js";
import { peekMsa1, ShadowForwarder, type ShadowStats } from "./shadow.js";

export interface TeeRelayOptions {
  listen: Endpoint;
  legacy: Endpoint;
  shadow: Endpoint;
  log: TeeLog;
  ackOnReceipt?: boolean;
  /** How long the legacy engine has to connect and to answer each frame (default 10 s). */
  legacyTimeoutMs?: number;
  shadowTimeoutMs?: number;
  /** Shadow queue capacity (default 10 000 frames). */
  shadowQueue?: number;
  logger: Log;
}

export interface TeeStats {
  connections: number;
  received: number;
  /** Upstream answers by MSA-1 code. */
  answered: Record<string, number>;
  legacy: { acked: number; unreachable: number; timeout: number };
  shadow: ShadowStats;
}

export class TeeRelay {
  readonly #o: Required<Omit<TeeRelayOptions, "logger" | "log" | "listen" | "legacy" | "shadow">> &
    TeeRelayOptions;
  readonly #server: net.Server;
  readonly #shadow: ShadowForwarder;
  readonly #sockets = new Set<net.Socket>();
  /** Open legacy connections, and each upstream connection's work in hand (for close). */
  readonly #links = new Set<MllpConnection>();
  readonly #chains = new Set<Promise<void>>();
  #conns = 0;
  readonly #stats = {
    received: 0,
    answered: {} as Record<string, number>,
    legacy: { acked: 0, unreachable: 0, timeout: 0 },
  };

  constructor(opts: TeeRelayOptions) {
    this.#o = {
      ackOnReceipt: false,
      legacyTimeoutMs: 10_000,
      shadowTimeoutMs: 10_000,
      shadowQueue: 10_000,
      ...opts,
    };
    this.#shadow = new ShadowForwarder({
      to: opts.shadow,
      capacity: this.#o.shadowQueue,
      timeoutMs: this.#o.shadowTimeoutMs,
      settle: (id, r) => opts.log.settle(id, "shadow", r),
      log: opts.logger,
    });
    this.#server = net.createServer((s) => this.#accept(s));
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#o.listen.port, this.#o.listen.host, () => {
        this.#server.off("error", reject);
        resolve((this.#server.address() as net.AddressInfo).port);
      });
    });
  }

  stats(): TeeStats {
    return {
      connections: this.#sockets.size,
      received: this.#stats.received,
      answered: { ...this.#stats.answered },
      legacy: { ...this.#stats.legacy },
      shadow: this.#shadow.snapshot(),
    };
  }

  /**
   * Stops listening and closes every connection (upstream and legacy), then waits for the frames in
   * hand to be recorded; frames queued for the shadow stay `pending`.
   */
  async close(): Promise<void> {
    this.#shadow.stop();
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    for (const s of this.#sockets) s.destroy();
    for (const l of this.#links) l.close();
    await Promise.allSettled([...this.#chains]);
    await closed;
  }

  #accept(socket: net.Socket): void {
    const conn = ++this.#conns;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const dec = new MllpDecoder();
    let legacy: MllpConnection | undefined;
    let chain = Promise.resolve();
    this.#chains.add(chain);
    const enqueue = (job: () => Promise<void>): void => {
      this.#chains.delete(chain);
      chain = chain.then(job).catch((error: Error) => {
        this.#o.logger.error({ event: "tee.internal", conn, error: error.message });
        socket.destroy();
      });
      this.#chains.add(chain);
    };
    socket.on("data", (chunk: Buffer) => {
      for (const item of dec.decode(chunk)) {
        if (Buffer.isBuffer(item)) {
          enqueue(async () => {
            legacy = await this.#handle(conn, socket, item, legacy);
          });
        } else {
          const nak = buildNakFromBytes(item.head.toString("latin1"), {
            code: "AR",
            text: item.error.message,
          });
          enqueue(async () => this.#reply(socket, Buffer.from(nak, "latin1"), "AR"));
        }
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#sockets.delete(socket);
      // Frames already read are still forwarded to the legacy; then its connection goes too.
      enqueue(async () => {
        if (legacy) this.#drop(legacy);
        this.#chains.delete(chain);
      });
    });
  }

  /** One frame: log, hand a copy to the shadow, forward to the legacy, answer. Returns the legacy link. */
  async #handle(
    conn: number,
    socket: net.Socket,
    frame: Buffer,
    link: MllpConnection | undefined,
  ): Promise<MllpConnection | undefined> {
    this.#stats.received++;
    let id: number;
    try {
      id = this.#o.log.record({
        conn,
        body: frame,
        controlId: peekMsh(frame, 10),
        messageType: peekMsh(frame, 9),
      });
    } catch (error) {
      // Not logged: refuse it (nothing is forwarded that the log does not hold).
      this.#o.logger.error({ event: "tee.log-failed", conn, error: (error as Error).message });
      this.#reply(socket, nakFor(frame, "the tee could not log the message"), "AE");
      return link;
    }
    this.#shadow.offer(id, frame);
    if (this.#o.ackOnReceipt) {
      const ack = ackFor(frame);
      this.#answer(socket, id, ack.bytes, ack.code);
    }
    let current = link && !link.closed ? link : undefined;
    let r: Exchange | undefined;
    if (current) {
      r = await exchangeOn(current, frame, this.#o.legacyTimeoutMs);
      // A kept connection the legacy closed meanwhile (a restart): once more on a fresh one.
      if (!r.ok && r.status === "unreachable") {
        this.#drop(current);
        current = undefined;
        r = undefined;
      }
    }
    if (!r) {
      const opened = await openLeg(this.#o.legacy, this.#o.legacyTimeoutMs);
      if (opened instanceof MllpConnection) {
        current = opened;
        this.#links.add(opened);
      }
      r = current ? await exchangeOn(current, frame, this.#o.legacyTimeoutMs) : (opened as Exchange);
    }
    if (r.ok) {
      this.#stats.legacy.acked++;
      const code = peekMsa1(r.reply);
      this.#o.log.settle(id, "legacy", { status: "acked", ack: r.reply, ...(code ? { code } : {}) });
      if (!this.#o.ackOnReceipt) this.#answer(socket, id, r.reply, code ?? "?");
      return current;
    }
    this.#stats.legacy[r.status]++;
    this.#o.log.settle(id, "legacy", { status: r.status, error: r.error });
    this.#o.logger.warn({ event: `tee.legacy.${r.status}`, conn, id, error: r.error });
    if (!this.#o.ackOnReceipt)
      this.#answer(socket, id, nakFor(frame, `legacy engine ${r.status}: ${r.error}`), "AE");
    if (current) this.#drop(current);
    return undefined;
  }

  #drop(link: MllpConnection): void {
    link.close();
    this.#links.delete(link);
  }

  /**
   * Logs the answer, then sends it: once the sender holds an answer the log holds it too (listings
   * read while the relay runs). A log that cannot take it does not hold the answer back.
   */
  #answer(socket: net.Socket, id: number, payload: Buffer, code: string): void {
    try {
      this.#o.log.answered(id, code);
    } catch (error) {
      this.#o.logger.error({ event: "tee.log-failed", id, error: (error as Error).message });
    }
    this.#reply(socket, payload, code);
  }

  #reply(socket: net.Socket, payload: Buffer, code: string): void {
    this.#stats.answered[code] = (this.#stats.answered[code] ?? 0) + 1;
    if (!socket.destroyed) socket.write(encodeMllp(payload));
  }
}

/** The fail-closed answer: an AE NAK in the sender's own dialect (the engine's ACK builder). */
function nakFor(frame: Buffer, text: string): Buffer {
  return Buffer.from(buildNakFromBytes(frame.toString("latin1"), { code: "AE", text }), "latin1");
}

/** AA on receipt (the frame is logged); AR when it is not HL7 at all. */
function ackFor(frame: Buffer): { bytes: Buffer; code: string } {
  const text = frame.toString("latin1");
  try {
    return { bytes: Buffer.from(buildAck(parse(text), { code: "AA" }).encode(), "latin1"), code: "AA" };
  } catch {
    return {
      bytes: Buffer.from(buildNakFromBytes(text, { text: "not an HL7 message" }), "latin1"),
      code: "AR",
    };
  }
}
