/**
 * One JSON Schema per transport, as plain JSON data: the factories, the connections.toml editor and the
 * language server all validate against these. `x-mf-secret` marks settings that may only come from env();
 * `x-mf-required-outbound` / `x-mf-required-inbound` list settings required only in that direction;
 * `x-mf-exactly-one` lists settings of which exactly one must be given. A setting whose description starts
 * with `Inbound:` / `Outbound:` (and names no other direction) is for that direction only: the connections
 * editor shows it only there.
 *
 * Adding a setting or a transport — change together:
 *  1. the schema here (the rule MF-SETTINGS-SCHEMA, the TOML editor and the language server follow);
 *  2. the matching settings interface in config/types.ts (so a typo stays a TypeScript error);
 *  3. a factory in config/api.ts for a new transport, and its connector in transports/.
 */

import { isEnvRef } from "./env.js";
import type { EnvRef, RegistryGraph } from "./types.js";

export interface JsonSchema {
  type?: "string" | "integer" | "number" | "boolean" | "object" | "array";
  description?: string;
  enum?: readonly (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  default?: unknown;
  /**
   * `ip-or-cidr`: an IPv4/IPv6 address or CIDR block (see address.ts); `cron`, `timezone`, `amqp-url`:
   * see formats.ts; `ssh-host-key`: a SHA-256 host key fingerprint or `insecure-accept-any` (host-key.ts).
   */
  format?: "ip-or-cidr" | "cron" | "timezone" | "amqp-url" | "ssh-host-key" | "hl7-field-path";
  "x-mf-secret"?: boolean;
  "x-mf-required-outbound"?: readonly string[];
  "x-mf-required-inbound"?: readonly string[];
  /** Exactly one of these settings must be given (e.g. the timer's `cron` or `intervalMs`). */
  "x-mf-exactly-one"?: readonly string[];
  /** `require` must be set when `key` equals `equals` (e.g. rememberFile when afterRead is "leave"). */
  "x-mf-required-when"?: readonly { key: string; equals: string; require: string }[];
  /** At least one key of each group must be set (e.g. password or privateKey). */
  "x-mf-any-of"?: readonly (readonly string[])[];
  /** Which directions may use this transport. */
  "x-mf-directions"?: readonly ("inbound" | "outbound")[];
}

const port: JsonSchema = { type: "integer", minimum: 1, maximum: 65535, description: "TCP port" };
const host: JsonSchema = {
  type: "string",
  minLength: 1,
  description: "Host name or IP (inbound: bind address, default 0.0.0.0)",
};
const timeoutMs: JsonSchema = { type: "integer", minimum: 1, description: "Timeout in milliseconds" };
const durationMs: JsonSchema = { type: "integer", minimum: 0, description: "Milliseconds (0 = off)" };

/** Limits every listener (MLLP, TCP, HTTP inbound) shares; README "Listener limits" says the defaults. */
const listenerLimits = {
  maxConnections: {
    type: "integer",
    minimum: 0,
    default: 100,
    description:
      "Inbound: most concurrent client connections; more are closed at once, counted and logged (0 = no limit)",
  },
  allowFrom: {
    type: "array",
    items: { type: "string", format: "ip-or-cidr" },
    description:
      "Inbound: client addresses or CIDR blocks allowed to connect (e.g. 10.20.0.0/16); others are closed at accept. Unset: any",
  },
} satisfies Record<string, JsonSchema>;

/** TLS for a listener (MLLP, TCP, HTTP inbound): PEM file paths. */
const tlsServer: JsonSchema = {
  type: "object",
  description: "Serve TLS with this certificate and key (PEM file paths)",
  properties: {
    cert: { type: "string", minLength: 1, description: "Certificate chain (PEM file path)" },
    key: { type: "string", minLength: 1, description: "Private key (PEM file path)" },
    ca: { type: "string", minLength: 1, description: "CA bundle to verify client certificates" },
    passphrase: { type: "string", minLength: 1, "x-mf-secret": true },
    requireClientCert: { type: "boolean", default: false, description: "Mutual TLS" },
    minVersion: { type: "string", enum: ["TLSv1.2", "TLSv1.3"], default: "TLSv1.2" },
  },
  required: ["cert", "key"],
  additionalProperties: false,
};

/**
 * TLS for a stream connection (MLLP, TCP): a listener needs cert + key (the connector checks that);
 * a client may add ca / servername / rejectUnauthorized, or cert + key for mutual TLS.
 */
const tlsStream: JsonSchema = {
  type: "object",
  description: "TLS: inbound {cert, key, ca?, requireClientCert?}; outbound {ca?, servername?, cert?, key?}",
  properties: {
    ...tlsServer.properties,
    servername: {
      type: "string",
      minLength: 1,
      description: "Outbound: name expected in the server certificate",
    },
    rejectUnauthorized: { type: "boolean", default: true, description: "Outbound: refuse untrusted servers" },
  },
  additionalProperties: false,
};

/** Settings shared by the stream transports (MLLP and TCP), inbound and outbound. */
const streamProperties = {
  host,
  port,
  maxFrameBytes: {
    type: "integer",
    minimum: 1,
    default: 16777216,
    description:
      "Largest accepted frame, and so each connection's buffer; a larger inbound frame is dropped and answered AR (MLLP)",
  },
  idleTimeoutMs: {
    ...durationMs,
    default: 0,
    description:
      "Inbound: close a connection quiet this long between messages (0 = never; senders may stay for hours)",
  },
  frameTimeoutMs: {
    ...durationMs,
    default: 60000,
    description:
      "Inbound: a frame begun must end within this long, else the connection is closed unanswered (0 = off)",
  },
  ...listenerLimits,
  ackTimeoutMs: { ...timeoutMs, default: 30000, description: "Outbound: wait this long for the reply" },
  connectTimeoutMs: { ...timeoutMs, default: 10000 },
  reconnectBaseMs: { ...durationMs, default: 500, description: "Outbound: first reconnect delay" },
  reconnectMaxMs: { ...durationMs, default: 30000, description: "Outbound: longest reconnect delay" },
  keepAlive: { type: "boolean", default: true },
  reingressTo: {
    type: "string",
    minLength: 1,
    description: "Outbound: hand the reply to this loopback inbound",
  },
  tls: tlsStream,
} satisfies Record<string, JsonSchema>;

/** TLS for a client (amqps, databases): whom to trust, how to verify, and a certificate for mutual TLS. */
const tlsClient: JsonSchema = {
  type: "object",
  description: "TLS client settings (PEM file paths): ca to trust, cert + key for mutual TLS",
  properties: {
    ca: { type: "string", minLength: 1, description: "CA bundle to verify the server (PEM file path)" },
    cert: { type: "string", minLength: 1, description: "Client certificate for mutual TLS (PEM file path)" },
    key: { type: "string", minLength: 1, description: "Client private key (PEM file path)" },
    passphrase: { type: "string", minLength: 1, "x-mf-secret": true },
    servername: {
      type: "string",
      minLength: 1,
      description:
        "Name expected in the server certificate (mysql checks the host instead: give a name, not an IP, to have it checked)",
    },
    rejectUnauthorized: {
      type: "boolean",
      default: true,
      description: "Refuse untrusted servers (turn off only for test rigs)",
    },
    minVersion: { type: "string", enum: ["TLSv1.2", "TLSv1.3"], default: "TLSv1.2" },
  },
  additionalProperties: false,
};

const exchangeType: JsonSchema = {
  type: "string",
  enum: ["direct", "topic", "fanout", "headers"],
  description: "Declare the exchange with this type on connect (unset: it must exist)",
};
/** The remote file transports (sftp, ftp, ftps): server, polled directory (inbound), write target (outbound). */
const remoteFileProperties = {
  host: { type: "string", minLength: 1, description: "Server host name or IP" },
  port,
  username: { type: "string", minLength: 1, description: "Login name" },
  password: { type: "string", minLength: 1, "x-mf-secret": true, description: "Login password" },
  path: {
    type: "string",
    minLength: 1,
    description: "Remote directory to poll (inbound) / write to (outbound)",
  },
  connectTimeoutMs: {
    ...timeoutMs,
    default: 10000,
    description: "Connecting and logging in must finish within this",
  },
  timeoutMs: {
    ...timeoutMs,
    default: 30000,
    description: "Each later request must finish within this, else the connection is dropped",
  },
  pattern: { type: "string", minLength: 1, default: "*", description: "Inbound: glob of files to pick up" },
  pollMs: { type: "integer", minimum: 10, default: 5000, description: "Inbound: polling interval" },
  stableMs: {
    type: "integer",
    minimum: 0,
    default: 0,
    description:
      "Inbound: a file is read once its size and mtime are the same on two polls at least this far apart",
  },
  afterRead: {
    type: "string",
    enum: ["move", "delete", "leave"],
    default: "move",
    description:
      "Inbound: after the message is committed, move the file to moveTo, delete it, or leave it and remember it (rememberFile)",
  },
  moveTo: {
    type: "string",
    minLength: 1,
    description: "Inbound: where read files go (afterRead move); default <path>/processed",
  },
  rememberFile: {
    type: "string",
    minLength: 1,
    description:
      "Inbound: local file remembering the files read and left (name, size, mtime), so a restart does not read them again; required for afterRead leave",
  },
  errorTo: { type: "string", minLength: 1, description: "Inbound: move files the engine refused here" },
  maxFileBytes: {
    type: "integer",
    minimum: 1,
    default: 67108864,
    description: "Inbound: largest file read (a larger one is logged and moved to errorTo)",
  },
  filename: {
    type: "string",
    minLength: 1,
    default: "{messageId}.msg",
    description:
      "Outbound: file name template ({MSH-10}, {controlId}, {messageId}, {messageType}, {date}, {timestamp}, {seq}); written under a temporary name, then renamed",
  },
  onExists: {
    type: "string",
    enum: ["suffix", "overwrite"],
    default: "suffix",
    description: "Outbound: when the name is taken: add -1, -2… or replace it",
  },
} satisfies Record<string, JsonSchema>;

const leaveNeedsRemember = { key: "afterRead", equals: "leave", require: "rememberFile" } as const;

export const TRANSPORT_SCHEMAS = {
  mllp: {
    type: "object",
    description: "HL7 v2 over MLLP (TCP with 0x0B/0x1C0x0D framing)",
    properties: {
      ...streamProperties,
      expectAck: {
        type: "boolean",
        default: true,
        description: "Outbound: read an HL7 ACK for each message",
      },
    },
    required: ["port"],
    additionalProperties: false,
    "x-mf-required-outbound": ["host"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  tcp: {
    type: "object",
    description: "Raw TCP with a framing preset (newline by default)",
    properties: {
      ...streamProperties,
      framing: {
        type: "string",
        enum: ["mllp", "newline", "length-prefixed"],
        default: "newline",
        description: "Frame preset (length-prefixed: 4-byte big-endian length)",
      },
      delimiter: { type: "string", minLength: 1, description: "Custom frame delimiter (instead of framing)" },
      reply: {
        type: "string",
        enum: ["none", "raw", "ack"],
        default: "none",
        description: "What to answer per frame",
      },
    },
    required: ["port"],
    additionalProperties: false,
    "x-mf-required-outbound": ["host"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  file: {
    type: "object",
    description: "Inbound: poll a directory for files. Outbound: write one file per message.",
    properties: {
      path: { type: "string", minLength: 1, description: "Directory to read from / write to" },
      pattern: {
        type: "string",
        minLength: 1,
        default: "*",
        description: "Inbound: glob of files to pick up",
      },
      pollMs: { type: "integer", minimum: 10, default: 1000, description: "Inbound: polling interval" },
      moveTo: { type: "string", minLength: 1, description: "Inbound: move processed files here" },
      deleteAfterRead: { type: "boolean", default: false },
      errorTo: { type: "string", minLength: 1, description: "Inbound: move files the engine refused here" },
      stableMs: {
        type: "integer",
        minimum: 0,
        default: 1000,
        description: "Inbound: a file must be unchanged this long before it is read",
      },
      maxFileBytes: {
        type: "integer",
        minimum: 1,
        default: 67108864,
        description: "Inbound: largest file read",
      },
      onExists: {
        type: "string",
        enum: ["suffix", "overwrite", "wait"],
        default: "suffix",
        description: "Outbound: when the file name is taken",
      },
      fsync: {
        type: "boolean",
        default: true,
        description: "Outbound: fsync each file before renaming it in",
      },
      filename: {
        type: "string",
        minLength: 1,
        default: "{controlId}.hl7",
        description: "Outbound: file name template ({controlId}, {messageType}, {timestamp}, {seq})",
      },
      encoding: { type: "string", enum: ["utf-8", "latin1", "ascii"], default: "utf-8" },
    },
    required: ["path"],
    additionalProperties: false,
    "x-mf-directions": ["inbound", "outbound"],
  },
  http: {
    type: "object",
    description: "Inbound REST intake: POST bodies become messages",
    properties: {
      host,
      port,
      path: { type: "string", minLength: 1, default: "/", description: "Request path to accept" },
      maxBodyBytes: {
        type: "integer",
        minimum: 1,
        default: 10485760,
        description: "Largest request body; a larger one gets 413",
      },
      idleTimeoutMs: {
        ...timeoutMs,
        default: 5000,
        description: "Keep-alive: close a connection idle this long",
      },
      requestTimeoutMs: {
        ...durationMs,
        default: 60000,
        description:
          "A request (headers and body) must arrive within this long, else 408 and close (0 = off)",
      },
      ...listenerLimits,
      tls: tlsServer,
      token: {
        type: "string",
        minLength: 1,
        "x-mf-secret": true,
        description: "Bearer token callers must send",
      },
    },
    required: ["port"],
    additionalProperties: false,
    "x-mf-directions": ["inbound"],
  },
  rest: {
    type: "object",
    description: "Outbound REST: each message is sent as an HTTP request body",
    properties: {
      url: { type: "string", minLength: 1, description: "Target URL (http or https)" },
      method: { type: "string", enum: ["POST", "PUT", "PATCH"], default: "POST" },
      headers: {
        type: "object",
        // Header values carry credentials (Authorization, API keys): env() secrets only, masked in /graph.
        additionalProperties: { type: "string", "x-mf-secret": true },
        description: "Extra request headers; each value from env() (a secret)",
      },
      timeoutMs: { ...timeoutMs, default: 30000 },
      maxResponseBytes: {
        type: "integer",
        minimum: 1,
        default: 1048576,
        description:
          "Largest response body read; the rest is discarded, the recorded reply is cut there and not re-ingressed",
      },
      username: { type: "string", minLength: 1 },
      password: { type: "string", minLength: 1, "x-mf-secret": true },
      token: { type: "string", minLength: 1, "x-mf-secret": true, description: "Bearer token" },
      reingressTo: {
        type: "string",
        minLength: 1,
        description: "Hand the response body to this loopback inbound",
      },
    },
    required: ["url"],
    additionalProperties: false,
    "x-mf-directions": ["outbound"],
  },
  soap: {
    type: "object",
    description:
      "Inbound: a SOAP listener (HTTP intake) that answers after the commit. Outbound: SOAP 1.1/1.2 calls, from a WSDL or settings",
    properties: {
      host,
      port,
      path: { type: "string", minLength: 1, default: "/", description: "Inbound: request path to accept" },
      maxBodyBytes: {
        type: "integer",
        minimum: 1,
        default: 10485760,
        description: "Inbound: largest request body; a larger one gets 413",
      },
      idleTimeoutMs: { ...timeoutMs, default: 5000, description: "Inbound: keep-alive idle timeout" },
      requestTimeoutMs: {
        ...durationMs,
        default: 60000,
        description: "Inbound: a request must arrive within this long, else 408 (0 = off)",
      },
      ...listenerLimits,
      token: {
        type: "string",
        minLength: 1,
        "x-mf-secret": true,
        description: "Inbound: bearer token callers must send",
      },
      responseBody: {
        type: "string",
        minLength: 1,
        default: '<Accepted xmlns="urn:messagefoundry:soap"/>',
        description: "Inbound: the XML element put in the success answer's Body (sent only after the commit)",
      },
      url: {
        type: "string",
        minLength: 1,
        description: "Outbound: endpoint URL (http or https); overrides the WSDL's address",
      },
      wsdl: {
        type: "string",
        minLength: 1,
        description:
          "Outbound: WSDL file path or URL, read once: endpoint, SOAP version, SOAPAction, body element",
      },
      wsdlService: {
        type: "string",
        minLength: 1,
        description: "Outbound: the WSDL service to use (default: any)",
      },
      wsdlPort: {
        type: "string",
        minLength: 1,
        description: "Outbound: the WSDL port to use (default: the first SOAP port with the operation)",
      },
      operation: {
        type: "string",
        minLength: 1,
        description: "Outbound: WSDL operation; without a WSDL, the body element the message is wrapped in",
      },
      namespace: {
        type: "string",
        minLength: 1,
        description: "Outbound, without a WSDL: namespace of the body element",
      },
      soapAction: { type: "string", description: "Outbound: SOAPAction (overrides the WSDL's)" },
      version: {
        type: "string",
        enum: ["1.1", "1.2"],
        description: "Outbound: SOAP version (default: the WSDL port's, else 1.1)",
      },
      mode: {
        type: "string",
        enum: ["envelope", "wrap"],
        description:
          "Outbound: envelope = the message is a whole SOAP envelope; wrap = it goes inside the operation's element (default when operation is set)",
      },
      wsAddressing: {
        type: "boolean",
        default: false,
        description: "Outbound: add WS-Addressing headers (a fresh MessageID per attempt)",
      },
      headers: {
        type: "object",
        additionalProperties: { type: "string", "x-mf-secret": true },
        description: "Outbound: extra HTTP headers (values from env())",
      },
      username: { type: "string", minLength: 1, description: "Outbound: HTTP Basic user" },
      password: { type: "string", minLength: 1, "x-mf-secret": true },
      timeoutMs: {
        ...timeoutMs,
        default: 30000,
        description: "Outbound: whole-request timeout; expiry retries",
      },
      maxResponseBytes: {
        type: "integer",
        minimum: 1,
        default: 1048576,
        description:
          "Outbound: largest response body read; the rest is discarded, the recorded reply is cut there and not re-ingressed",
      },
      reingressTo: {
        type: "string",
        minLength: 1,
        description: "Outbound: hand the response envelope to this loopback inbound",
      },
      tls: tlsStream,
    },
    additionalProperties: false,
    "x-mf-required-inbound": ["port"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  smtp: {
    type: "object",
    description: "Outbound email (SMTP): one mail per message, as the body or an attachment",
    properties: {
      host,
      port: { ...port, description: "SMTP port (default 465 with security = tls, else 587)" },
      security: {
        type: "string",
        enum: ["tls", "starttls", "opportunistic"],
        default: "starttls",
        description:
          "tls: implicit TLS; starttls: the server must offer STARTTLS; opportunistic: STARTTLS when offered, else plain",
      },
      tls: tlsStream,
      username: { type: "string", minLength: 1 },
      password: { type: "string", minLength: 1, "x-mf-secret": true },
      from: { type: "string", minLength: 1, description: "Sender address (template)" },
      to: {
        type: "string",
        minLength: 1,
        description: "Recipients, comma-separated (template, e.g. {PV1-7}@x)",
      },
      cc: { type: "string", minLength: 1, description: "Copy recipients (template)" },
      bcc: { type: "string", minLength: 1, description: "Blind copy recipients (template)" },
      subject: {
        type: "string",
        minLength: 1,
        default: "Message {messageId}",
        description: "Subject template ({MSH-10}, {messageId}, {date}, …)",
      },
      body: {
        type: "string",
        enum: ["text", "attachment"],
        default: "text",
        description: "text: the message is the mail body; attachment: it is attached and `text` is the body",
      },
      text: { type: "string", description: "Body text when the message is attached" },
      attachmentName: {
        type: "string",
        minLength: 1,
        default: "{messageId}.txt",
        description: "Attachment file name template",
      },
      attachmentType: {
        type: "string",
        minLength: 1,
        description: "Attachment media type (default guessed from the message)",
      },
      timeoutMs: { ...timeoutMs, default: 30000, description: "Connect, greeting and socket timeout" },
    },
    required: ["host", "from", "to"],
    additionalProperties: false,
    "x-mf-directions": ["outbound"],
  },
  database: {
    type: "object",
    description:
      "PostgreSQL or MySQL/MariaDB. Inbound: polls `query`, one message per row. Outbound: runs the named `statements` a handler sends with dbStatement()",
    properties: {
      dialect: {
        type: "string",
        enum: ["postgres", "mysql", "mariadb"],
        default: "postgres",
        description: "Database server kind (mariadb = mysql)",
      },
      host: { type: "string", minLength: 1, description: "Database server host name or IP" },
      port: { ...port, description: "Database server port (default 5432 for postgres, 3306 for mysql)" },
      database: { type: "string", minLength: 1, description: "Database (schema) name" },
      user: { type: "string", minLength: 1, description: "User name" },
      password: { type: "string", minLength: 1, "x-mf-secret": true, description: "Password (env() only)" },
      tls: tlsClient,
      poolSize: {
        type: "integer",
        minimum: 1,
        maximum: 100,
        default: 4,
        description: "Most open connections",
      },
      connectTimeoutMs: { ...timeoutMs, default: 10000 },
      query: {
        type: "string",
        minLength: 1,
        description:
          "Inbound: the poll query. With markColumn it reads :mark (e.g. SELECT * FROM outbox WHERE id > :mark ORDER BY id LIMIT 100)",
      },
      pollIntervalMs: {
        type: "integer",
        minimum: 10,
        default: 5000,
        description: "Inbound: time between polls",
      },
      markColumn: {
        type: "string",
        minLength: 1,
        description:
          "Inbound: high-water mark column (unique and only growing, e.g. an id; rows sharing a timestamp could be skipped); its value in the last committed row is kept in the store and passed as :mark",
      },
      markStart: {
        type: "string",
        description: "Inbound: the :mark before any row was read (e.g. 0)",
      },
      markProcessed: {
        type: "string",
        minLength: 1,
        description:
          "Inbound: statement run for each row after it is committed, with the row's columns as :params (e.g. UPDATE outbox SET done = true WHERE id = :id)",
      },
      payloadColumn: {
        type: "string",
        minLength: 1,
        description: "Inbound: send this column's value as the message (default: the row as JSON)",
      },
      statements: {
        type: "object",
        additionalProperties: { type: "string", minLength: 1 },
        description:
          "Outbound: name = SQL text with :named params (or $1 / ? positional); a handler sends dbStatement(name, params)",
      },
      maxReplyRows: {
        type: "integer",
        minimum: 0,
        default: 100,
        description: "Outbound: rows per statement kept in the recorded reply",
      },
    },
    required: ["host", "database", "user"],
    additionalProperties: false,
    "x-mf-required-inbound": ["query"],
    "x-mf-required-outbound": ["statements"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  loopback: {
    type: "object",
    description: "In-process hand-off: an outbound that feeds a named inbound (no network)",
    properties: {
      target: { type: "string", minLength: 1, description: "Outbound: name of the inbound to feed" },
    },
    additionalProperties: false,
    "x-mf-required-outbound": ["target"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  amqp: {
    type: "object",
    description:
      "AMQP 0-9-1 (RabbitMQ). Inbound: consume a queue, ack each delivery only after it is committed. Outbound: publish with publisher confirms",
    properties: {
      url: {
        type: "string",
        minLength: 1,
        format: "amqp-url",
        description: "Broker URL amqp://host:5672/vhost (amqps: for TLS); no password in it",
      },
      username: { type: "string", minLength: 1, description: "Login (default guest)" },
      password: { type: "string", minLength: 1, "x-mf-secret": true, description: "Login password" },
      queue: { type: "string", minLength: 1, description: "Inbound: the queue consumed" },
      declare: {
        type: "boolean",
        default: true,
        description: "Inbound: declare the queue on connect (false: it must exist)",
      },
      durable: {
        type: "boolean",
        default: true,
        description: "Inbound: a declared queue (and exchange) survives a broker restart",
      },
      exchange: {
        type: "string",
        description:
          'Inbound: bind the queue to this exchange. Outbound: publish to it, a template ({messageType}, {MSH-10}…); "" is the default exchange',
      },
      exchangeType,
      routingKey: {
        type: "string",
        description:
          'Inbound: the binding key (default "", # for topic). Outbound: template, e.g. hl7.{messageType}; with the default exchange the queue name',
      },
      prefetch: {
        type: "integer",
        minimum: 1,
        maximum: 10000,
        default: 10,
        description: "Inbound: unacked deliveries held at once (1: strictly one at a time)",
      },
      persistent: { type: "boolean", default: true, description: "Outbound: persistent messages" },
      mandatory: {
        type: "boolean",
        default: true,
        description: "Outbound: the broker returns a message no queue takes (then onRejected applies)",
      },
      onRejected: {
        type: "string",
        enum: ["retry", "deadLetter"],
        default: "retry",
        description: "Outbound: what a broker nack or an unroutable return becomes",
      },
      confirmTimeoutMs: {
        ...timeoutMs,
        default: 30000,
        description: "Outbound: wait this long for the publisher confirm, then retry",
      },
      contentType: {
        type: "string",
        minLength: 1,
        description: "Outbound: the content-type property (default guessed from the payload)",
      },
      heartbeatSec: {
        type: "integer",
        minimum: 0,
        maximum: 3600,
        default: 30,
        description: "AMQP heartbeat in seconds (0 = off)",
      },
      connectTimeoutMs: { ...timeoutMs, default: 10000 },
      reconnectBaseMs: { ...timeoutMs, default: 500, description: "First reconnect delay" },
      reconnectMaxMs: { ...timeoutMs, default: 30000, description: "Longest reconnect delay" },
      tls: tlsClient,
    },
    required: ["url"],
    additionalProperties: false,
    "x-mf-required-inbound": ["queue"],
    "x-mf-required-outbound": ["exchange"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  timer: {
    type: "object",
    description:
      "Inbound: one message per tick of a cron expression or an interval (scheduled extracts, polls)",
    properties: {
      cron: {
        type: "string",
        minLength: 1,
        format: "cron",
        description: 'Cron expression, 5 fields or 6 with seconds first (e.g. "0 2 * * *"); or intervalMs',
      },
      intervalMs: { type: "integer", minimum: 10, description: "Fixed interval between ticks; or cron" },
      timezone: {
        type: "string",
        minLength: 1,
        format: "timezone",
        description:
          'IANA timezone the cron expression is read in (e.g. "Europe/Berlin"; default the engine\'s)',
      },
      payload: {
        type: "string",
        minLength: 1,
        description:
          "Message template: {tick}, {scheduled} (ISO times), {epochMs}, {seq}, {name}; default a JSON object with them",
      },
      fireOnStartIfMissed: {
        type: "boolean",
        default: false,
        description:
          "Fire once at start when a tick fell due while the engine was down (else missed ticks are skipped)",
      },
    },
    additionalProperties: false,
    "x-mf-exactly-one": ["cron", "intervalMs"],
    "x-mf-directions": ["inbound"],
  },
  sftp: {
    type: "object",
    description:
      "SFTP (SSH): inbound polls a remote directory; outbound writes one file per message. Password or private key; the server's host key is pinned",
    properties: {
      ...remoteFileProperties,
      port: { ...port, default: 22 },
      privateKey: {
        type: "string",
        minLength: 1,
        "x-mf-secret": true,
        description: "Private key text (OpenSSH or PEM), instead of or with password",
      },
      passphrase: {
        type: "string",
        minLength: 1,
        "x-mf-secret": true,
        description: "Passphrase of privateKey",
      },
      hostKey: {
        type: "string",
        minLength: 1,
        format: "ssh-host-key",
        description:
          'SHA-256 fingerprint of the server\'s host key ("SHA256:…", as ssh-keygen -lf prints it); a different key is refused. "insecure-accept-any" accepts any (logged)',
      },
    },
    required: ["host", "path", "username", "hostKey"],
    additionalProperties: false,
    "x-mf-required-when": [leaveNeedsRemember],
    "x-mf-any-of": [["password", "privateKey"]],
    "x-mf-directions": ["inbound", "outbound"],
  },
  ftp: {
    type: "object",
    description:
      "Plain FTP (no encryption: prefer sftp or ftps): inbound polls a directory; outbound writes files",
    properties: { ...remoteFileProperties, port: { ...port, default: 21 } },
    required: ["host", "path"],
    additionalProperties: false,
    "x-mf-required-when": [leaveNeedsRemember],
    "x-mf-directions": ["inbound", "outbound"],
  },
  ftps: {
    type: "object",
    description:
      "FTP over TLS, explicit (AUTH TLS) or implicit: inbound polls a directory; outbound writes files. The certificate is checked",
    properties: {
      ...remoteFileProperties,
      port: { ...port, description: "TCP port (default 21 explicit, 990 implicit)" },
      mode: {
        type: "string",
        enum: ["explicit", "implicit"],
        default: "explicit",
        description: "explicit: AUTH TLS on a plain connection; implicit: TLS from the first byte",
      },
      tls: {
        type: "object",
        description: "How the server certificate is checked",
        properties: {
          ca: { type: "string", minLength: 1, description: "CA bundle to trust (PEM file path)" },
          caPem: {
            type: "string",
            minLength: 1,
            "x-mf-secret": true,
            description: "CA bundle to trust, as PEM text (instead of ca)",
          },
          servername: {
            type: "string",
            minLength: 1,
            description: "Name expected in the server certificate",
          },
          rejectUnauthorized: {
            type: "boolean",
            default: true,
            description: "Refuse untrusted servers; false only for test rigs (logged)",
          },
        },
        additionalProperties: false,
      },
    },
    required: ["host", "path"],
    additionalProperties: false,
    "x-mf-required-when": [leaveNeedsRemember],
    "x-mf-directions": ["inbound", "outbound"],
  },
  dicom: {
    type: "object",
    description:
      "DICOM DIMSE. Inbound: a C-STORE / C-ECHO SCP (one message per instance, a Part-10 file). Outbound: a C-STORE SCU (sends each message's dataset as it is)",
    properties: {
      host: {
        ...host,
        description: "Inbound: bind address (default 0.0.0.0). Outbound: the peer SCP's host",
      },
      port,
      aeTitle: {
        type: "string",
        minLength: 1,
        description: "Inbound: the called AE title this SCP answers to; other called AE titles are rejected",
      },
      callingAeTitles: {
        type: "array",
        items: { type: "string", minLength: 1 },
        description: "Inbound: calling AE titles allowed in (unset: any)",
      },
      sopClasses: {
        type: "array",
        items: { type: "string", minLength: 1 },
        description:
          "Inbound: storage SOP class UIDs accepted (Verification always is; default: the common storage classes)",
      },
      transferSyntaxes: {
        type: "array",
        items: { type: "string", minLength: 1 },
        description:
          "Inbound: transfer syntax UIDs accepted (default: the first proposed; datasets are stored as received)",
      },
      maxBytes: {
        type: "integer",
        minimum: 1024,
        maximum: 536870912,
        default: 67108864,
        description:
          "Inbound: largest instance in bytes; a larger one is refused (status A700) and recorded as an error",
      },
      maxPduLength: {
        type: "integer",
        minimum: 4096,
        maximum: 16777216,
        default: 65536,
        description: "Largest PDU accepted from the peer (announced at association)",
      },
      idleTimeoutMs: {
        ...durationMs,
        default: 60000,
        description: "Inbound: abort an association quiet this long (0 = never)",
      },
      ...listenerLimits,
      calledAeTitle: { type: "string", minLength: 1, description: "Outbound: the peer SCP's AE title" },
      callingAeTitle: {
        type: "string",
        minLength: 1,
        default: "MEFOR",
        description: "Outbound: our AE title",
      },
      connectTimeoutMs: { ...timeoutMs, default: 10000, description: "Outbound: TCP connect timeout" },
      responseTimeoutMs: {
        ...timeoutMs,
        default: 60000,
        description: "Outbound: wait for A-ASSOCIATE-AC and each C-STORE-RSP; expiry retries",
      },
      idleReleaseMs: {
        ...durationMs,
        default: 5000,
        description: "Outbound: release an association idle this long (0 = after each message)",
      },
    },
    required: ["port"],
    additionalProperties: false,
    "x-mf-required-inbound": ["aeTitle"],
    "x-mf-required-outbound": ["host", "calledAeTitle"],
    "x-mf-directions": ["inbound", "outbound"],
  },
  dicomweb: {
    type: "object",
    description: "DICOMweb STOW-RS outbound: each message (a DICOM Part-10 file) is POSTed to <url>/studies",
    properties: {
      url: {
        type: "string",
        minLength: 1,
        description: "The DICOMweb root, e.g. https://pacs.example.org/dicom-web",
      },
      headers: {
        type: "object",
        additionalProperties: { type: "string", "x-mf-secret": true },
        description: "Extra HTTP headers (values from env())",
      },
      token: { type: "string", minLength: 1, "x-mf-secret": true, description: "Bearer token" },
      username: { type: "string", minLength: 1, description: "HTTP Basic user" },
      password: { type: "string", minLength: 1, "x-mf-secret": true },
      timeoutMs: { ...timeoutMs, default: 60000, description: "Whole-request timeout; expiry retries" },
      maxResponseBytes: {
        type: "integer",
        minimum: 1,
        default: 1048576,
        description: "Largest response body read and recorded",
      },
    },
    required: ["url"],
    additionalProperties: false,
    "x-mf-directions": ["outbound"],
  },
  x12: {
    type: "object",
    description:
      "X12 EDI over TCP: interchanges framed by their ISA … IEA envelope; TA1/999 answers; synchronous request/response (270 → 271)",
    properties: {
      ...streamProperties,
      framing: {
        type: "string",
        enum: ["x12", "mllp", "newline", "length-prefixed"],
        default: "x12",
        description:
          "Frame boundaries: x12 = the interchange's own envelope (ISA to the terminator after IEA)",
      },
      ack: {
        type: "string",
        enum: ["none", "ta1", "999", "ta1+999"],
        default: "999",
        description:
          "Inbound: what to answer per interchange after the commit (999, or 997 for 00401; TA1 and acks are never acknowledged)",
      },
      expectReply: {
        type: "boolean",
        default: false,
        description:
          "Outbound: block for the returned interchange (e.g. the 271) on the same socket, within ackTimeoutMs",
      },
      ta1Required: {
        type: "boolean",
        default: false,
        description:
          "Outbound: wait for the TA1 of the sent interchange too; a TA1 R fails the delivery for good",
      },
    },
    required: ["port"],
    additionalProperties: false,
    "x-mf-required-outbound": ["host"],
    "x-mf-directions": ["inbound", "outbound"],
  },
} as const satisfies Record<string, JsonSchema>;

export type TransportName = keyof typeof TRANSPORT_SCHEMAS;

/** Inbound transports that bind a TCP port (one port, one listener: the port-clash rule and the wizard). */
export const LISTENER_TRANSPORTS: ReadonlySet<string> = new Set<TransportName>([
  "mllp",
  "tcp",
  "http",
  "soap",
  "dicom",
  "x12",
]);
export const TRANSPORTS = Object.keys(TRANSPORT_SCHEMAS) as TransportName[];

export function isTransport(name: string): name is TransportName {
  return Object.hasOwn(TRANSPORT_SCHEMAS, name);
}

/** Secret setting keys of a transport (values must be env references). */
export function secretKeys(transport: TransportName): string[] {
  const props: Record<string, JsonSchema> = TRANSPORT_SCHEMAS[transport].properties;
  return Object.entries(props)
    .filter(([, s]) => s["x-mf-secret"] === true)
    .map(([k]) => k);
}

/**
 * True when the setting at `path` (e.g. `["token"]`, `["tls", "passphrase"]`, `["headers", "X-Key"]`)
 * is marked `x-mf-secret`; a map's entries follow its `additionalProperties` schema.
 */
export function isSecretSetting(transport: string, path: readonly string[]): boolean {
  if (!isTransport(transport) || path.length === 0) return false;
  let s: JsonSchema | undefined = TRANSPORT_SCHEMAS[transport];
  for (const key of path) {
    const props: Record<string, JsonSchema> | undefined = s?.properties;
    const extra: JsonSchema["additionalProperties"] = s?.additionalProperties;
    s =
      props !== undefined && Object.hasOwn(props, key)
        ? props[key]
        : typeof extra === "object"
          ? extra
          : undefined;
    if (s === undefined) return false;
  }
  return s["x-mf-secret"] === true;
}

/** Every value in a secret setting of `transport`, with its path (env references are leaves). */
export function secretSettingValues(
  transport: string,
  settings: unknown,
): { path: string[]; value: unknown }[] {
  const out: { path: string[]; value: unknown }[] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (path.length > 0 && isSecretSetting(transport, path)) {
      out.push({ path, value: v });
      return;
    }
    if (isEnvRef(v) || v === null || typeof v !== "object" || Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(settings, []);
  return out;
}

/** What a secret setting shows to a role without config rights (env key names included). */
export const MASKED_SECRET = "***";

/** `settings` with every secret setting's value replaced by {@link MASKED_SECRET} (a copy; the input is untouched). */
export function maskSecretSettings<T>(transport: string, settings: T): T {
  const walk = (v: unknown, path: string[]): unknown => {
    if (path.length > 0 && isSecretSetting(transport, path)) return MASKED_SECRET;
    if (isEnvRef(v) || v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
  };
  return walk(settings, []) as T;
}

/** The graph with every connection's secret settings masked (what /graph shows a role without config rights). */
export function maskGraphSecrets(graph: RegistryGraph): RegistryGraph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.transport !== undefined && n.settings !== undefined
        ? { ...n, settings: maskSecretSettings(n.transport, n.settings) }
        : n,
    ),
  };
}

/**
 * The env references sitting in secret settings of `transport` — the very objects found in `settings`,
 * so a caller can match them by identity against the env() calls that made them.
 */
export function secretEnvRefs(transport: string, settings: unknown): EnvRef[] {
  const out: EnvRef[] = [];
  const walk = (v: unknown, path: string[]): void => {
    if (isEnvRef(v)) {
      if (isSecretSetting(transport, path)) out.push(v);
      return;
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(settings, []);
  return out;
}

/** Inbound/outbound options as JSON Schemas (used for connections.toml and by the language server). */
export const INBOUND_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    router: { type: "string", minLength: 1 },
    contentType: {
      type: "string",
      enum: ["hl7v2", "json", "xml", "x12", "text", "binary", "dicom"],
      default: "hl7v2",
    },
    ack: { type: "string", enum: ["original", "enhanced", "none"], default: "original" },
    strict: { type: "boolean", default: false },
    hl7Version: { type: "string", minLength: 1 },
    storeWaitMs: { type: "integer", minimum: 0, default: 30000 },
    identifiers: {
      type: "array",
      description:
        "HL7 fields to index for search (blind index, keyed by MEFOR_INDEX_KEY), e.g. PID-3.1, MSH-10",
      items: { type: "string", format: "hl7-field-path" },
    },
    duplicates: {
      type: "object",
      description:
        "Duplicate detection: the same MSH-10 from the same sender (MSH-3/MSH-4) within the window is recorded as DUPLICATE and not routed again",
      properties: {
        windowMinutes: { type: "integer", minimum: 1, maximum: 10080 },
        action: {
          type: "string",
          enum: ["ack", "reject"],
          default: "ack",
          description: "ack: answer AA as for the original; reject: answer AR (a NAK) naming the original",
        },
      },
      required: ["windowMinutes"],
      additionalProperties: false,
    },
    description: { type: "string" },
  },
  required: ["router"],
  additionalProperties: false,
};

export const OUTBOUND_OPTIONS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    retry: {
      type: "object",
      properties: {
        attempts: {
          type: "integer",
          minimum: 0,
          description:
            "Give up (dead-letter) after this many transient failures; omit to retry until delivered",
        },
        baseMs: { type: "integer", minimum: 1, default: 1000 },
        multiplier: { type: "number", minimum: 1, default: 2 },
        capMs: { type: "integer", minimum: 1, default: 60000 },
      },
      additionalProperties: false,
    },
    ordering: { type: "string", enum: ["fifo", "unordered"], default: "fifo" },
    contentType: {
      type: "string",
      enum: ["hl7v2", "json", "xml", "x12", "text", "binary", "dicom"],
      default: "hl7v2",
    },
    description: { type: "string" },
  },
  additionalProperties: false,
};
