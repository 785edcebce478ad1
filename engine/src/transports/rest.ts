/**
 * REST outbound over the global fetch: 2xx ok; 408, 429, 5xx and network errors retry; other
 * statuses are permanent (the request itself is wrong, resending cannot help). Redirects are not
 * followed: a 3xx is permanent with its Location in the error. The response body is read up to
 * `maxResponseBytes`: past that the rest is discarded unread, the outcome still follows the status
 * (the request was delivered; a retry would send it again), the recorded reply is cut at the limit,
 * `error` says so, and a cut reply is never re-ingressed.
 */
import { errorText } from "./errors.js";
import { reingressReply } from "./loopback.js";
import { SettingsReader } from "./settings.js";
import { OutboundStats } from "./stats.js";
import type {
  ConnectorDefinition,
  ConnectorLog,
  Loopback,
  OutboundConnector,
  OutboundState,
  RawSettings,
  SendMeta,
  SendResult,
} from "./types.js";
import { guessContentType, SerialQueue } from "./util.js";

export interface RestOutboundSettings {
  url: string;
  /** Default POST. */
  method: "POST" | "PUT" | "PATCH";
  /** Extra request headers (e.g. Authorization). Content-Type defaults to a guess from the body. */
  headers: Record<string, string>;
  /** Sent as `Authorization: Bearer …` (from env()). */
  token?: string;
  /** Sent as HTTP Basic authorization (password from env()). */
  username?: string;
  password?: string;
  /** Whole-request timeout; expiry retries. Default 30 s. */
  timeoutMs: number;
  /** Largest response body read and recorded; the rest is discarded. Default 1 MiB. */
  maxResponseBytes: number;
  /** Name of a loopback inbound to hand each 2xx response body to. */
  reingressTo?: string;
}

export function readRestOutbound(name: string, raw: RawSettings): RestOutboundSettings {
  const r = new SettingsReader(name, raw);
  const url = r.str("url");
  const parsed = URL.canParse(url)
    ? new URL(url)
    : r.fail("url", `is not a valid URL (got ${JSON.stringify(url)})`);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") r.fail("url", "must be http: or https:");
  const headers = r.stringMap("headers");
  const token = r.optStr("token");
  const username = r.optStr("username");
  const password = r.optStr("password");
  if ((username === undefined) !== (password === undefined)) r.fail("username", "and password go together");
  const explicit = Object.keys(headers).some((k) => k.toLowerCase() === "authorization");
  if ([token !== undefined, username !== undefined, explicit].filter(Boolean).length > 1) {
    r.fail("token", "use one of token, username/password or an Authorization header");
  }
  return {
    url,
    method: r.oneOf("method", ["POST", "PUT", "PATCH"] as const, "POST"),
    headers,
    token,
    username,
    password,
    timeoutMs: r.int("timeoutMs", { def: 30_000, min: 1 }),
    maxResponseBytes: r.int("maxResponseBytes", { def: 1024 * 1024, min: 1 }),
    reingressTo: r.optStr("reingressTo"),
  };
}

/** What `settleHttpDelivery` needs of an HTTP-style outbound (REST, SOAP). */
export interface HttpDeliverer {
  readonly name: string;
  readonly reingressTo: string | undefined;
  readonly hub: Loopback;
  readonly log: ConnectorLog;
  readonly stats: OutboundStats;
}

/**
 * After an HTTP-style request: hands an accepted reply to `reingressTo` (never a reply cut at
 * maxResponseBytes), counts the outcome and logs it (ids and error only). Returns `result`.
 */
export async function settleHttpDelivery(
  result: SendResult,
  truncated: boolean,
  ob: HttpDeliverer,
  messageId: string,
): Promise<SendResult> {
  const to = ob.reingressTo;
  if (to && truncated && result.status === "ok") result.error = `${result.error}; not re-ingressed`;
  else if (to) await reingressReply(ob.hub, result, { to, from: ob.name, messageId, log: ob.log });
  ob.stats.result(result.status === "ok", result.error);
  const fields = { connection: ob.name, messageId, status: result.status };
  if (result.status === "ok") ob.log.debug(fields, "delivered");
  // The delivery worker logs the outcome at info+ by class; the text may quote the reply or a Location.
  else ob.log.debug({ ...fields, error: result.error }, "delivery failed");
  return result;
}

/** Maps an HTTP status to a delivery outcome. */
export function statusResult(status: number): SendResult["status"] {
  if (status >= 200 && status < 300) return "ok";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "permanent";
}

/**
 * An HTTP-style outbound (REST, SOAP): one request in flight (lane order), each settled by
 * `settleHttpDelivery` (re-ingress of the reply, counts, logs). A subclass only makes the request.
 */
export abstract class HttpOutbound implements OutboundConnector {
  abstract readonly type: string;
  protected readonly stats = new OutboundStats();
  private readonly queue = new SerialQueue();
  protected readonly closing = new AbortController();

  constructor(
    readonly name: string,
    private readonly reingressTo: string | undefined,
    protected readonly log: ConnectorLog,
    protected readonly hub: Loopback,
  ) {}

  get state(): OutboundState {
    return this.stats.snapshot();
  }

  send(payload: Buffer, meta: SendMeta): Promise<SendResult> {
    return this.queue.run(async () => {
      const { result, truncated } = await this.request(payload);
      const { name, hub, log, stats, reingressTo } = this;
      return settleHttpDelivery(result, truncated, { name, hub, log, stats, reingressTo }, meta.messageId);
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    this.closing.abort();
    this.stats.status = "closed";
  }

  /** Sends one payload; `truncated` when the reply was cut at maxResponseBytes. */
  protected abstract request(payload: Buffer): Promise<{ result: SendResult; truncated: boolean }>;
}

export class RestOutbound extends HttpOutbound {
  readonly type = "rest";

  constructor(
    name: string,
    private readonly settings: RestOutboundSettings,
    log: ConnectorLog,
    hub: Loopback,
  ) {
    super(name, settings.reingressTo, log, hub);
  }

  protected async request(payload: Buffer): Promise<{ result: SendResult; truncated: boolean }> {
    const s = this.settings;
    const headers = new Headers(s.headers);
    if (!headers.has("content-type")) headers.set("content-type", guessContentType(payload));
    if (s.token) headers.set("authorization", `Bearer ${s.token}`);
    if (s.username !== undefined) {
      headers.set("authorization", `Basic ${Buffer.from(`${s.username}:${s.password}`).toString("base64")}`);
    }
    const signal = AbortSignal.any([AbortSignal.timeout(s.timeoutMs), this.closing.signal]);
    this.stats.bytesOut(payload.length);
    try {
      // Payloads are never SharedArrayBuffer-backed; the cast only narrows Buffer's generic for BodyInit.
      const body = payload as Uint8Array<ArrayBuffer>;
      // Never follow redirects: a 301/302/303 would turn the POST into a body-less GET and the
      // message would count as delivered. A 3xx is reported (permanent) for a human to fix the url.
      const res = await fetch(s.url, { method: s.method, headers, body, signal, redirect: "manual" });
      const { body: reply, truncated } = await readAtMost(res, s.maxResponseBytes);
      this.stats.bytesIn(reply.length);
      this.stats.status = "connected";
      const status = statusResult(res.status);
      const location = res.headers.get("location");
      const error =
        res.status >= 300 && res.status < 400 && location !== null
          ? `HTTP ${res.status} → ${location}`
          : `HTTP ${res.status}`;
      const cut = truncated ? `response body over maxResponseBytes (${s.maxResponseBytes}); reply cut` : "";
      const text = status === "ok" ? cut : cut ? `${error}; ${cut}` : error;
      const result: SendResult = {
        status,
        ...(reply.length ? { reply } : {}),
        ...(text ? { error: text } : {}),
      };
      return { result, truncated };
    } catch (err) {
      this.stats.status = "error";
      const text =
        err instanceof Error && err.name === "TimeoutError"
          ? `no response within ${s.timeoutMs} ms`
          : netError(err);
      return { result: { status: "retry", error: text }, truncated: false };
    }
  }
}

/** Reads `res`'s body up to `max` bytes; a longer one is cancelled there (the rest is never read). */
export async function readAtMost(res: Response, max: number): Promise<{ body: Buffer; truncated: boolean }> {
  if (!res.body) return { body: Buffer.alloc(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: Buffer.concat(chunks, total), truncated: false };
    const take = Math.min(value.byteLength, max - total);
    chunks.push(Buffer.from(value.buffer, value.byteOffset, take));
    total += take;
    if (take < value.byteLength) {
      await reader.cancel().catch(() => undefined);
      return { body: Buffer.concat(chunks, total), truncated: true };
    }
  }
}

/** fetch wraps socket errors as `TypeError: fetch failed` with the real one in `cause`. */
export function netError(err: unknown): string {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  return cause ? errorText(cause) : errorText(err);
}

export const restConnector: ConnectorDefinition = {
  outbound: (name, raw, deps) => new RestOutbound(name, readRestOutbound(name, raw), deps.log, deps.loopback),
};
