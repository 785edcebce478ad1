/**
 * Transports: the connector registry and the built-in connectors (mllp, tcp, file, http, rest,
 * loopback, amqp, timer, soap, smtp, sftp, ftp, ftps, database, dicom, dicomweb). Connectors move bytes; the pipeline's intake persists and decides replies.
 */
export { readAmqpInbound, readAmqpOutbound } from "./amqp.js";
export type { AmqpInboundSettings, AmqpOutboundSettings } from "./amqp-broker.js";
export { AmqpInbound } from "./amqp-inbound.js";
export { AmqpOutbound } from "./amqp-outbound.js";

export { databaseConnector, readDatabaseInbound, readDatabaseOutbound } from "./database.js";
export type { DatabaseInboundSettings } from "./database-inbound.js";
export type { DatabaseOutboundSettings } from "./database-outbound.js";
export {
  DicomInbound,
  type DicomInboundSettings,
  DicomOutbound,
  type DicomOutboundSettings,
  dicomConnector,
  readDicomInbound,
  readDicomOutbound,
  STORAGE_SOP_CLASSES,
} from "./dicom.js";
export { type DicomKeyTags, dicomKeyTags, isPart10, readPart10 } from "./dicom-dataset.js";
export {
  DicomwebOutbound,
  type DicomwebOutboundSettings,
  dicomwebConnector,
  readDicomwebOutbound,
} from "./dicomweb.js";
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
export { FtpDir, type FtpServerSettings, type FtpTlsSettings, readFtpServer } from "./ftp.js";
export {
  type HttpAnswer,
  type HttpExchange,
  HttpInbound,
  type HttpInboundSettings,
  plainHttpExchange,
  readHttpInbound,
} from "./http.js";
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
export { PollingInbound, type PollSettings } from "./poll-inbound.js";
export type { PollSource, SourceEntry } from "./poll-source.js";
export {
  ConnectorRegistry,
  connectors,
  createInbound,
  createOutbound,
  registerConnector,
} from "./registry.js";
export { type RemoteDir, RemoteSource } from "./remote-dir.js";
export { RemoteOutbound, type RemoteOutboundSettings } from "./remote-outbound.js";
export { RestOutbound, type RestOutboundSettings, readRestOutbound, statusResult } from "./rest.js";
export {
  hostKeyFingerprint,
  readSftpServer,
  SftpDir,
  type SftpServerSettings,
} from "./sftp.js";
export { readSmtpOutbound, SmtpOutbound, type SmtpOutboundSettings } from "./smtp.js";
export { readSoapInbound, type SoapInboundSettings, soapInbound } from "./soap-inbound.js";
export { readSoapOutbound, SoapOutbound, type SoapOutboundSettings } from "./soap-outbound.js";
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
export { renderFilename, renderTemplate, TemplateError } from "./template.js";
export { readTimerInbound, renderTick, TimerInbound, type TimerInboundSettings } from "./timer.js";
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
export {
  readX12Inbound,
  readX12Outbound,
  type X12AckMode,
  X12Inbound,
  type X12InboundSettings,
  X12Outbound,
  type X12OutboundSettings,
  X12ReplyExchange,
  x12Acknowledgment,
  x12Connector,
  x12Framing,
} from "./x12.js";
