/**
 * A framed socket listener shared by the MLLP and TCP inbounds: many concurrent connections, one
 * payload at a time per connection (so replies go out in order and intake order is arrival order),
 * optional TLS, graceful stop, and limits: a connection cap and address allow-list at accept
 * (listener-guard.ts), a frame size limit, a bound on each connection's queued bytes, a deadline for
 * a frame in progress, and an optional idle timeout (off by default: senders keep connections for hours).
 */
import net from "node:net";
import tls from "node:tls";
import { errorText, isStoreUnavailableError } from "./errors.js";
import type { Framing } from "./framing.js";
import { bindListener, ListenerGuard, type ListenerLimits, readListenerLimits } from "./listener-guard.js";
import type { SettingsReader } from "./settings.js";
import { InboundStats } from "./stats.js";
import { loadServerTls, readTlsServer, type TlsServerSettings } from "./tls.js";
import type { InboundConnector, InboundContext, InboundRejection, InboundState } from "./types.js";
import { remoteOf, SerialQueue } from "./util.js";

export interface StreamInboundSettings extends ListenerLimits {
  /** Interface to bind; default `0.0.0.0`. */
  host: string;
  /** Port to listen on; 0 picks a free port (see `state.port`). */
  port: number;
  tls?: TlsServerSettings;
  /**
   * Largest frame accepted. Default 16 MiB. A larger one is handed to `ctx.reject` (recorded, NAKed)
   * when the pipeline provides it; otherwise the connection closes with a logged error. Also bounds
   * the complete frames queued per connection: reading pauses while they hold this many bytes.
   */
  maxFrameBytes: number;
  /** Close a connection silent for this long (no payload in flight); 0 = never. Default 0. */
  idleTimeoutMs: number;
  /**
   * A frame begun must end within this long (counted from its first byte, or from the last frame
   * boundary), else the connection is closed without a reply; 0 = off. Default 60 s.
   */
  frameTimeoutMs: number;
  /** How long `stop()` waits for in-flight payloads before closing sockets hard. Default 10 s. */
  stopGraceMs: number;
}

export function readStreamInbound(r: SettingsReader): StreamInboundSettings {
  return {
    host: r.str("host", "0.0.0.0"),
    port: r.port(),
    tls: readTlsServer(r),
    maxFrameBytes: r.int("maxFrameBytes", { def: 16 * 1024 * 1024, min: 1 }),
    idleTimeoutMs: r.int("idleTimeoutMs", { def: 0, min: 0 }),
    frameTimeoutMs: r.int("frameTimeoutMs", { def: 60_000, min: 0 }),
    ...readListenerLimits(r),
    stopGraceMs: r.int("stopGraceMs", { def: 10_000, min: 0 }),
  };
}

/** Frames queued on one connection before reading pauses (backpressure on a pipelining sender). */
const MAX_PENDING = 32;

interface Conn {
  socket: net.Socket;
  pending: number;
  /** Bytes of complete frames queued for intake (bounded by maxFrameBytes; see enqueue). */
  queuedBytes: number;
  /** When the frame in progress began (ms, performance clock); 0 = no partial frame. */
  frameSince: number;
  /** The peer sent FIN: finish pending payloads, then close. */
  ended: boolean;
  /** After a rejection the framing cannot recover from: ignore further bytes, close after the reply. */
  discard: boolean;
}

export class StreamInbound implements InboundConnector {
  private readonly stats = new InboundStats();
  private server: net.Server | undefined;
  private ctx: InboundContext | undefined;
  private readonly conns = new Set<Conn>();
  private readonly raw = new Set<net.Socket>();
  private stopping = false;
  /** Checks frame deadlines (one timer per listener, not one per connection or chunk). */
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    readonly type: string,
    readonly name: string,
    private readonly settings: StreamInboundSettings,
    private readonly framing: Framing,
  ) {}

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    if (this.server) throw new Error(`${this.type} inbound ${this.name} is already started`);
    this.ctx = ctx;
    this.stopping = false;
    const s = this.settings;
    const onConn = (socket: net.Socket) => this.accept(socket);
    // A TLS handshake is a frame too: it must finish within the frame deadline (Node's default 120 s).
    const handshakeTimeout = s.frameTimeoutMs > 0 ? Math.min(s.frameTimeoutMs, 120_000) : 120_000;
    const server = s.tls
      ? tls.createServer(
          { ...(await loadServerTls(s.tls, `${this.type} inbound ${this.name}`)), handshakeTimeout },
          onConn,
        ) // no half-open over TLS: a failed handshake must close
      : net.createServer({ allowHalfOpen: true }, onConn);
    new ListenerGuard(this.name, s, this.stats, ctx.log).attach(server);
    server.on("tlsClientError", (err: Error, socket: tls.TLSSocket) => {
      socket.destroy();
      ctx.log.warn({ connection: this.name, error: errorText(err) }, "TLS handshake failed");
    });
    // Every raw socket, handshaking or not, so a stop past its grace period can close them all.
    server.on("connection", (socket: net.Socket) => {
      if (socket.destroyed) return; // refused by the guard
      this.raw.add(socket);
      socket.on("close", () => this.raw.delete(socket));
    });
    await bindListener(server, s, this.stats, ctx.log, this);
    this.server = server;
    if (s.frameTimeoutMs > 0) {
      const tick = Math.min(1000, Math.max(10, Math.floor(s.frameTimeoutMs / 4)));
      this.sweep = setInterval(() => this.closeStalled(), tick);
      this.sweep.unref();
    }
    const port = (server.address() as net.AddressInfo).port;
    this.stats.port = port;
    this.stats.status = "listening";
    ctx.log.info(
      { connection: this.name, transport: this.type, host: s.host, port, tls: !!s.tls },
      "inbound listening",
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping = true;
    clearInterval(this.sweep);
    this.sweep = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.conns) {
      c.socket.pause();
      if (c.pending === 0) this.close(c);
    }
    const grace = setTimeout(() => {
      for (const c of this.conns) c.socket.destroy();
      for (const raw of this.raw) raw.destroy();
    }, this.settings.stopGraceMs);
    await closed;
    clearTimeout(grace);
    this.server = undefined;
    this.stats.status = "stopped";
    this.stats.port = undefined;
    this.ctx?.log.info({ connection: this.name, transport: this.type }, "inbound stopped");
  }

  private accept(socket: net.Socket): void {
    const ctx = this.ctx!;
    const log = ctx.log;
    const remote = remoteOf(socket.remoteAddress, socket.remotePort);
    const conn: Conn = { socket, pending: 0, queuedBytes: 0, frameSince: 0, ended: false, discard: false };
    if (this.stopping || socket.destroyed) {
      socket.destroy();
      return;
    }
    this.conns.add(conn);
    this.stats.opened();
    log.debug({ connection: this.name, remote }, "connection opened");
    const decoder = this.framing.decoder(this.settings.maxFrameBytes);
    const queue = new SerialQueue();
    socket.setNoDelay(true);
    if (this.settings.idleTimeoutMs > 0) {
      socket.setTimeout(this.settings.idleTimeoutMs, () => {
        if (conn.pending > 0) return; // waiting on our intake, not on the peer
        log.info({ connection: this.name, remote }, "idle timeout; closing connection");
        socket.destroy();
      });
    }
    // Payloads and rejections share one queue, so replies leave in arrival order. Reading pauses
    // while many frames, or many bytes, wait: a pipelining sender cannot grow the queue unbounded.
    const maxQueued = this.settings.maxFrameBytes;
    const enqueue = (job: () => Promise<void>, bytes: number) => {
      conn.pending++;
      conn.queuedBytes += bytes;
      if (conn.pending >= MAX_PENDING || conn.queuedBytes >= maxQueued) socket.pause();
      void queue.run(job).finally(() => {
        conn.pending--;
        conn.queuedBytes -= bytes;
        // Our intake held this connection up: the frame in progress gets its full time again.
        if (conn.frameSince !== 0) conn.frameSince = performance.now();
        if (conn.pending === 0 && (conn.ended || this.stopping)) this.close(conn);
        else if (
          conn.pending < MAX_PENDING / 2 &&
          conn.queuedBytes < maxQueued / 2 &&
          !this.stopping &&
          !conn.discard
        )
          socket.resume();
      });
    };
    socket.on("data", (chunk: Buffer) => {
      this.stats.bytesIn(chunk.length);
      if (conn.discard) return;
      const items = decoder.decode(chunk);
      // One check per chunk: a frame still open gets a deadline, counted from this chunk if it
      // completed a frame (the open one began here) or no frame was open before.
      if (!decoder.partial) conn.frameSince = 0;
      else if (conn.frameSince === 0 || items.length > 0) conn.frameSince = performance.now();
      for (const item of items) {
        if ("payload" in item) {
          const frame = item.payload;
          enqueue(() => this.handle(conn, frame, remote), frame.length);
          continue;
        }
        const reason = item.rejected;
        this.stats.error(reason.message);
        const fields = {
          connection: this.name,
          remote,
          error: reason.message,
          bytesSeen: reason.bytesSeen,
        };
        if (!ctx.reject) {
          log.error(fields, "framing error; closing connection");
          socket.destroy();
          return;
        }
        log.warn(fields, "frame over the size limit; rejecting it");
        const resyncs = decoder.resyncs;
        enqueue(() => this.reject(conn, reason, remote, resyncs), reason.head.length);
        if (!resyncs) {
          // The byte stream is out of step: read no more frames, close after the reply.
          conn.discard = true;
          socket.pause();
          return;
        }
      }
    });
    socket.on("end", () => {
      conn.ended = true;
      // A frame whose trailer never came is still the peer's last message.
      conn.frameSince = 0;
      if (!conn.discard)
        for (const frame of decoder.end()) enqueue(() => this.handle(conn, frame, remote), frame.length);
      if (conn.pending === 0) this.close(conn);
    });
    socket.on("error", (err) => {
      log.debug({ connection: this.name, remote, error: errorText(err) }, "connection error");
    });
    socket.on("close", () => {
      this.conns.delete(conn);
      this.stats.closed();
      log.debug({ connection: this.name, remote }, "connection closed");
    });
  }

  /** Closes connections whose frame in progress passed `frameTimeoutMs` (nothing of it is ACKed). */
  private closeStalled(): void {
    const limit = this.settings.frameTimeoutMs;
    const now = performance.now();
    for (const c of this.conns) {
      if (c.frameSince === 0 || c.pending > 0 || now - c.frameSince < limit) continue;
      c.frameSince = 0;
      this.stats.error(`frame not completed within ${limit} ms`);
      this.ctx?.log.warn(
        { connection: this.name, remote: remoteOf(c.socket.remoteAddress, c.socket.remotePort) },
        `frame not completed within ${limit} ms; closing connection`,
      );
      c.socket.destroy();
    }
  }

  private async handle(conn: Conn, frame: Buffer, remote: string | undefined): Promise<void> {
    const { socket } = conn;
    if (socket.destroyed) return; // no way to reply: the sender will resend it
    this.stats.message();
    const ctx = this.ctx!;
    try {
      const result = await ctx.receive(frame, { remote, transport: this.type });
      if (result.reply && socket.writable) {
        const out = this.framing.encode(result.reply);
        socket.write(out);
        this.stats.bytesOut(out.length);
      }
    } catch (err) {
      // Nothing was committed, so nothing may be ACKed: drop the connection and let the sender retry.
      this.stats.error(errorText(err));
      const fields = { connection: this.name, remote, error: errorText(err) };
      if (isStoreUnavailableError(err))
        ctx.log.warn(fields, "store unavailable; closing connection without ACK (the sender resends)");
      else if (err instanceof Error && err.name === "FencedError")
        ctx.log.warn(fields, "this node no longer leads its cluster; closing connection without ACK");
      else ctx.log.error(fields, "intake failed; closing connection without reply");
      socket.destroy();
    }
  }

  /** Hands a dropped oversized frame to `ctx.reject` and sends its reply (normally an AR NAK). */
  private async reject(
    conn: Conn,
    reason: InboundRejection,
    remote: string | undefined,
    resyncs: boolean,
  ): Promise<void> {
    const { socket } = conn;
    if (socket.destroyed) return;
    const ctx = this.ctx!;
    try {
      const result = await ctx.reject!(reason, { remote, transport: this.type });
      if (result.reply && socket.writable) {
        const out = this.framing.encode(result.reply);
        socket.write(out);
        this.stats.bytesOut(out.length);
      }
      if (!resyncs) this.close(conn);
    } catch (err) {
      // Not recorded, so not NAKed either: drop the connection like a failed intake.
      this.stats.error(errorText(err));
      ctx.log.error(
        { connection: this.name, remote, error: errorText(err) },
        "recording an oversized frame failed; closing connection without reply",
      );
      socket.destroy();
    }
  }

  /** Flush what was written, then close. */
  private close(conn: Conn): void {
    const { socket } = conn;
    if (socket.destroyed) return;
    if (socket.writable) socket.end(() => socket.destroy());
    else socket.destroy();
  }
}
