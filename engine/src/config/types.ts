/**
 * Authoring types: what a config module writes. Settings interfaces are closed (no index signature) so a
 * misspelt key is a TypeScript excess-property error in the user's editor.
 */
import type { EnvCast, EnvRef } from "../graph/index.js";
import type { Message } from "../hl7/index.js";
import type { RawMessage } from "./raw-message.js";

/** A value written literally or taken from the environment with env(). */
export type Setting<T> = T | EnvValue<T>;

/** What env() returns: an env reference, resolved per environment by the loader. */
export interface EnvValue<T> extends EnvRef {
  /** Phantom: the type the value has once resolved. */
  readonly __type?: T;
}

/** Secrets: only env() allowed — a literal is a type error. */
export type Secret = EnvValue<string>;

/** TLS with PEM file paths. A listener needs cert + key; a client may set ca/servername, or cert + key for mTLS. */
export interface TlsSettings {
  cert?: Setting<string>;
  key?: Setting<string>;
  ca?: Setting<string>;
  passphrase?: Secret;
  requireClientCert?: Setting<boolean>;
  servername?: Setting<string>;
  rejectUnauthorized?: Setting<boolean>;
  minVersion?: Setting<"TLSv1.2" | "TLSv1.3">;
}

/** Settings shared by MLLP and TCP (see graph/schemas.ts for what each does and its default). */
interface StreamSettings {
  host?: Setting<string>;
  port: Setting<number>;
  maxFrameBytes?: Setting<number>;
  idleTimeoutMs?: Setting<number>;
  frameTimeoutMs?: Setting<number>;
  maxConnections?: Setting<number>;
  allowFrom?: readonly Setting<string>[];
  ackTimeoutMs?: Setting<number>;
  connectTimeoutMs?: Setting<number>;
  reconnectBaseMs?: Setting<number>;
  reconnectMaxMs?: Setting<number>;
  keepAlive?: Setting<boolean>;
  reingressTo?: Setting<string>;
  tls?: TlsSettings;
}

export interface MllpSettings extends StreamSettings {
  expectAck?: Setting<boolean>;
}

export interface TcpSettings extends StreamSettings {
  framing?: Setting<"mllp" | "newline" | "length-prefixed">;
  delimiter?: Setting<string>;
  reply?: Setting<"none" | "raw" | "ack">;
}

/** X12 over TCP (see graph/schemas.ts): interchange framing, TA1/999 answers, synchronous replies. */
export interface X12Settings extends StreamSettings {
  framing?: Setting<"x12" | "mllp" | "newline" | "length-prefixed">;
  ack?: Setting<"none" | "ta1" | "999" | "ta1+999">;
  expectReply?: Setting<boolean>;
  ta1Required?: Setting<boolean>;
}

/** A polled directory (inbound) and a templated write target (outbound): local (file) or remote (sftp, ftp, ftps). */
export interface DirectorySettings {
  /** Directory to poll (inbound) / write to (outbound). */
  path: Setting<string>;
  pattern?: Setting<string>;
  pollMs?: Setting<number>;
  stableMs?: Setting<number>;
  moveTo?: Setting<string>;
  errorTo?: Setting<string>;
  maxFileBytes?: Setting<number>;
  filename?: Setting<string>;
}

export interface FileSettings extends DirectorySettings {
  deleteAfterRead?: Setting<boolean>;
  onExists?: Setting<"suffix" | "overwrite" | "wait">;
  fsync?: Setting<boolean>;
  encoding?: Setting<"utf-8" | "latin1" | "ascii">;
}

export interface HttpSettings {
  host?: Setting<string>;
  port: Setting<number>;
  path?: Setting<string>;
  maxBodyBytes?: Setting<number>;
  idleTimeoutMs?: Setting<number>;
  requestTimeoutMs?: Setting<number>;
  maxConnections?: Setting<number>;
  allowFrom?: readonly Setting<string>[];
  tls?: TlsSettings;
  token?: Secret;
}

export interface RestSettings {
  url: Setting<string>;
  method?: Setting<"POST" | "PUT" | "PATCH">;
  headers?: Record<string, Setting<string>>;
  timeoutMs?: Setting<number>;
  maxResponseBytes?: Setting<number>;
  username?: Setting<string>;
  password?: Secret;
  token?: Secret;
  reingressTo?: Setting<string>;
}

/** TLS for a client (amqps, databases): PEM file paths. */
export interface TlsClientSettings {
  ca?: Setting<string>;
  cert?: Setting<string>;
  key?: Setting<string>;
  passphrase?: Secret;
  servername?: Setting<string>;
  rejectUnauthorized?: Setting<boolean>;
  minVersion?: Setting<"TLSv1.2" | "TLSv1.3">;
}

/** AMQP 0-9-1 (RabbitMQ); see graph/schemas.ts for what each does and its default. */
export interface AmqpSettings {
  url: Setting<string>;
  username?: Setting<string>;
  password?: Secret;
  /** Inbound: the queue consumed (required for an inbound). */
  queue?: Setting<string>;
  declare?: Setting<boolean>;
  durable?: Setting<boolean>;
  /** Inbound: bind the queue to it. Outbound: publish to it (template; "" = default exchange). */
  exchange?: Setting<string>;
  exchangeType?: Setting<"direct" | "topic" | "fanout" | "headers">;
  routingKey?: Setting<string>;
  prefetch?: Setting<number>;
  persistent?: Setting<boolean>;
  mandatory?: Setting<boolean>;
  onRejected?: Setting<"retry" | "deadLetter">;
  confirmTimeoutMs?: Setting<number>;
  contentType?: Setting<string>;
  heartbeatSec?: Setting<number>;
  connectTimeoutMs?: Setting<number>;
  reconnectBaseMs?: Setting<number>;
  reconnectMaxMs?: Setting<number>;
  tls?: TlsClientSettings;
}

/** A schedule: exactly one of `cron` or `intervalMs`. */
export type TimerSettings = (
  | { cron: Setting<string>; intervalMs?: never; timezone?: Setting<string> }
  | { intervalMs: Setting<number>; cron?: never; timezone?: never }
) & {
  /** Template: {tick}, {scheduled}, {epochMs}, {seq}, {name}; default a JSON object. */
  payload?: Setting<string>;
  fireOnStartIfMissed?: Setting<boolean>;
};
/** SOAP: inbound = a listener (the HTTP settings + responseBody); outbound = a SOAP client. */
export interface SoapSettings {
  host?: Setting<string>;
  port?: Setting<number>;
  path?: Setting<string>;
  maxBodyBytes?: Setting<number>;
  idleTimeoutMs?: Setting<number>;
  requestTimeoutMs?: Setting<number>;
  maxConnections?: Setting<number>;
  allowFrom?: readonly Setting<string>[];
  token?: Secret;
  responseBody?: Setting<string>;
  url?: Setting<string>;
  wsdl?: Setting<string>;
  wsdlService?: Setting<string>;
  wsdlPort?: Setting<string>;
  operation?: Setting<string>;
  namespace?: Setting<string>;
  soapAction?: Setting<string>;
  version?: Setting<"1.1" | "1.2">;
  mode?: Setting<"envelope" | "wrap">;
  wsAddressing?: Setting<boolean>;
  /** Extra HTTP headers: values only from env(). */
  headers?: Record<string, Secret>;
  username?: Setting<string>;
  password?: Secret;
  timeoutMs?: Setting<number>;
  maxResponseBytes?: Setting<number>;
  reingressTo?: Setting<string>;
  tls?: TlsSettings;
}

export interface SmtpSettings {
  host: Setting<string>;
  port?: Setting<number>;
  security?: Setting<"tls" | "starttls" | "opportunistic">;
  tls?: TlsSettings;
  username?: Setting<string>;
  password?: Secret;
  from: Setting<string>;
  to: Setting<string>;
  cc?: Setting<string>;
  bcc?: Setting<string>;
  subject?: Setting<string>;
  body?: Setting<"text" | "attachment">;
  text?: Setting<string>;
  attachmentName?: Setting<string>;
  attachmentType?: Setting<string>;
  timeoutMs?: Setting<number>;
}

/** Settings the remote file transports (sftp, ftp, ftps) share. */
export interface RemoteFileSettings extends DirectorySettings {
  host: Setting<string>;
  port?: Setting<number>;
  username?: Setting<string>;
  password?: Secret;
  connectTimeoutMs?: Setting<number>;
  timeoutMs?: Setting<number>;
  afterRead?: Setting<"move" | "delete" | "leave">;
  /** Required for `afterRead: "leave"`: a local file remembering what was read. */
  rememberFile?: Setting<string>;
  onExists?: Setting<"suffix" | "overwrite">;
}

export interface SftpSettings extends RemoteFileSettings {
  username: Setting<string>;
  privateKey?: Secret;
  passphrase?: Secret;
  /** `SHA256:…` of the server's host key, or `"insecure-accept-any"`. */
  hostKey: Setting<string>;
}

export type FtpSettings = RemoteFileSettings;

export interface FtpsSettings extends RemoteFileSettings {
  mode?: Setting<"explicit" | "implicit">;
  tls?: {
    ca?: Setting<string>;
    caPem?: Secret;
    servername?: Setting<string>;
    rejectUnauthorized?: Setting<boolean>;
  };
}
/** PostgreSQL or MySQL/MariaDB: a polling source (`query`) or a destination of named `statements`. */
export interface DatabaseSettings {
  dialect?: Setting<"postgres" | "mysql" | "mariadb">;
  host: Setting<string>;
  port?: Setting<number>;
  database: Setting<string>;
  user: Setting<string>;
  password?: Secret;
  tls?: TlsClientSettings;
  poolSize?: Setting<number>;
  connectTimeoutMs?: Setting<number>;
  query?: Setting<string>;
  pollIntervalMs?: Setting<number>;
  markColumn?: Setting<string>;
  markStart?: Setting<string>;
  markProcessed?: Setting<string>;
  payloadColumn?: Setting<string>;
  statements?: Record<string, Setting<string>>;
  maxReplyRows?: Setting<number>;
}

/** What a handler sends to a database outbound: a declared statement's name and its params. */
export interface DbStatement {
  readonly statement: string;
  readonly params?: Readonly<Record<string, DbParam>> | readonly DbParam[];
}

/** A statement parameter: JSON values (objects and arrays are sent as JSON text). */
export type DbParam =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly unknown[]
  | { readonly [k: string]: unknown };

/**
 * DICOM DIMSE. Inbound: a C-STORE / C-ECHO SCP on `port` answering to `aeTitle`. Outbound: a C-STORE
 * SCU to `host`:`port`, AE `calledAeTitle`.
 */
export interface DicomSettings {
  host?: Setting<string>;
  port: Setting<number>;
  /** Inbound: the called AE title(s) this SCP answers to. */
  aeTitle?: Setting<string>;
  /** Inbound: calling AE titles allowed (default any). */
  callingAeTitles?: readonly Setting<string>[];
  /** Inbound: storage SOP class UIDs accepted (default the common storage classes). */
  sopClasses?: readonly Setting<string>[];
  /** Inbound: transfer syntax UIDs accepted (default the first one proposed). */
  transferSyntaxes?: readonly Setting<string>[];
  /** Inbound: largest instance in bytes (default 64 MiB, at most 512 MiB). */
  maxBytes?: Setting<number>;
  maxConnections?: Setting<number>;
  allowFrom?: readonly Setting<string>[];
  idleTimeoutMs?: Setting<number>;
  maxPduLength?: Setting<number>;
  /** Outbound: the peer's AE title. */
  calledAeTitle?: Setting<string>;
  /** Outbound: ours (default MEFOR). */
  callingAeTitle?: Setting<string>;
  connectTimeoutMs?: Setting<number>;
  responseTimeoutMs?: Setting<number>;
  idleReleaseMs?: Setting<number>;
}

/** DICOMweb STOW-RS outbound: each message (a Part-10 file) is POSTed to `url` + `/studies`. */
export interface DicomwebSettings {
  /** The DICOMweb root, e.g. `https://pacs.example.org/dicom-web`. */
  url: Setting<string>;
  headers?: Record<string, Setting<string>>;
  timeoutMs?: Setting<number>;
  maxResponseBytes?: Setting<number>;
  username?: Setting<string>;
  password?: Secret;
  token?: Secret;
}

export interface LoopbackSettings {
  target?: Setting<string>;
}

export interface TransportSettingsMap {
  mllp: MllpSettings;
  tcp: TcpSettings;
  file: FileSettings;
  http: HttpSettings;
  rest: RestSettings;
  loopback: LoopbackSettings;
  amqp: AmqpSettings;
  timer: TimerSettings;
  soap: SoapSettings;
  smtp: SmtpSettings;
  sftp: SftpSettings;
  ftp: FtpSettings;
  ftps: FtpsSettings;
  database: DatabaseSettings;
  dicom: DicomSettings;
  dicomweb: DicomwebSettings;
  x12: X12Settings;
}

/** What a connection factory returns; passed to inbound()/outbound(). */
export interface Connection<T extends keyof TransportSettingsMap = keyof TransportSettingsMap> {
  readonly transport: T;
  readonly settings: TransportSettingsMap[T];
}

/** Connections that can listen / poll for inbound traffic. */
export type InboundConnection = Connection<
  | "mllp"
  | "tcp"
  | "file"
  | "http"
  | "loopback"
  | "amqp"
  | "timer"
  | "soap"
  | "sftp"
  | "ftp"
  | "ftps"
  | "database"
  | "dicom"
  | "x12"
>;
/** Connections that can deliver. */
export type OutboundConnection = Connection<
  | "mllp"
  | "tcp"
  | "file"
  | "rest"
  | "loopback"
  | "amqp"
  | "soap"
  | "smtp"
  | "sftp"
  | "ftp"
  | "ftps"
  | "database"
  | "dicom"
  | "dicomweb"
  | "x12"
>;

export type ContentType = "hl7v2" | "json" | "xml" | "x12" | "text" | "binary" | "dicom";
export type AckMode = "original" | "enhanced" | "none";

export interface InboundOptions {
  /** Name of the router that sees every message from this inbound. */
  router: string;
  /** Default `hl7v2`: routers get a `Message`; anything else gives a `RawMessage`. */
  contentType?: ContentType;
  /** HL7 acknowledgement mode (default `original`; `none` sends no ACK). */
  ack?: AckMode;
  /** Opt-in strict HL7 validation (NAK on failure). */
  strict?: boolean;
  /** HL7 version to validate against when strict (defaults to MSH-12). */
  hl7Version?: string;
  /**
   * While the store is unavailable (PostgreSQL restarting), how long a received payload is held unACKed
   * waiting for its commit before the connection is closed without a reply (the sender resends).
   * Default 30000 ms.
   */
  storeWaitMs?: number;
  /**
   * HL7 fields whose values are indexed for search (e.g. `["PID-3.1", "MSH-10"]`): stored as keyed
   * HMACs (MEFOR_INDEX_KEY), never in the clear; `GET /messages?identifier=` finds them.
   */
  identifiers?: string[];
  /**
   * Duplicate detection (opt-in): the same MSH-10 from the same sender (MSH-3/MSH-4) within
   * `windowMinutes` is recorded as DUPLICATE and not routed again; `action` says whether the sender
   * gets an AA (default) or an AR naming the original.
   */
  duplicates?: DuplicateOptions;
  description?: string;
}

export interface DuplicateOptions {
  windowMinutes: number;
  action?: "ack" | "reject";
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  multiplier: number;
  capMs: number;
}

export interface OutboundOptions {
  retry?: Partial<RetryPolicy>;
  /**
   * `fifo` (default): strictly in order per destination — a message being retried holds the rest.
   * `unordered`: a message backing off after a failure is passed by the ones behind it.
   */
  ordering?: "fifo" | "unordered";
  contentType?: ContentType;
  description?: string;
}

export type AnyMessage = Message | RawMessage;

/** A delivery: payload for one outbound. */
export interface Send {
  readonly kind: "send";
  readonly outbound: string;
  readonly payload: Buffer | string;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a router written with no return statement returns void
export type RouterResult = string | readonly string[] | null | undefined | void;
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that filters by not returning returns void
export type HandlerResult = Send | readonly Send[] | null | undefined | void;

export type RouterFn<M extends AnyMessage = Message> = (msg: M) => RouterResult | Promise<RouterResult>;
export type HandlerFn<M extends AnyMessage = Message> = (msg: M) => HandlerResult | Promise<HandlerResult>;

/** Casts accepted by env(): the graph's cast names or the JS constructors. */
export type CastArg = EnvCast | NumberConstructor | StringConstructor | BooleanConstructor;

export type CastResultType<C> = C extends NumberConstructor | "int" | "float"
  ? number
  : C extends BooleanConstructor | "bool"
    ? boolean
    : C extends "json"
      ? unknown
      : string;

/**
 * A code set from codesets/<name>.(toml|json|csv): code → value lookups. The row whose code is `*` is the
 * set's default (for codes not in the table); it is not one of the entries.
 */
export interface CodeSet {
  readonly name: string;
  /** How many codes the table maps (the default row not counted). */
  readonly size: number;
  /** The value of the default row (`*`), if the file has one. */
  readonly default: string | undefined;
  /** The code's value in the table (the default is not applied). */
  get(code: string): string | undefined;
  has(code: string): boolean;
  /** The code's value; when unmapped: `fallback` if given, else the set's default, else the code itself. */
  map(code: string, fallback?: string): string;
  entries(): [string, string][];
}

/**
 * `when` of an alert: the connection it watches and exactly one condition. Durations are text with a
 * unit: "30s", "5m", "2h", "14d".
 */
export type AlertWhen = { connection: string } & (
  | { down: string }
  | { backlogAbove: number }
  | { backlogOlderThan: string }
  | { deadLetters: true | number }
  | { errorRateAbove: number; window?: string }
  | { certExpiresWithin: string }
);

export interface AlertSpec {
  when: AlertWhen;
  /** Outbound(s) the notices go out through (REST/HTTP webhook, MLLP, file…); the engine log always gets them. */
  notify?: string | readonly string[];
  /** While the alert stays active, send it again this often (default "1h"). */
  renotify?: string;
}
