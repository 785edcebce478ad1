/**
 * The authoring API bound to one Collector. The loader hands a fresh binding to each load's config
 * code as the `messagefoundry` module, so declarations from different loads never mix.
 */
import { type EnvCast, type SettingValue, secretEnvRefs } from "../graph/index.js";
import type { Message } from "../hl7/index.js";
import { loadCodeSet } from "./codesets.js";
import type { Collector } from "./collector.js";
import { RawMessage } from "./raw-message.js";
import type {
  AlertSpec,
  AmqpSettings,
  AnyMessage,
  CastArg,
  CastResultType,
  CodeSet,
  Connection,
  DatabaseSettings,
  DbParam,
  DbStatement,
  DicomSettings,
  DicomwebSettings,
  EnvValue,
  FileSettings,
  FtpSettings,
  FtpsSettings,
  HandlerFn,
  HttpSettings,
  InboundConnection,
  InboundOptions,
  LoopbackSettings,
  MllpSettings,
  OutboundConnection,
  OutboundOptions,
  RestSettings,
  RouterFn,
  Send,
  SftpSettings,
  SmtpSettings,
  SoapSettings,
  TcpSettings,
  TimerSettings,
  TransportSettingsMap,
  X12Settings,
} from "./types.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

function factory<T extends keyof TransportSettingsMap>(transport: T) {
  return (settings: TransportSettingsMap[T]): Connection<T> => {
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      throw new ConfigError(`${transport}(...) expects a settings object`);
    }
    return Object.freeze({ transport, settings });
  };
}

/** Connection factories: tag settings with their transport; the schema rule checks them with positions. */
export const mllp: (settings: MllpSettings) => Connection<"mllp"> = factory("mllp");
export const tcp: (settings: TcpSettings) => Connection<"tcp"> = factory("tcp");
export const file: (settings: FileSettings) => Connection<"file"> = factory("file");
export const http: (settings: HttpSettings) => Connection<"http"> = factory("http");
export const rest: (settings: RestSettings) => Connection<"rest"> = factory("rest");
export const amqp: (settings: AmqpSettings) => Connection<"amqp"> = factory("amqp");
export const timer: (settings: TimerSettings) => Connection<"timer"> = factory("timer");
export const soap: (settings: SoapSettings) => Connection<"soap"> = factory("soap");
export const smtp: (settings: SmtpSettings) => Connection<"smtp"> = factory("smtp");
export const sftp: (settings: SftpSettings) => Connection<"sftp"> = factory("sftp");
export const ftp: (settings: FtpSettings) => Connection<"ftp"> = factory("ftp");
export const ftps: (settings: FtpsSettings) => Connection<"ftps"> = factory("ftps");
export const database: (settings: DatabaseSettings) => Connection<"database"> = factory("database");
export const dicom: (settings: DicomSettings) => Connection<"dicom"> = factory("dicom");
export const dicomweb: (settings: DicomwebSettings) => Connection<"dicomweb"> = factory("dicomweb");
export const x12: (settings: X12Settings) => Connection<"x12"> = factory("x12");

/**
 * A delivery for a database outbound: the name of a statement declared in its `statements` and the
 * params (an object for `:named` params, an array for positional ones). Pass it to send():
 * `return send("OB_EHR_DB", dbStatement("insert_adt", { mrn: msg.get("PID-3.1") }))`.
 * Only the name and the values travel in the queue, never SQL text.
 */
export function dbStatement(
  statement: string,
  params?: Readonly<Record<string, DbParam>> | readonly DbParam[],
): DbStatement {
  if (typeof statement !== "string" || statement === "")
    throw new ConfigError("dbStatement(): the statement name must be a non-empty string");
  if (params !== undefined && (typeof params !== "object" || params === null))
    throw new ConfigError(`dbStatement("${statement}", …): params must be an object or an array`);
  return Object.freeze(params === undefined ? { statement } : { statement, params });
}

export const loopback: (settings?: LoopbackSettings) => Connection<"loopback"> = (settings = {}) =>
  factory("loopback")(settings);

/**
 * Every connection factory by name: what a config's `import { … } from "messagefoundry"` gets (config/execute.ts)
 * and what the "use one of the factories" hint lists. A new connector's factory is added here once.
 */
export const CONNECTION_FACTORIES = {
  mllp,
  tcp,
  file,
  http,
  rest,
  soap,
  smtp,
  loopback,
  amqp,
  timer,
  sftp,
  ftp,
  ftps,
  database,
  dicom,
  dicomweb,
  x12,
} as const;

function isMessage(v: unknown): v is Message {
  return typeof v === "object" && v !== null && typeof (v as Message).encode === "function";
}

/** A delivery of `message` to the outbound named `outbound`. Objects are sent as JSON. */
export function send(outbound: string, message: AnyMessage | Buffer | string | object): Send {
  if (typeof outbound !== "string" || outbound === "")
    throw new ConfigError("send(): outbound name must be a string");
  let payload: Buffer | string;
  if (message instanceof RawMessage) payload = message.raw;
  else if (isMessage(message)) payload = message.encode();
  else if (typeof message === "string" || Buffer.isBuffer(message)) payload = message;
  else if (typeof message === "object" && message !== null) payload = JSON.stringify(message);
  else
    throw new ConfigError(
      `send("${outbound}", …): message must be a Message, RawMessage, string, Buffer or object`,
    );
  return Object.freeze({ kind: "send" as const, outbound, payload });
}

function castName(cast: CastArg | undefined): EnvCast | undefined {
  if (cast === undefined) return undefined;
  if (cast === Number) return "float";
  if (cast === String) return "string";
  if (cast === Boolean) return "bool";
  return cast as EnvCast;
}

function toSettingValue(v: unknown): SettingValue {
  if (v === undefined) return null;
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(toSettingValue);
  if (typeof v === "object") {
    const out: Record<string, SettingValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (x !== undefined) out[k] = toSettingValue(x);
    return out;
  }
  return String(v);
}

function plain(obj: object | undefined): Record<string, SettingValue> {
  return (obj === undefined ? {} : toSettingValue(obj)) as Record<string, SettingValue>;
}

export interface AuthoringApi {
  inbound(name: string, connection: InboundConnection, options: InboundOptions): void;
  outbound(name: string, connection: OutboundConnection, options?: OutboundOptions): void;
  router<M extends AnyMessage = Message>(name: string, fn: RouterFn<M>): void;
  handler<M extends AnyMessage = Message>(name: string, fn: HandlerFn<M>): void;
  env<C extends CastArg | undefined = undefined>(
    key: string,
    cast?: C,
    defaultValue?: CastResultType<C>,
  ): EnvValue<CastResultType<C>>;
  codeSet(name: string): CodeSet;
  alert(name: string, spec: AlertSpec): void;
}

export function createApi(c: Collector): AuthoringApi {
  const validName = (what: string, name: unknown): name is string => {
    if (typeof name === "string" && name.trim() !== "") return true;
    c.declarationProblem(
      `${what}(): the name must be a non-empty string`,
      `Give the ${what} a name literal.`,
    );
    return false;
  };
  const connection = (
    kind: "inbound" | "outbound",
    name: string,
    conn: Connection,
    options: object | undefined,
  ) => {
    if (!validName(kind, name)) return;
    if (typeof conn !== "object" || conn === null || typeof conn.transport !== "string") {
      c.declarationProblem(
        `${kind}("${name}"): the second argument must be a connection such as mllp({...})`,
        `Use one of the factories: ${Object.keys(CONNECTION_FACTORIES).join(", ")}.`,
      );
      return;
    }
    // env() ran before this call; mark the uses whose reference this connection puts in a secret setting.
    const secrets = new Set<object>(secretEnvRefs(conn.transport, conn.settings));
    for (const u of c.envUses) if (secrets.has(u.ref)) u.secret = true;
    c.connections.push({
      kind,
      name,
      origin: "ts",
      site: c.locate(),
      transport: conn.transport,
      settings: plain(conn.settings),
      options: plain(options),
    });
  };
  const fnDecl = (kind: "router" | "handler", name: string, fn: unknown) => {
    if (!validName(kind, name)) return;
    if (typeof fn !== "function") {
      c.declarationProblem(`${kind}("${name}"): the second argument must be a function`);
      return;
    }
    c.functions.push({ kind, name, origin: "ts", site: c.locate(), fn: fn as RouterFn });
  };
  return {
    inbound: (name, conn, options) => connection("inbound", name, conn, options),
    outbound: (name, conn, options) => connection("outbound", name, conn, options),
    router: (name, fn) => fnDecl("router", name, fn),
    handler: (name, fn) => fnDecl("handler", name, fn),
    env(key, cast, defaultValue) {
      const castN = castName(cast);
      if (typeof key !== "string" || key === "")
        c.declarationProblem("env(): the key must be a non-empty string");
      const ref = {
        env: key,
        ...(castN ? { cast: castN } : {}),
        ...(defaultValue !== undefined ? { default: defaultValue as string | number | boolean } : {}),
      };
      c.envUses.push({
        key,
        hasDefault: defaultValue !== undefined,
        site: c.locate(),
        ref,
        ...(castN ? { cast: castN } : {}),
      });
      return ref;
    },
    codeSet: (name) => loadCodeSet(c.configDir, name),
    alert(name, spec) {
      if (!validName("alert", name)) return;
      if (typeof spec !== "object" || spec === null || typeof spec.when !== "object" || spec.when === null) {
        c.declarationProblem(
          `alert("${name}"): the second argument must be { when: { connection, … }, notify? }`,
          'e.g. alert("AL_EHR_DOWN", { when: { connection: "OB_EHR", down: "5m" }, notify: ["OB_OPS_HOOK"] })',
        );
        return;
      }
      const notify =
        spec.notify === undefined ? [] : Array.isArray(spec.notify) ? spec.notify : [spec.notify];
      c.alerts.push({
        name,
        site: c.locate(),
        when: plain(spec.when),
        notify: notify.map(toSettingValue),
        ...(spec.renotify !== undefined ? { renotify: toSettingValue(spec.renotify) } : {}),
      });
    },
  };
}
