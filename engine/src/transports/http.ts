/**
 * HTTP inbound intake (node:http / node:https, apart from the fastify API): POST a body to `path`,
 * get the intake's reply with 200 once it is committed (or the status the intake chose).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { errorText, isStoreUnavailableError } from "./errors.js";
import { bindListener, ListenerGuard, type ListenerLimits, readListenerLimits } from "./listener-guard.js";
import { SettingsReader } from "./settings.js";
import { InboundStats } from "./stats.js";
import { loadServerTls, readTlsServer, type TlsServerSettings } from "./tls.js";
import type {
  ConnectorDefinition,
  InboundConnector,
  InboundContext,
  InboundState,
  RawSettings,
  ReceiveResult,
} from "./types.js";
import { guessContentType, remoteOf } from "./util.js";

export interface HttpInboundSettings extends ListenerLimits {
  /** Default `0.0.0.0`. */
  host: string;
  port: number;
  /** Exact request path accepted; default `/`. Other paths get 404, other methods 405. */
  path: string;
  tls?: TlsServerSettings;
  /** Larger bodies get 413. Default 10 MiB. */
  maxBodyBytes: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (else 401). Comes from env(). */
  token?: string;
  /** Keep-alive idle timeout for client connections. Default 5 s. */
  idleTimeoutMs: number;
  /** A request's headers and body must arrive within this long, else 408 and close; 0 = off. Default 60 s. */
  requestTimeoutMs: number;
  /** How long `stop()` waits for in-flight requests. Default 10 s. */
  stopGraceMs: number;
}

export function readHttpInbound(name: string, raw: RawSettings): HttpInboundSettings {
  const r = new SettingsReader(name, raw);
  const path = r.str("path", "/");
  if (!path.startsWith("/")) r.fail("path", `must start with "/" (got ${JSON.stringify(path)})`);
  return {
    host: r.str("host", "0.0.0.0"),
    port: r.port(),
    path,
    tls: readTlsServer(r),
    maxBodyBytes: r.int("maxBodyBytes", { def: 10 * 1024 * 1024, min: 1 }),
    token: r.optStr("token"),
    idleTimeoutMs: r.int("idleTimeoutMs", { def: 5000, min: 1 }),
    requestTimeoutMs: r.int("requestTimeoutMs", { def: 60_000, min: 0 }),
    ...readListenerLimits(r),
    stopGraceMs: r.int("stopGraceMs", { def: 10_000, min: 0 }),
  };
}

/** An HTTP response decided by an exchange. */
export interface HttpAnswer {
  status: number;
  contentType?: string;
  body?: Buffer;
}

/**
 * What a protocol carried over the HTTP intake decides (plain HTTP, SOAP): whether a body may go to
 * the intake at all, and the answers after it committed or failed. The server, its limits, TLS, auth
 * and the rule "no success answer before the commit" stay in HttpInbound.
 */
export interface HttpExchange {
  /** The connector type reported in state, logs and `ReceiveMeta.transport`. */
  readonly type: string;
  /** An answer refusing the body before intake (nothing is committed), or undefined to take it. */
  refuse(body: Buffer, req: http.IncomingMessage): HttpAnswer | undefined;
  /** The answer once `receive` resolved (the payload is committed). */
  answer(result: ReceiveResult, body: Buffer): HttpAnswer;
  /** The answer when `receive` rejected (nothing committed): must tell the client to retry. */
  failed(body: Buffer): HttpAnswer;
}

/** Plain HTTP: any non-empty body; the intake's reply with its status; 503 when the intake failed. */
export const plainHttpExchange: HttpExchange = {
  type: "http",
  refuse: (body) => (body.length === 0 ? text(400, "empty body") : undefined),
  answer: (r) => ({
    status: r.httpStatus ?? (r.accepted ? 200 : 400),
    ...(r.reply ? { body: r.reply, contentType: r.contentType ?? guessContentType(r.reply) } : {}),
  }),
  failed: () => text(503, "intake unavailable; retry"),
};

export class HttpInbound implements InboundConnector {
  readonly type: string;
  private readonly stats = new InboundStats();
  private server: http.Server | undefined;
  private ctx: InboundContext | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly name: string,
    private readonly settings: HttpInboundSettings,
    private readonly exchange: HttpExchange = plainHttpExchange,
  ) {
    this.type = exchange.type;
  }

  get state(): InboundState {
    return this.stats.snapshot();
  }

  async start(ctx: InboundContext): Promise<void> {
    if (this.server) throw new Error(`${this.type} inbound ${this.name} is already started`);
    this.ctx = ctx;
    const s = this.settings;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const p = this.handle(req, res);
      this.inFlight.add(p);
      p.finally(() => this.inFlight.delete(p));
    };
    // Node's own slow-request defence: a request not fully received in time gets 408. The check runs
    // every connectionsCheckingInterval, so that follows a short timeout.
    const timeouts: http.ServerOptions = {
      requestTimeout: s.requestTimeoutMs,
      headersTimeout: Math.min(60_000, s.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(
        30_000,
        Math.max(10, Math.floor(s.requestTimeoutMs / 4) || 30_000),
      ),
    };
    const server: http.Server = s.tls
      ? https.createServer(
          {
            ...(await loadServerTls(s.tls, `${this.type} inbound ${this.name}`)),
            ...timeouts,
            handshakeTimeout: s.requestTimeoutMs > 0 ? Math.min(s.requestTimeoutMs, 120_000) : 120_000,
          },
          handler,
        )
      : http.createServer(timeouts, handler);
    server.keepAliveTimeout = s.idleTimeoutMs;
    new ListenerGuard(this.name, s, this.stats, ctx.log).attach(server);
    server.on("connection", (socket: Socket) => {
      if (socket.destroyed) return; // refused by the guard
      this.stats.opened();
      socket.on("close", () => this.stats.closed());
    });
    server.on("tlsClientError", (err: Error, socket: TLSSocket) => {
      socket.destroy();
      ctx.log.warn({ connection: this.name, error: errorText(err) }, "TLS handshake failed");
    });
    await bindListener(server, s, this.stats, ctx.log, this);
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.stats.port = port;
    this.stats.status = "listening";
    ctx.log.info(
      { connection: this.name, transport: this.type, host: s.host, port, path: s.path, tls: !!s.tls },
      "inbound listening",
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => server.closeAllConnections(), this.settings.stopGraceMs);
    await Promise.allSettled([...this.inFlight]);
    server.closeIdleConnections();
    await closed;
    clearTimeout(grace);
    this.server = undefined;
    this.stats.status = "stopped";
    this.stats.port = undefined;
    this.ctx?.log.info({ connection: this.name, transport: this.type }, "inbound stopped");
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const ctx = this.ctx!;
    const remote = remoteOf(req.socket.remoteAddress, req.socket.remotePort);
    const path = (req.url ?? "/").split("?")[0];
    if (path !== this.settings.path) return plain(res, 404, "not found");
    if (this.settings.token !== undefined && !bearerMatches(req.headers.authorization, this.settings.token)) {
      res.setHeader("www-authenticate", "Bearer");
      ctx.log.warn({ connection: this.name, remote }, "request without a valid bearer token");
      return plain(res, 401, "unauthorized");
    }
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return plain(res, 405, "method not allowed");
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > this.settings.maxBodyBytes) return tooLarge(res, this.settings.maxBodyBytes);
    let body: Buffer;
    try {
      body = await readBody(req, this.settings.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) return tooLarge(res, this.settings.maxBodyBytes);
      ctx.log.debug({ connection: this.name, remote, error: errorText(err) }, "request aborted");
      return;
    }
    this.stats.bytesIn(body.length);
    const refused = this.exchange.refuse(body, req);
    if (refused) {
      ctx.log.debug(
        { connection: this.name, remote, status: refused.status },
        "request refused before intake",
      );
      return this.write(res, refused);
    }
    this.stats.message();
    let answer: HttpAnswer;
    try {
      const contentType = req.headers["content-type"];
      const r = await ctx.receive(body, {
        remote,
        transport: this.type,
        ...(contentType ? { contentType } : {}),
      });
      answer = this.exchange.answer(r, body);
    } catch (err) {
      // Nothing committed: the exchange's failure answer (a 5xx) tells the client to retry.
      this.stats.error(errorText(err));
      const fields = { connection: this.name, remote, error: errorText(err) };
      if (isStoreUnavailableError(err)) ctx.log.warn(fields, "store unavailable; answered without accepting");
      else ctx.log.error(fields, "intake failed");
      answer = this.exchange.failed(body);
    }
    this.write(res, answer);
  }

  private write(res: http.ServerResponse, a: HttpAnswer): void {
    if (!a.body) {
      res.writeHead(a.status).end();
      return;
    }
    res.writeHead(a.status, { "content-type": a.contentType ?? guessContentType(a.body) });
    res.end(a.body);
    this.stats.bytesOut(a.body.length);
  }
}

function text(status: number, message: string): HttpAnswer {
  return { status, contentType: "text/plain; charset=utf-8", body: Buffer.from(`${message}\n`) };
}

class BodyTooLarge extends Error {}

/** Constant-time comparison (hashes first, so lengths never leak through timing). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (!m) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(token));
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    req.on("aborted", () => reject(new Error("request aborted")));
  });
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
}

function tooLarge(res: http.ServerResponse, max: number): void {
  res.setHeader("connection", "close");
  plain(res, 413, `body exceeds ${max} bytes`);
}

export const httpConnector: ConnectorDefinition = {
  inbound: (name, raw) => new HttpInbound(name, readHttpInbound(name, raw)),
};
