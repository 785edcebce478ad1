/**
 * Transports: the connector registry and the built-in connectors (mllp, tcp, file, http, rest,
 * loopback). Connectors move bytes; the pipeline's intake persists and decides replies.
 */

export { databaseConnector, readDatabaseInbound, readDatabaseOutbound } from "./database.js";
export type { DatabaseInboundSettings } from "./database-inbound.js";
export type { DatabaseOutboundSettings } from "./database-outbound.js";
export { ConnectorConfigError, FrameError, UnknownConnectorError } from "./errors.js";
export { readFileInbound, readFileOutbound } from "./file.js";
export type { FileInboundSettings } from "./file-inbound.js";
export { FileInbound } from "./file-inbound.js";
export type { FileOutboundSettings } from "./file-outbound.js";
export { FileOutbound } from "./file-outbound.js";
export {
  type DecodedFrame,
  type FrameDecoder,
  type FrameRejection,
  type Framing,
  type FramingSetting,
  framingFrom,
} from "./framing.js";
export { HttpInbound, type HttpInboundSettings, readHttpInbound } from "./http.js";
export {
  defaultLoopbackHub,
  LoopbackHub,
  LoopbackInbound,
  type LoopbackInboundSettings,
  LoopbackOutbound,
  type LoopbackOutboundSettings,
} from "./loopback.js";
export {
  type MllpInboundSettings,
  type MllpOutboundSettings,
  mllpInbound,
  mllpOutbound,
  readMllpInbound,
  readMllpOutbound,
} from "./mllp.js";
export {
  ConnectorRegistry,
  connectors,
  createInbound,
  createOutbound,
  registerConnector,
} from "./registry.js";
export { RestOutbound, type RestOutboundSettings, readRestOutbound, statusResult } from "./rest.js";
export type { StreamInboundSettings } from "./stream-inbound.js";
export type { StreamOutboundSettings } from "./stream-outbound.js";
export { ackResult, type ReplyMode } from "./stream-outbound.js";
export {
  readTcpInbound,
  readTcpOutbound,
  type TcpInboundSettings,
  type TcpOutboundSettings,
  tcpInbound,
  tcpOutbound,
} from "./tcp.js";
export { renderFilename, TemplateError } from "./template.js";
export type { TlsClientSettings, TlsServerSettings } from "./tls.js";
export type {
  ConnectorCursors,
  ConnectorDefinition,
  ConnectorDeps,
  ConnectorLog,
  InboundConnector,
  InboundContext,
  InboundFactory,
  InboundRejection,
  InboundState,
  InboundStatus,
  Loopback,
  LoopbackReceiver,
  OutboundConnector,
  OutboundFactory,
  OutboundState,
  OutboundStatus,
  RawSettings,
  ReceiveMeta,
  ReceiveResult,
  SendMeta,
  SendResult,
  SendStatus,
} from "./types.js";
