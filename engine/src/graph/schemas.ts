/**
 * One JSON Schema per transport, as plain JSON data: the factories, the connections.toml editor and the
 * language server all validate against these. `x-mf-secret` marks settings that may only come from env();
 * `x-mf-required-outbound` lists settings required only when the connection is an outbound.
 *
 * Adding a setting or a transport — change together:
 *  1. the schema here (the rule MF-SETTINGS-SCHEMA, the TOML editor and the language server follow);
 *  2. the matching settings interface in config/types.ts (so a typo stays a TypeScript error);
 *  3. a factory in config/api.ts for a new transport, and its connector in transports/.
 */

import { isEnvRef } from "./env.js";
import type { EnvRef } from "./types.js";

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
  /** `ip-or-cidr`: an IPv4/IPv6 address or CIDR block (see address.ts). */
  format?: "ip-or-cidr";
  "x-mf-secret"?: boolean;
  "x-mf-required-outbound"?: readonly string[];
  "x-mf-required-inbound"?: readonly string[];
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

/** TLS for a client of a server (database): trust, verification, optional client certificate. */
const tlsClient: JsonSchema = {
  type: "object",
  description: "TLS to the server: {ca?, rejectUnauthorized?, servername?, cert?, key?}",
  properties: {
    ca: { type: "string", minLength: 1, description: "CA bundle to trust (PEM file path)" },
    rejectUnauthorized: {
      type: "boolean",
      default: true,
      description: "Verify the server certificate (turn off only for test rigs)",
    },
    servername: {
      type: "string",
      minLength: 1,
      description:
        "Name expected in the server certificate (postgres). mysql checks host; give a name, not an IP, to have it checked",
    },
    cert: { type: "string", minLength: 1, description: "Client certificate (PEM file path)" },
    key: { type: "string", minLength: 1, description: "Client private key (PEM file path)" },
    passphrase: { type: "string", minLength: 1, "x-mf-secret": true },
    minVersion: { type: "string", enum: ["TLSv1.2", "TLSv1.3"], default: "TLSv1.2" },
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
      headers: { type: "object", additionalProperties: { type: "string" } },
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
} as const satisfies Record<string, JsonSchema>;

export type TransportName = keyof typeof TRANSPORT_SCHEMAS;
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

/** True when the setting at `path` (e.g. `["token"]`, `["tls", "passphrase"]`) is marked `x-mf-secret`. */
export function isSecretSetting(transport: string, path: readonly string[]): boolean {
  if (!isTransport(transport) || path.length === 0) return false;
  let s: JsonSchema | undefined = TRANSPORT_SCHEMAS[transport];
  for (const key of path) {
    const props: Record<string, JsonSchema> | undefined = s?.properties;
    s = props !== undefined && Object.hasOwn(props, key) ? props[key] : undefined;
    if (s === undefined) return false;
  }
  return s["x-mf-secret"] === true;
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
      enum: ["hl7v2", "json", "xml", "x12", "text", "binary"],
      default: "hl7v2",
    },
    ack: { type: "string", enum: ["original", "enhanced", "none"], default: "original" },
    strict: { type: "boolean", default: false },
    hl7Version: { type: "string", minLength: 1 },
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
      enum: ["hl7v2", "json", "xml", "x12", "text", "binary"],
      default: "hl7v2",
    },
    description: { type: "string" },
  },
  additionalProperties: false,
};
