/**
 * MLLP connector: HL7 v2 over TCP with <VT>…<FS><CR> framing (optionally TLS). The inbound replies
 * with whatever the intake returns (the ACK after commit); the outbound reads the reply's MSA-1.
 */
import { mllpFraming } from "./framing.js";
import { SettingsReader } from "./settings.js";
import { readStreamInbound, StreamInbound, type StreamInboundSettings } from "./stream-inbound.js";
import { readStreamOutbound, StreamOutbound, type StreamOutboundSettings } from "./stream-outbound.js";
import type { ConnectorDefinition, ConnectorDeps, RawSettings } from "./types.js";

export type MllpInboundSettings = StreamInboundSettings;

export interface MllpOutboundSettings extends StreamOutboundSettings {
  /** Wait for an HL7 ACK and map its MSA-1 (default true); false: done once written. */
  expectAck: boolean;
}

export function readMllpInbound(name: string, raw: RawSettings): MllpInboundSettings {
  return readStreamInbound(new SettingsReader(name, raw));
}

export function readMllpOutbound(name: string, raw: RawSettings): MllpOutboundSettings {
  const r = new SettingsReader(name, raw);
  const s = { ...readStreamOutbound(r), expectAck: r.bool("expectAck", true) };
  if (s.reingressTo && !s.expectAck)
    r.fail("reingressTo", "needs expectAck = true (there is no reply to capture)");
  return s;
}

export function mllpInbound(name: string, settings: MllpInboundSettings): StreamInbound {
  return new StreamInbound("mllp", name, settings, mllpFraming);
}

export function mllpOutbound(
  name: string,
  settings: MllpOutboundSettings,
  deps: ConnectorDeps,
): StreamOutbound {
  const mode = settings.expectAck ? "ack" : "none";
  return new StreamOutbound("mllp", name, settings, mllpFraming, mode, deps.log, deps.loopback);
}

export const mllpConnector: ConnectorDefinition = {
  inbound: (name, raw) => mllpInbound(name, readMllpInbound(name, raw)),
  outbound: (name, raw, deps) => mllpOutbound(name, readMllpOutbound(name, raw), deps),
};
