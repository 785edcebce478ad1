/**
 * A framed socket client shared by the MLLP and TCP outbounds: one persistent connection, one
 * message in flight at a time (call order preserved), reconnect with exponential backoff, reply
 * timeout. A timed-out connection is dropped so a late reply is never taken for the next message's.
 */
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import tls from "node:tls";
import { decodeHl7Bytes, parse, peekMsa, peekMsh } from "../hl7/index.js";
import { errorText } from "./errors.js";
import type { FrameDecoder, Framing } from "./framing.js";
import { reingressReply } from "./loopback.js";
import type { SettingsReader } from "./settings.js";
import { OutboundStats } from "./stats.js";
import { loadClientTls, readTlsClient, type TlsClientSettings } from "./tls.js";
import type {
  ConnectorLog,
  Loopback,
  OutboundConnector,
  OutboundState,
  SendMeta,
  SendResult,
} from "./types.js";
import { backoffDelay, SerialQueue } from "./util.js";

/**
 * none: done once written; raw: wait for one reply frame; ack: wait for an HL7 ACK and read MSA-1;
 * or a connector's own reply protocol (X12: a TA1 and/or the response interchange).
 */
export type ReplyMode = "none" | "raw" | "ack" | ReplyExchange;

/**
 * A reply protocol of a connector's own. Per send, `matches` sees each frame received (until it
 * returns true or the reply timeout), then `result` says what the exchange came to.
 */
export interface ReplyExchange {
  begin(payload: Buffer, meta: SendMeta): { matches: ReplyMatch; result(last: Buffer): SendResult };
}

export interface StreamOutboundSettings {
  host: string;
  port: number;
  /** Present (even empty) to connect over TLS; an empty table trusts the system CAs. */
  tls?: TlsClientSettings;
  /** Default 10 s. */
  connectTimeoutMs: number;
  /** How long to wait for the reply before giving up with `retry`. Default 30 s. */
  ackTimeoutMs: number;
  /** Largest reply frame accepted. Default 16 MiB. */
  maxFrameBytes: number;
  /** Reconnect backoff: first delay, doubled per consecutive failure, capped. Defaults 500 ms / 30 s. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** TCP keep-alive probes on the idle persistent connection. Default true. */
  keepAlive: boolean;
  /** Name of a loopback inbound to hand each captured reply to. */
  reingressTo?: string;
}

export function readStreamOutbound(r: SettingsReader): StreamOutboundSettings {
  const s: StreamOutboundSettings = {
    host: r.str("host"),
    port: r.int("port", { min: 1, max: 65535 }),
    tls: readTlsClient(r),
    connectTimeoutMs: r.int("connectTimeoutMs", { def: 10_000, min: 1 }),
    ackTimeoutMs: r.int("ackTimeoutMs", { def: 30_000, min: 1 }),
    maxFrameBytes: r.int("maxFrameBytes", { def: 16 * 1024 * 1024, min: 1 }),
    reconnectBaseMs: r.int("reconnectBaseMs", { def: 500, min: 0 }),
    reconnectMaxMs: r.int("reconnectMaxMs", { def: 30_000, min: 0 }),
    keepAlive: r.bool("keepAlive", true),
    reingressTo: r.optStr("reingressTo"),
  };
  return s;
}

/**
 * Reads MSA-1 and MSA-2 of a reply; undefined when it is not HL7 at all. A plain ACK is read from
 * its bytes (`peekMsa`, every delivery reads one); anything else is parsed.
 */
function readMsa(reply: Buffer): { code?: string; controlId?: string } | undefined {
  const peeked = peekMsa(reply);
  if (peeked) return { code: peeked.code?.trim().toUpperCase(), controlId: peeked.controlId?.trim() };
  try {
    const msg = parse(decodeHl7Bytes(reply));
    return { code: msg.get("MSA-1")?.trim().toUpperCase(), controlId: msg.get("MSA-2")?.trim() };
  } catch {
    return undefined;
  }
}

/** MSH-10 of an HL7 payload, read from its header without a full parse (the ACK must echo it). */
export function sentControlId(payload: Buffer): string | undefined {
  return peekMsh(payload, 10)?.trim() || undefined;
}

/** Maps an HL7 ACK's MSA-1: AA/CA ok, AE/CE retry, AR/CR permanent; anything unreadable retries. */
export function ackResult(reply: Buffer): SendResult {
  const msa = readMsa(reply);
  if (!msa) return { status: "retry", reply, error: "reply is not an HL7 message" };
  const code = msa.code;
  switch (code) {
    case "AA":
    case "CA":
      return { status: "ok", reply };
    case "AE":
    case "CE":
      return { status: "retry", reply, error: `negative ACK ${code}` };
    case "AR":
    case "CR":
      return { status: "permanent", reply, error: `negative ACK ${code}` };
    default:
      return { status: "retry", reply, error: code ? `unknown ACK code ${code}` : "reply has no MSA-1" };
  }
}

/** Decides whether a reply frame answers the message in flight; false: log it and keep waiting. */
export type ReplyMatch = (reply: Buffer) => boolean;

interface Waiter {
  resolve(b: Buffer): void;
  reject(e: Error): void;
  matches?: ReplyMatch;
}

/** One live connection and the reply it is waiting for. */
class Link {
  private readonly decoder: FrameDecoder;
  private waiter: Waiter | undefined;
  closed = false;

  constructor(
    readonly socket: net.Socket,
    framing: Framing,
    maxFrameBytes: number,
    private readonly stats: OutboundStats,
    private readonly onUnsolicited: () => void,
  ) {
    this.decoder = framing.decoder(maxFrameBytes);
    socket.on("data", (chunk: Buffer) => {
      stats.bytesIn(chunk.length);
      for (const item of this.decoder.decode(chunk)) {
        if ("rejected" in item) {
          this.fail(new Error(`reply ${item.rejected.message}`));
          return;
        }
        const w = this.waiter;
        if (!w) this.onUnsolicited();
        else if (!w.matches || w.matches(item.payload)) {
          this.waiter = undefined;
          w.resolve(item.payload);
        }
      }
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed by peer")));
  }

  private fail(err: Error): void {
    this.closed = true;
    this.socket.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  write(frame: Buffer): Promise<void> {
    this.stats.bytesOut(frame.length);
    return new Promise((resolve, reject) => {
      this.socket.write(frame, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Writes a frame and waits for the next reply frame that `matches` accepts (any frame without it),
   * until `timeoutMs` after the write.
   */
  exchange(frame: Buffer, timeoutMs: number, matches?: ReplyMatch): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.fail(new Error(`no reply within ${timeoutMs} ms`));
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        matches,
      };
      this.write(frame).catch((e: Error) => this.fail(e));
    });
  }
}

export class StreamOutbound implements OutboundConnector {
  private readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  private link: Link | undefined;
  private failures = 0;
  private nextConnectAt = 0;
  private readonly closing = new AbortController();

  constructor(
    readonly type: string,
    readonly name: string,
    private readonly settings: StreamOutboundSettings,
    private readonly framing: Framing,
    private readonly replyMode: ReplyMode,
    private readonly log: ConnectorLog,
    private readonly hub: Loopback,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    if (this.closing.signal.aborted) return Promise.resolve({ status: "retry", error: "connector closed" });
    return this.queue.run(() => this.sendOne(payload, meta));
  }

  /** Refuses new sends, cuts short a reconnect backoff wait, lets queued sends finish, then disconnects. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.queue.idle();
    const link = this.link;
    this.link = undefined;
    if (link && !link.closed) link.socket.end(() => link.socket.destroy());
    this.stats.status = "closed";
  }

  private async sendOne(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    const result = await this.attempt(payload, meta);
    const to = this.settings.reingressTo;
    if (to)
      await reingressReply(this.hub, result, {
        to,
        from: this.name,
        messageId: meta.messageId,
        log: this.log,
      });
    this.stats.result(result.status === "ok", result.error);
    const fields = { connection: this.name, messageId: meta.messageId, status: result.status };
    if (result.status === "ok") this.log.debug(fields, "delivered");
    // The delivery worker logs the outcome at info+ (by class); the text may quote patient data.
    else this.log.debug({ ...fields, error: result.error }, "delivery not acknowledged");
    return result;
  }

  private async attempt(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    let link: Link;
    try {
      link = await this.connected();
    } catch (err) {
      return {
        status: "retry",
        error: `connect ${this.settings.host}:${this.settings.port}: ${errorText(err)}`,
      };
    }
    const frame = this.framing.encode(payload);
    try {
      if (typeof this.replyMode === "object") {
        const x = this.replyMode.begin(payload, meta);
        return x.result(await link.exchange(frame, this.settings.ackTimeoutMs, x.matches));
      }
      if (this.replyMode === "none") {
        await link.write(frame);
        return { status: "ok" };
      }
      if (this.replyMode === "raw") {
        return { status: "ok", reply: await link.exchange(frame, this.settings.ackTimeoutMs) };
      }
      const reply = await link.exchange(frame, this.settings.ackTimeoutMs, this.ackMatcher(payload, meta));
      return ackResult(reply);
    } catch (err) {
      return { status: "retry", error: errorText(err) };
    }
  }

  /**
   * Accepts only an ACK whose MSA-2 is the sent MSH-10, so a stray or duplicate ACK cannot shift
   * every later ACK by one. A reply without MSA-2 (or that is not HL7) is still taken as the answer
   * and mapped by ackResult; a payload without MSH-10 (and no SendMeta.controlId) or a batch takes
   * the next reply, as there is nothing to match against.
   */
  private ackMatcher(payload: Buffer, meta: SendMeta): ReplyMatch | undefined {
    // A batch (FHS/BHS) may be acknowledged per batch or per message: nothing reliable to match.
    const first = payload.toString("latin1", 0, 3);
    if (first === "FHS" || first === "BHS") return undefined;
    const expected = sentControlId(payload) ?? meta.controlId;
    if (!expected) return undefined;
    return (reply) => {
      const got = readMsa(reply)?.controlId;
      if (!got || got === expected) return true;
      this.log.warn(
        { connection: this.name, messageId: meta.messageId, expected, got },
        "ACK MSA-2 does not match the message in flight; ignored",
      );
      return false;
    };
  }

  private async connected(): Promise<Link> {
    if (this.link && !this.link.closed) return this.link;
    this.link = undefined;
    this.stats.status = "idle";
    const wait = this.nextConnectAt - Date.now();
    if (wait > 0) await delay(wait, undefined, { signal: this.closing.signal });
    try {
      const socket = await this.dial();
      this.failures = 0;
      this.nextConnectAt = 0;
      this.link = new Link(socket, this.framing, this.settings.maxFrameBytes, this.stats, () =>
        this.log.warn({ connection: this.name }, "unsolicited reply ignored"),
      );
      socket.on("close", () => {
        if (this.stats.status === "connected") this.stats.status = "idle";
      });
      this.stats.status = "connected";
      this.log.info(
        { connection: this.name, host: this.settings.host, port: this.settings.port },
        "connected",
      );
      return this.link;
    } catch (err) {
      this.failures++;
      const s = this.settings;
      this.nextConnectAt = Date.now() + backoffDelay(this.failures, s.reconnectBaseMs, s.reconnectMaxMs);
      this.stats.status = "error";
      throw err;
    }
  }

  private async dial(): Promise<net.Socket> {
    const s = this.settings;
    const tlsOpts = s.tls ? await loadClientTls(s.tls) : undefined;
    return new Promise<net.Socket>((resolve, reject) => {
      const socket = tlsOpts
        ? tls.connect({
            ...tlsOpts,
            host: s.host,
            port: s.port,
            servername: tlsOpts.servername ?? sni(s.host),
          })
        : net.connect({ host: s.host, port: s.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`timed out after ${s.connectTimeoutMs} ms`));
      }, s.connectTimeoutMs);
      socket.once(tlsOpts ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        socket.off("error", onError);
        socket.setNoDelay(true);
        if (s.keepAlive) socket.setKeepAlive(true, 30_000);
        resolve(socket);
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once("error", onError);
    });
  }
}

/** SNI must be a host name, never an IP address. */
function sni(host: string): string | undefined {
  return net.isIP(host) ? undefined : host;
}
