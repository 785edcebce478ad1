/**
 * AMQP settings and the broker connection both directions share. Credentials come from `username` /
 * `password` (an env() secret), never from the url: a url with a password is refused, and logs show
 * the url without user info.
 */
import amqp from "amqplib";
import { amqpUrlProblem } from "../graph/index.js";
import type { SettingsReader } from "./settings.js";
import { loadClientTls, readTlsClient, type TlsClientSettings } from "./tls.js";

/** What both directions need to reach the broker. */
export interface AmqpBrokerSettings {
  /** `amqp://host:5672/vhost` or `amqps://…` (TLS); no credentials in it. */
  url: string;
  username?: string;
  password?: string;
  /** Seconds between heartbeats (a silent broker is noticed within about two). Default 30; 0 = off. */
  heartbeatSec: number;
  /** TCP connect + AMQP open must finish within this. Default 10 s. */
  connectTimeoutMs: number;
  /** First reconnect delay after the broker went away, doubling up to `reconnectMaxMs`. Default 500 ms. */
  reconnectBaseMs: number;
  /** Default 30 s. */
  reconnectMaxMs: number;
  /** amqps: CA bundle, client certificate for mutual TLS, server name. */
  tls?: TlsClientSettings;
}

export type ExchangeType = "direct" | "topic" | "fanout" | "headers";
export const EXCHANGE_TYPES = ["direct", "topic", "fanout", "headers"] as const;

export interface AmqpInboundSettings extends AmqpBrokerSettings {
  /** The queue consumed. */
  queue: string;
  /** Declare the queue (and the exchange, when `exchangeType` is set) on connect. Default true. */
  declare: boolean;
  /** The queue (when declared) survives a broker restart. Default true. */
  durable: boolean;
  /** Bind the queue to this exchange (with `routingKey`) on connect. */
  exchange?: string;
  /** Declare `exchange` with this type (else it must exist). */
  exchangeType?: ExchangeType;
  /** Binding key for `exchange`. Default `""` (`#` for a topic exchange). */
  routingKey: string;
  /** Unacked deliveries the broker may hand over at once (1 = strictly one at a time). Default 10. */
  prefetch: number;
}

export interface AmqpOutboundSettings extends AmqpBrokerSettings {
  /** Template (`{messageType}`, `{MSH-10}`…); `""` is the default exchange (routing key = queue name). */
  exchange: string;
  /** Template, e.g. `hl7.{messageType}`. */
  routingKey: string;
  /** Declare `exchange` with this type on connect (else it must exist). */
  exchangeType?: ExchangeType;
  /** Persistent messages (delivery mode 2). Default true. */
  persistent: boolean;
  /** Ask the broker to return unroutable messages (basic.return). Default true. */
  mandatory: boolean;
  /** What a broker nack or an unroutable return becomes: `retry` (default) or `deadLetter`. */
  onRejected: "retry" | "deadLetter";
  /** Wait this long for the publisher confirm; then the connection is dropped and the send retried. */
  confirmTimeoutMs: number;
  /** The message's content-type property; default guessed from the payload. */
  contentType?: string;
}

export function readBroker(r: SettingsReader): AmqpBrokerSettings {
  const url = r.str("url");
  const why = amqpUrlProblem(url);
  if (why !== undefined) r.fail("url", why);
  const parsed = new URL(url);
  const username =
    r.optStr("username") ?? (parsed.username !== "" ? decodeURIComponent(parsed.username) : undefined);
  const password = r.optStr("password");
  if (password !== undefined && username === undefined) r.fail("password", "needs a username");
  const tls = readTlsClient(r);
  if (tls && parsed.protocol !== "amqps:") r.fail("tls", "needs an amqps: url");
  return {
    url,
    username,
    password,
    heartbeatSec: r.int("heartbeatSec", { def: 30, min: 0, max: 3600 }),
    connectTimeoutMs: r.int("connectTimeoutMs", { def: 10_000, min: 1 }),
    reconnectBaseMs: r.int("reconnectBaseMs", { def: 500, min: 1 }),
    reconnectMaxMs: r.int("reconnectMaxMs", { def: 30_000, min: 1 }),
    ...(tls ? { tls } : {}),
  };
}

/** The url as logs may show it: no user info, no query. */
export function safeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === "" ? "/" : u.pathname}`;
}

/** Opens a connection to the broker (TLS files read now, so a renewed certificate is used next time). */
export async function openBroker(s: AmqpBrokerSettings, connectionName: string): Promise<amqp.ChannelModel> {
  const u = new URL(s.url);
  const tls = u.protocol === "amqps:" ? await loadClientTls(s.tls ?? {}) : {};
  const vhost = u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : "/";
  return amqp.connect(
    {
      protocol: u.protocol.slice(0, -1),
      hostname: u.hostname.replace(/^\[|\]$/g, ""),
      port: u.port === "" ? (u.protocol === "amqps:" ? 5671 : 5672) : Number(u.port),
      vhost,
      heartbeat: s.heartbeatSec,
      // Both undefined: amqplib then logs in as guest/guest (RabbitMQ allows that from localhost only).
      ...(s.username !== undefined ? { username: s.username, password: s.password ?? "" } : {}),
    },
    {
      ...tls,
      timeout: s.connectTimeoutMs,
      noDelay: true,
      keepAlive: true,
      clientProperties: { connection_name: connectionName, product: "MessageFoundry" },
    },
  );
}

/**
 * Closes the connection, waiting at most `ms` for the broker's close-ok: a broker that went silent
 * (half-open TCP) would otherwise hold `stop()` until the heartbeat gives up. Then the socket is cut.
 */
export async function closeBroker(model: amqp.ChannelModel, ms = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = model.close().then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = await Promise.race([closed, late]);
  clearTimeout(timer);
  // The socket sits on amqplib's Connection, which its public ChannelModel type does not expose.
  if (!done) (model.connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}

/** `promise`, or undefined after `ms` (for broker round trips during a stop). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
