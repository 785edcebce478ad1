/**
 * The connector contract. Connectors move bytes: they do not parse, persist or decide ACKs.
 * The pipeline's intake behind `InboundContext.receive` persists each payload durably and returns
 * the reply (ACK or NAK) only after commit; the connector's one job is to carry that reply back.
 */
import type { Log } from "../log.js";

/** Structured logger (pino-compatible subset). Never pass message bodies. */
export type ConnectorLog = Log;

export interface ReceiveMeta {
  /** `host:port` of the peer for socket transports; the sending outbound's name for loopback. */
  remote?: string;
  /** The connector type that received it (`mllp`, `tcp`, `http`, `soap`, `file`, `sftp`, `ftp`, `ftps`, `loopback`, `amqp`, `timer`, `dicom`). */
  transport: string;
  /** Polled inbounds (file, sftp, ftp, ftps): the source file's base name (may carry PHI: debug logs only). */
  filename?: string;
  /** HTTP and SOAP inbound: the request's Content-Type header; AMQP: the message's content-type property; DICOM: `application/dicom`. */
  contentType?: string;
}

export interface ReceiveResult {
  /** Bytes to send back (an ACK or NAK); absent when nothing is to be sent (ACK mode none). */
  reply?: Buffer;
  /** True when the payload was committed durably. A polled inbound only moves/deletes/remembers when true. */
  accepted: boolean;
  /** HTTP inbound: the response status (default 200 when accepted, 400 otherwise). */
  httpStatus?: number;
  /** HTTP inbound: the reply's Content-Type (default guessed from the reply's first bytes). */
  contentType?: string;
}

/** A payload the connector dropped before it could be handed to `receive` (so far: over the size limit). */
export interface InboundRejection {
  /** Stable code: `MLLP_FRAME_TOO_LARGE` (mllp framing) or `FRAME_TOO_LARGE` (other framings). */
  code: string;
  /** Short reason without payload content, e.g. `MLLP frame exceeds the 1048576-byte limit; frame dropped`. */
  message: string;
  /** Bytes of the frame seen when it was dropped (the sender may still be sending the rest). */
  bytesSeen: number;
  /**
   * The frame's first bytes, at most the size limit (and 64 KiB): normally the MSH segment, so the
   * intake can build an AR NAK that names the message (`buildNakFromBytes`). May be cut mid-segment.
   */
  head: Buffer;
}

export interface InboundContext {
  /** The inbound connection's name, e.g. `IB_ACME_ADT`. */
  name: string;
  /**
   * Hands one payload to the intake. Resolves after the durable commit (or with a NAK). A rejection
   * means nothing was committed: socket connectors then close the connection without replying, so the
   * sender retries; a File inbound leaves the file for the next poll.
   */
  receive(payload: Buffer, meta: ReceiveMeta): Promise<ReceiveResult>;
  /**
   * Optional: called (in reply order, between the payloads around it) when a socket inbound drops a
   * frame over `maxFrameBytes`. The intake records it (an ERROR message with the size note) and
   * resolves with the reply to send, normally an AR NAK. MLLP then keeps the connection open (the
   * decoder resynchronises on the next start block); other framings close it after the reply, as
   * the byte stream is out of step. A rejection closes the connection without a reply. When absent,
   * the connection is closed with a logged error and nothing is recorded.
   */
  reject?(reason: InboundRejection, meta: ReceiveMeta): Promise<{ reply?: Buffer }>;
  /**
   * Optional: epoch ms of this inbound's last committed message (undefined when none). A timer uses it
   * to tell whether a tick fell due while the engine was down.
   */
  lastReceivedAt?(): Promise<number | undefined>;
  log: ConnectorLog;
}

export type InboundStatus = "stopped" | "listening" | "error";

export interface InboundState {
  status: InboundStatus;
  /** Open connections now (socket transports). */
  connections: number;
  /** Connections accepted since start. */
  totalConnections: number;
  /** Connections closed at accept since start: over `maxConnections` or not in `allowFrom`. */
  refusedConnections?: number;
  bytesIn: number;
  bytesOut: number;
  /** Payloads handed to `receive`. */
  messages: number;
  /** Epoch ms of the last byte or payload seen. */
  lastActivity?: number;
  /** The last error, for health displays. */
  lastError?: string;
  /** Socket listeners: the bound port (useful with `port: 0`). */
  port?: number;
  /** Timer: ticks skipped because the previous tick's `receive` had not resolved. */
  skipped?: number;
}

export interface InboundConnector {
  readonly type: string;
  readonly name: string;
  start(ctx: InboundContext): Promise<void>;
  /** Graceful: stop accepting, let in-flight payloads finish and their replies go out, then close. */
  stop(): Promise<void>;
  readonly state: InboundState;
}

export interface SendMeta {
  /** The store's message id (stable across retries). */
  messageId: string;
  /** MSH-10 when the payload is HL7. */
  controlId?: string;
  /** Values for filename templates, e.g. `{ "MSH-10": "ABC123", messageId: "42" }`. */
  filenameHint?: Record<string, string>;
}

export type SendStatus = "ok" | "retry" | "permanent";

export interface SendResult {
  /** ok: delivered; retry: try again later (transport error, AE, timeout); permanent: dead-letter (AR). */
  status: SendStatus;
  /** The destination's reply (ACK bytes, HTTP body), stored with the delivery. */
  reply?: Buffer;
  /** A short reason without message content. */
  error?: string;
}

export type OutboundStatus = "idle" | "connected" | "error" | "closed";

export interface OutboundState {
  status: OutboundStatus;
  sent: number;
  failed: number;
  bytesOut: number;
  bytesIn: number;
  lastActivity?: number;
  lastError?: string;
}

export interface OutboundConnector {
  readonly type: string;
  readonly name: string;
  /** One call at a time per connector is the pipeline's lane; connectors also serialise internally. */
  send(payload: Buffer, meta: SendMeta): Promise<SendResult>;
  /** Finishes the in-flight send, then releases connections. */
  close(): Promise<void>;
  readonly state: OutboundState;
}

/** How a loopback inbound takes a payload handed over in-process. */
export type LoopbackReceiver = (payload: Buffer, meta: ReceiveMeta) => Promise<ReceiveResult>;

/**
 * The in-process exchange between connectors, by inbound name: loopback inbounds attach to it, loopback
 * outbounds and `reingressTo` deliver through it (implemented by loopback.ts's LoopbackHub).
 */
export interface Loopback {
  /** Throws when an inbound of that name is already attached. */
  attach(name: string, receiver: LoopbackReceiver): void;
  detach(name: string): void;
  isAttached(name: string): boolean;
  /** Hands `payload` to the named loopback inbound; rejects when it is not running. */
  deliver(to: string, payload: Buffer, from: string): Promise<ReceiveResult>;
}

/**
 * A durable value per connection (the store's connector cursors): a polling source's high-water mark.
 * Set it only after `receive` resolved for what it covers (at-least-once).
 */
export interface ConnectorCursors {
  get(conn: string): Promise<string | undefined>;
  set(conn: string, value: string): Promise<void>;
}

/** What a factory gets besides its settings. */
export interface ConnectorDeps {
  log: ConnectorLog;
  /** The in-process exchange for loopback inbounds and `reingressTo`. */
  loopback: Loopback;
  /** Durable cursors; absent outside an engine (a connector that needs them refuses to start). */
  cursors?: ConnectorCursors;
}

/** Settings as the config loader hands them over: env refs resolved, plain values. */
export type RawSettings = Readonly<Record<string, unknown>>;

export type InboundFactory = (name: string, settings: RawSettings, deps: ConnectorDeps) => InboundConnector;
export type OutboundFactory = (name: string, settings: RawSettings, deps: ConnectorDeps) => OutboundConnector;

export interface ConnectorDefinition {
  inbound?: InboundFactory;
  outbound?: OutboundFactory;
}
