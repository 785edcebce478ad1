/**
 * AMQP 0-9-1 (RabbitMQ) connector. The source (amqp-inbound.ts) acks a delivery only after `receive`
 * resolved (the ingress commit); the destination (amqp-outbound.ts) counts a delivery done only after
 * the broker's publisher confirm. Settings and the connection: amqp-broker.ts.
 */
import {
  type AmqpInboundSettings,
  type AmqpOutboundSettings,
  EXCHANGE_TYPES,
  readBroker,
} from "./amqp-broker.js";
import { AmqpInbound } from "./amqp-inbound.js";
import { AmqpOutbound } from "./amqp-outbound.js";
import { SettingsReader } from "./settings.js";
import type { ConnectorDefinition, RawSettings } from "./types.js";

export function readAmqpInbound(name: string, raw: RawSettings): AmqpInboundSettings {
  const r = new SettingsReader(name, raw);
  const exchangeType = r.has("exchangeType") ? r.oneOf("exchangeType", EXCHANGE_TYPES, "direct") : undefined;
  const exchange = r.optStr("exchange");
  if (exchangeType && !exchange) r.fail("exchangeType", "needs an exchange");
  if (r.has("routingKey") && !exchange) r.fail("routingKey", "needs an exchange to bind to");
  return {
    ...readBroker(r),
    queue: r.str("queue"),
    declare: r.bool("declare", true),
    durable: r.bool("durable", true),
    ...(exchange ? { exchange } : {}),
    ...(exchangeType ? { exchangeType } : {}),
    routingKey: typeof raw.routingKey === "string" ? raw.routingKey : exchangeType === "topic" ? "#" : "",
    prefetch: r.int("prefetch", { def: 10, min: 1, max: 10_000 }),
  };
}

export function readAmqpOutbound(name: string, raw: RawSettings): AmqpOutboundSettings {
  const r = new SettingsReader(name, raw);
  const exchange = typeof raw.exchange === "string" ? raw.exchange : r.fail("exchange", "is required");
  const routingKey = typeof raw.routingKey === "string" ? raw.routingKey : "";
  if (exchange === "" && routingKey === "")
    r.fail("routingKey", "is required with the default exchange (it names the queue)");
  const exchangeType = r.has("exchangeType") ? r.oneOf("exchangeType", EXCHANGE_TYPES, "direct") : undefined;
  if (exchangeType && exchange === "") r.fail("exchangeType", "cannot declare the default exchange");
  return {
    ...readBroker(r),
    exchange,
    routingKey,
    ...(exchangeType ? { exchangeType } : {}),
    persistent: r.bool("persistent", true),
    mandatory: r.bool("mandatory", true),
    onRejected: r.oneOf("onRejected", ["retry", "deadLetter"] as const, "retry"),
    confirmTimeoutMs: r.int("confirmTimeoutMs", { def: 30_000, min: 1 }),
    ...(r.has("contentType") ? { contentType: r.str("contentType") } : {}),
  };
}

export const amqpConnector: ConnectorDefinition = {
  inbound: (name, raw, deps) => new AmqpInbound(name, readAmqpInbound(name, raw), deps.log),
  outbound: (name, raw, deps) => new AmqpOutbound(name, readAmqpOutbound(name, raw), deps.log),
};
