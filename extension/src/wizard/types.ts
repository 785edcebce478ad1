/**
 * The answers a Route or Connection Wizard collects. Plain data: the QuickPick flow fills it in step by
 * step, the pure validators check each step against the live graph, and the generators turn it into files.
 */

export type Direction = "inbound" | "outbound";

export const INBOUND_TRANSPORTS = [
  "mllp",
  "tcp",
  "http",
  "soap",
  "file",
  "sftp",
  "ftp",
  "ftps",
  "amqp",
  "timer",
  "database",
  "dicom",
  "x12",
] as const;
export const OUTBOUND_TRANSPORTS = [
  "mllp",
  "tcp",
  "rest",
  "soap",
  "smtp",
  "file",
  "sftp",
  "ftp",
  "ftps",
  "amqp",
  "database",
  "dicom",
  "dicomweb",
  "x12",
] as const;
export type Transport = (typeof INBOUND_TRANSPORTS)[number] | (typeof OUTBOUND_TRANSPORTS)[number];

export const CONTENT_TYPES = ["hl7v2", "json", "xml", "x12", "text", "binary", "dicom"] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/**
 * A setting as the user typed it: a literal, or `env:KEY` for a value taken from environments/<env>.toml
 * (the way secrets and per-environment hosts are written).
 */
export type SettingInput = string | number;

export interface ConnectionAnswers {
  direction: Direction;
  name: string;
  transport: Transport;
  /** Listener port (inbound mllp/tcp/http/soap) or peer port (outbound mllp/tcp/smtp). */
  port?: SettingInput;
  /** Peer host (outbound mllp/tcp/smtp). */
  host?: SettingInput;
  /** Directory (file) or URL path (inbound http/soap). */
  path?: string;
  /** Target URL (outbound rest/soap) or broker URL (amqp). */
  url?: SettingInput;
  /** amqp: the queue consumed (inbound); the exchange and routing key published to (outbound). */
  queue?: SettingInput;
  exchange?: SettingInput;
  routingKey?: SettingInput;
  /** timer: a cron expression, or an interval in milliseconds. */
  cron?: string;
  intervalMs?: number;
  /** Outbound soap: the body element the message is wrapped in (unset: the message is a whole envelope). */
  operation?: string;
  /** Outbound smtp: sender and recipients (templates such as {MSH-10} allowed). */
  from?: SettingInput;
  to?: SettingInput;
  /** Transports without hand-written steps (sftp, ftp, ftps…): the schema's required settings, by key. */
  settings?: Record<string, SettingInput>;
  /** Database connections (PostgreSQL, MySQL/MariaDB). */
  database?: DatabaseAnswers;
  /** Inbound only; defaults to hl7v2. */
  contentType?: ContentType;
  /** Inbound only: the router it feeds. */
  router?: string;
}

export interface DatabaseAnswers {
  dialect: "postgres" | "mysql";
  /** Host, port, database and user may be `env:KEY`. */
  host: SettingInput;
  port?: SettingInput;
  database: SettingInput;
  user: SettingInput;
  /** The env key of the password (a secret: only ever from MEFOR_VALUE_<KEY>); unset when none. */
  passwordEnv?: string;
  /** Inbound: the poll query, and a high-water mark column or a mark-as-processed statement. */
  query?: string;
  markColumn?: string;
  markProcessed?: string;
  /** Outbound: the one statement the wizard declares (more are added to connections.toml by hand). */
  statement?: { name: string; sql: string };
}

/** How a filter compares a field's value (see filterCode.ts for the TypeScript each one writes). */
export const FILTER_OPS = [
  "equals",
  "notEquals",
  "oneOf",
  "notOneOf",
  "present",
  "absent",
  "lt",
  "le",
  "gt",
  "ge",
  "between",
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/**
 * Which occurrences a filter reads when the field can occur more than once (a repeating segment such as
 * OBX, or a repeating field such as PID-3): `first` reads only the first one (`msg.get`), `any` keeps the
 * message when at least one occurrence matches, `all` when every occurrence matches (and there is one).
 */
export type Quantifier = "first" | "any" | "all";

/**
 * Keep a message only when the condition holds; otherwise the handler filters it out (returns []).
 * `present` is "is not empty" and `absent` "is empty"; `lt`…`between` compare numbers.
 */
export interface FilterRule {
  path: string;
  op: FilterOp;
  /** equals / notEquals / lt / le / gt / ge, and the lower bound of between. */
  value?: string;
  /** The upper bound of between. */
  high?: string;
  /** oneOf / notOneOf. */
  values?: string[];
  /** Unset: first. */
  quantifier?: Quantifier;
  /**
   * What `any`/`all` range over: every repetition of a repeating field in every segment (`msg.getAll`),
   * or each occurrence of a repeating segment (`msg.segments`). Unset: segments.
   */
  over?: "segments" | "repetitions";
}

/** Set `target` from another field (optionally reshaped) or from a constant. */
export interface FieldMapping {
  target: string;
  from?: string;
  value?: string;
  transform?: "upper" | "lower" | "trim";
}

export interface HandlerAnswers {
  name: string;
  filter?: FilterRule;
  mappings: FieldMapping[];
  /** Names of the outbounds it sends to (existing ones or ones created by this wizard). */
  outbounds: string[];
}

export interface RouteAnswers {
  inbound: ConnectionAnswers;
  router: { name: string; messageTypes: string[] };
  handlers: HandlerAnswers[];
  /** Outbounds this wizard creates (existing ones are only referenced by name from handlers). */
  newOutbounds: ConnectionAnswers[];
  /** Path of the new module, relative to the config dir (e.g. `acme_adt.ts`). */
  moduleFile: string;
}

/** Looks up the fields of a segment for one HL7 version (backed by messagefoundry/hl7 getDefinitions). */
export interface FieldCatalog {
  /** The segment's fields in order (index 0 is field 1), or undefined when the segment is unknown. */
  fields(segment: string): readonly { name: string; dataType?: string }[] | undefined;
}

/** What the wizard writes: one new TypeScript module and text appended to connections.toml. */
export interface GeneratedFiles {
  module: { path: string; text: string };
  /** Text to append to connections.toml (empty when the route creates no new connection). */
  tomlAppend: string;
}
