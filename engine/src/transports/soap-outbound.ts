/**
 * SOAP outbound: POSTs each message as a SOAP 1.1 or 1.2 envelope — the payload as it is when it is a
 * whole envelope (`mode = "envelope"`), else wrapped in the operation's body element (`mode = "wrap"`) —
 * to the endpoint from the settings or a WSDL (read once, cached). WS-Addressing headers, when on, get a
 * fresh `urn:uuid` MessageID per attempt. Outcome: a Server/Receiver fault, HTTP 408/429/5xx without a
 * fault, a timeout or a network error retry; a Client/Sender (or other) fault and other statuses are
 * permanent; 2xx without a fault is ok. The response body (≤ `maxResponseBytes`) is the recorded reply,
 * re-ingressed through `reingressTo` like REST's.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { errorText } from "./errors.js";
import { HttpOutbound, statusResult } from "./rest.js";
import { SettingsReader } from "./settings.js";
import { loadWsdlText, WsdlError, type WsdlOperation, wsdlOperation } from "./soap-wsdl.js";
import {
  addHeaderBlocks,
  buildEnvelope,
  escapeXml,
  faultOf,
  parseXml,
  readEnvelope,
  type SoapVersion,
  soapContentType,
  stripDeclaration,
  XmlError,
} from "./soap-xml.js";
import { loadClientTls, readTlsClient, type TlsClientSettings } from "./tls.js";
import type { ConnectorLog, Loopback, RawSettings, SendResult } from "./types.js";

const WSA_NS = "http://www.w3.org/2005/08/addressing";
const WSA_ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous";

export interface SoapOutboundSettings {
  /** Endpoint URL; overrides the WSDL's address. Required without `wsdl`. */
  url?: string;
  /** WSDL file path or http(s) URL: endpoint, SOAP version, SOAPAction and body element of `operation`. */
  wsdl?: string;
  /** Which WSDL service / port to use (default: the first SOAP port offering the operation). */
  wsdlService?: string;
  wsdlPort?: string;
  /** The WSDL operation; without a WSDL, the local name of the body element the payload is wrapped in. */
  operation?: string;
  /** Without a WSDL: the namespace of the body element. */
  namespace?: string;
  /** Overrides the WSDL's SOAPAction. */
  soapAction?: string;
  /** Overrides the WSDL's version; default 1.1 without a WSDL. A whole-envelope payload keeps its own. */
  version?: SoapVersion;
  /** `envelope`: the payload is a whole SOAP envelope; `wrap`: it goes inside the operation's element. */
  mode: "envelope" | "wrap";
  wsAddressing: boolean;
  /** Extra HTTP headers (values from env()). */
  headers: Record<string, string>;
  username?: string;
  password?: string;
  tls?: TlsClientSettings;
  timeoutMs: number;
  maxResponseBytes: number;
  reingressTo?: string;
}

export function readSoapOutbound(name: string, raw: RawSettings): SoapOutboundSettings {
  const r = new SettingsReader(name, raw);
  const url = r.optStr("url");
  if (url !== undefined) {
    const p = URL.canParse(url)
      ? new URL(url)
      : r.fail("url", `is not a valid URL (got ${JSON.stringify(url)})`);
    if (p.protocol !== "http:" && p.protocol !== "https:") r.fail("url", "must be http: or https:");
  }
  const wsdl = r.optStr("wsdl");
  if (url === undefined && wsdl === undefined) r.fail("url", "is required (or give a wsdl)");
  const operation = r.optStr("operation");
  if (wsdl !== undefined && operation === undefined) r.fail("operation", "is required with a wsdl");
  const mode = r.oneOf("mode", ["envelope", "wrap"] as const, operation === undefined ? "envelope" : "wrap");
  if (mode === "wrap" && operation === undefined) r.fail("operation", 'is required when mode = "wrap"');
  const username = r.optStr("username");
  const password = r.optStr("password");
  if ((username === undefined) !== (password === undefined)) r.fail("username", "and password go together");
  const headers = r.stringMap("headers");
  if (username !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === "authorization"))
    r.fail("headers", "use either username/password or an Authorization header");
  return {
    url,
    wsdl,
    wsdlService: r.optStr("wsdlService"),
    wsdlPort: r.optStr("wsdlPort"),
    operation,
    namespace: r.optStr("namespace"),
    soapAction: readAction(r),
    version: r.has("version") ? r.oneOf("version", ["1.1", "1.2"] as const, "1.1") : undefined,
    mode,
    wsAddressing: r.bool("wsAddressing", false),
    headers,
    username,
    password,
    tls: readTlsClient(r),
    timeoutMs: r.int("timeoutMs", { def: 30_000, min: 1 }),
    maxResponseBytes: r.int("maxResponseBytes", { def: 1024 * 1024, min: 1 }),
    reingressTo: r.optStr("reingressTo"),
  };
}

/** SOAPAction may be empty (`""` is a valid action), unlike other string settings. */
function readAction(r: SettingsReader): string | undefined {
  const v = r.raw.soapAction;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") r.fail("soapAction", "must be a string");
  return v;
}

/** Where and how to send, from the settings and (when given) the WSDL. */
interface Target {
  endpoint: string;
  version: SoapVersion;
  action: string;
  element?: { local: string; ns: string };
}

/** A failure decided before anything was sent. */
class NotSent extends Error {
  constructor(
    readonly status: "retry" | "permanent",
    message: string,
  ) {
    super(message);
  }
}

export class SoapOutbound extends HttpOutbound {
  readonly type = "soap";
  private target: Promise<Target> | undefined;
  /** The TLS files, read once (a renewed certificate is picked up on restart, as for the other connectors). */
  private tlsFiles: ReturnType<typeof loadClientTls> | undefined;

  constructor(
    name: string,
    private readonly settings: SoapOutboundSettings,
    log: ConnectorLog,
    hub: Loopback,
  ) {
    super(name, settings.reingressTo, log, hub);
  }

  protected async request(payload: Buffer): Promise<{ result: SendResult; truncated: boolean }> {
    let target: Target;
    let envelope: string;
    let version: SoapVersion;
    try {
      target = await this.resolve();
      ({ envelope, version } = this.envelope(payload.toString("utf8"), target));
    } catch (err) {
      if (err instanceof NotSent)
        return { result: { status: err.status, error: err.message }, truncated: false };
      throw err;
    }
    const body = Buffer.from(envelope, "utf8");
    const s = this.settings;
    const headers: Record<string, string> = {
      ...s.headers,
      "content-type": soapContentType(version, target.action),
    };
    if (version === "1.1") headers.soapaction = `"${target.action.replace(/"/g, "")}"`;
    if (s.username !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${s.username}:${s.password}`).toString("base64")}`;
    this.stats.bytesOut(body.length);
    try {
      const res = await this.post(target.endpoint, headers, body);
      this.stats.bytesIn(res.body.length);
      this.stats.status = "connected";
      const result = outcome(res.status, res.body, res.truncated);
      if (res.truncated) {
        const cut = `response body over maxResponseBytes (${s.maxResponseBytes}); reply cut`;
        result.error = result.error ? `${result.error}; ${cut}` : cut;
      }
      return { result, truncated: res.truncated };
    } catch (err) {
      this.stats.status = "error";
      return { result: { status: "retry", error: errorText(err) }, truncated: false };
    }
  }

  /** The target, from the settings or the (cached) WSDL; a WSDL that cannot be loaded is retried. */
  private async resolve(): Promise<Target> {
    const s = this.settings;
    if (s.wsdl === undefined) {
      return {
        endpoint: s.url!,
        version: s.version ?? "1.1",
        action: s.soapAction ?? "",
        ...(s.operation ? { element: { local: s.operation, ns: s.namespace ?? "" } } : {}),
      };
    }
    this.target ??= this.fromWsdl(s.wsdl);
    try {
      return await this.target;
    } catch (err) {
      if (!(err instanceof WsdlError)) this.target = undefined; // unreachable: try again next attempt
      throw new NotSent(err instanceof WsdlError ? "permanent" : "retry", `WSDL: ${errorText(err)}`);
    }
  }

  private async fromWsdl(where: string): Promise<Target> {
    const s = this.settings;
    const op: WsdlOperation = wsdlOperation(await loadWsdlText(where, s.timeoutMs), {
      operation: s.operation!,
      ...(s.wsdlService ? { service: s.wsdlService } : {}),
      ...(s.wsdlPort ? { port: s.wsdlPort } : {}),
    });
    this.log.info(
      { connection: this.name, endpoint: s.url ?? op.endpoint, version: s.version ?? op.version },
      "WSDL read",
    );
    return {
      endpoint: s.url ?? op.endpoint,
      version: s.version ?? op.version,
      action: s.soapAction ?? op.soapAction,
      element: op.element,
    };
  }

  /** The envelope to send: the payload's own, or the payload wrapped; WS-Addressing blocks added. */
  private envelope(text: string, t: Target): { envelope: string; version: SoapVersion } {
    const wsa = () => (this.settings.wsAddressing ? addressing(t) : "");
    if (this.settings.mode === "envelope") {
      const xml = stripDeclaration(text);
      let env: ReturnType<typeof readEnvelope>;
      try {
        env = readEnvelope(xml);
      } catch (err) {
        throw new NotSent("permanent", `the message is not a SOAP envelope: ${errorText(err)}`);
      }
      const blocks = wsa();
      return { envelope: blocks ? addHeaderBlocks(xml, env, blocks) : xml, version: env.version };
    }
    const el = t.element!;
    const inner = stripDeclaration(text);
    let content: string;
    if (inner.trimStart().startsWith("<")) {
      try {
        parseXml(inner);
      } catch (err) {
        throw new NotSent("permanent", `the message is not well-formed XML: ${errorText(err)}`);
      }
      content = inner;
    } else content = escapeXml(text);
    const xmlns = el.ns ? ` xmlns="${escapeXml(el.ns)}"` : "";
    const body = `<${el.local}${xmlns}>${content}</${el.local}>`;
    return { envelope: buildEnvelope(t.version, wsa(), body), version: t.version };
  }

  private async post(
    endpoint: string,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ status: number; body: Buffer; truncated: boolean }> {
    const s = this.settings;
    const url = new URL(endpoint);
    let tls = {};
    if (url.protocol === "https:" && s.tls) {
      this.tlsFiles ??= loadClientTls(s.tls);
      tls = await this.tlsFiles.catch((err: unknown) => {
        this.tlsFiles = undefined; // unreadable now: read again next attempt
        throw err;
      });
    }
    const lib = url.protocol === "https:" ? https : http;
    const max = s.maxResponseBytes;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, {
        method: "POST",
        headers: { ...headers, "content-length": String(body.length) },
        ...tls,
        signal: AbortSignal.any([AbortSignal.timeout(s.timeoutMs), this.closing.signal]),
      });
      req.on("error", (err) =>
        reject(err.name === "AbortError" ? new Error(`no response within ${s.timeoutMs} ms`) : err),
      );
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        let truncated = false;
        res.on("data", (c: Buffer) => {
          if (truncated) return;
          const take = Math.min(c.length, max - total);
          chunks.push(take < c.length ? c.subarray(0, take) : c);
          total += take;
          if (take < c.length) {
            truncated = true;
            res.destroy(); // the rest is never read
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks, total), truncated });
          }
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks, total), truncated }),
        );
        res.on("error", reject);
      });
      req.end(body);
    });
  }
}

/** WS-Addressing header blocks with a fresh MessageID (a new one per attempt). */
function addressing(t: Target): string {
  const x = `xmlns:wsa="${WSA_NS}"`;
  return (
    `<wsa:Action ${x}>${escapeXml(t.action)}</wsa:Action>` +
    `<wsa:MessageID ${x}>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:To ${x}>${escapeXml(t.endpoint)}</wsa:To>` +
    `<wsa:ReplyTo ${x}><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>`
  );
}

/** Maps the response to an outcome: a fault decides by its code, else the HTTP status does. */
export function outcome(status: number, body: Buffer, truncated: boolean): SendResult {
  const reply = body.length ? { reply: body } : {};
  if (!truncated && body.length > 0) {
    const text = stripDeclaration(body.toString("utf8"));
    try {
      const env = readEnvelope(text);
      const fault = faultOf(text, env);
      if (fault?.code) {
        // The reason may echo message content: it stays in the recorded reply, not in the error.
        // A fault without a readable code falls through to the HTTP status.
        const transient = fault.code === "Server" || fault.code === "Receiver";
        return {
          status: transient ? "retry" : "permanent",
          ...reply,
          error: `SOAP fault ${fault.code} (HTTP ${status})`,
        };
      }
    } catch (err) {
      if (!(err instanceof XmlError)) throw err;
      // Not an envelope (e.g. a proxy's HTML error page): the HTTP status decides.
    }
  }
  const s = statusResult(status);
  return { status: s, ...reply, ...(s === "ok" ? {} : { error: `HTTP ${status}` }) };
}
