/**
 * Raw TCP connector with a framing preset: `mllp`, `newline`, `length-prefixed` (4-byte big-endian)
 * or custom start/end bytes. Replies use the same framing as requests.
 */
import { type FramingSetting, framingFrom, readFraming } from "./framing.js";
import { SettingsReader } from "./settings.js";
import { readStreamInbound, StreamInbound, type StreamInboundSettings } from "./stream-inbound.js";
import {
  type ReplyMode,
  readStreamOutbound,
  StreamOutbound,
  type StreamOutboundSettings,
} from "./stream-outbound.js";
import type { ConnectorDefinition, ConnectorDeps, RawSettings } from "./types.js";

export interface TcpInboundSettings extends StreamInboundSettings {
  /** Default `newline`. */
  framing: FramingSetting;
}

export interface TcpOutboundSettings extends StreamOutboundSettings {
  /** Default `newline`. */
  framing: FramingSetting;
  /** none (default): done once written; raw: wait for one reply frame; ack: read an HL7 ACK's MSA-1. */
  reply: ReplyMode;
}

const REPLY_MODES = ["none", "raw", "ack"] as const;

export function readTcpInbound(name: string, raw: RawSettings): TcpInboundSettings {
  const r = new SettingsReader(name, raw);
  return { ...readStreamInbound(r), framing: readFraming(r, "newline") };
}

export function readTcpOutbound(name: string, raw: RawSettings): TcpOutboundSettings {
  const r = new SettingsReader(name, raw);
  const s = {
    ...readStreamOutbound(r),
    framing: readFraming(r, "newline"),
    reply: r.oneOf("reply", REPLY_MODES, "none"),
  };
  if (s.reingressTo && s.reply === "none") r.fail("reingressTo", 'needs reply = "raw" or "ack"');
  return s;
}

export function tcpInbound(name: string, settings: TcpInboundSettings): StreamInbound {
  return new StreamInbound("tcp", name, settings, framingFrom(settings.framing));
}

export function tcpOutbound(
  name: string,
  settings: TcpOutboundSettings,
  deps: ConnectorDeps,
): StreamOutbound {
  const framing = framingFrom(settings.framing);
  return new StreamOutbound("tcp", name, settings, framing, settings.reply, deps.log, deps.loopback);
}

export const tcpConnector: ConnectorDefinition = {
  inbound: (name, raw) => tcpInbound(name, readTcpInbound(name, raw)),
  outbound: (name, raw, deps) => tcpOutbound(name, readTcpOutbound(name, raw), deps),
};
