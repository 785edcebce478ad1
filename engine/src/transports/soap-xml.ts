/**
 * The little XML the SOAP connector needs, without a DOM: a strict scanner that checks a document is
 * well-formed (tags balanced, one root, no DTD — so no entity expansion or external fetches), resolves
 * namespaces and records each element's offsets, so an envelope can be checked, its fault read and
 * headers spliced in while the bytes around them stay exactly as they came.
 */

export const SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/";
export const SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope";
export type SoapVersion = "1.1" | "1.2";

export class XmlError extends Error {
  override readonly name = "XmlError";
}

export interface XmlElement {
  /** Local name (without prefix). */
  local: string;
  prefix: string;
  /** Namespace URI ("" when none). */
  ns: string;
  attrs: Record<string, string>;
  /** Offset of `<`. */
  start: number;
  /** Offset just after the start tag's `>`. */
  openEnd: number;
  /** Offset of the end tag's `<` (= openEnd for `<x/>`). */
  close: number;
  /** Offset just after the element. */
  end: number;
  selfClosing: boolean;
  children: XmlElement[];
  /** In-scope prefix → namespace declarations (shared with the parent when it declares none). */
  scope: ReadonlyMap<string, string>;
}

const NAME = "[A-Za-z_][\\w.\\-]*";
const START_TAG = new RegExp(
  `<(?:(${NAME}):)?(${NAME})((?:\\s+[^\\s=/>]+\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>`,
  "y",
);
const END_TAG = new RegExp(`</(?:(${NAME}):)?(${NAME})\\s*>`, "y");
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const MAX_DEPTH = 256;
const EMPTY_SCOPE: ReadonlyMap<string, string> = new Map();

/** Parses `text` into its root element; throws XmlError when it is not one well-formed element. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const fail = (why: string): never => {
    throw new XmlError(`${why} at offset ${i}`);
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (stack.length === 0 && text.slice(i, lt < 0 ? text.length : lt).trim() !== "")
      fail("text outside the root element");
    if (lt < 0) break;
    i = lt;
    if (text.startsWith("<?", i)) i = skipTo(text, i, "?>", fail);
    else if (text.startsWith("<!--", i)) i = skipTo(text, i, "-->", fail);
    else if (text.startsWith("<![CDATA[", i)) {
      if (stack.length === 0) fail("CDATA outside the root element");
      i = skipTo(text, i, "]]>", fail);
    } else if (text.startsWith("<!", i)) fail("DTDs are not accepted");
    else if (text.startsWith("</", i)) {
      END_TAG.lastIndex = i;
      const m = END_TAG.exec(text) ?? fail("malformed end tag");
      const open = stack.pop() ?? fail("end tag without a start tag");
      if (open.local !== m[2] || open.prefix !== (m[1] ?? ""))
        fail(`end tag </${m[0].slice(2, -1)}> does not match`);
      open.close = i;
      open.end = i + m[0].length;
      i = open.end;
    } else {
      START_TAG.lastIndex = i;
      const m = START_TAG.exec(text) ?? fail("malformed start tag");
      if (stack.length === 0 && root) fail("a second root element");
      if (stack.length >= MAX_DEPTH) fail(`elements nested deeper than ${MAX_DEPTH}`);
      const parent = stack.at(-1);
      const attrs: Record<string, string> = {};
      // The parent's scope is shared unless this element declares a namespace (most do not).
      let scope: ReadonlyMap<string, string> = parent?.scope ?? EMPTY_SCOPE;
      if (m[3]) {
        for (const a of m[3].matchAll(ATTR)) {
          const name = a[1]!;
          const value = decodeText(a[2] ?? a[3] ?? "");
          if (Object.hasOwn(attrs, name)) fail(`attribute ${name} given twice`);
          attrs[name] = value;
          if (name !== "xmlns" && !name.startsWith("xmlns:")) continue;
          const own =
            scope === (parent?.scope ?? EMPTY_SCOPE) ? new Map(scope) : (scope as Map<string, string>);
          own.set(name === "xmlns" ? "" : name.slice(6), value);
          scope = own;
        }
      }
      const prefix = m[1] ?? "";
      const ns = scope.get(prefix);
      if (ns === undefined && prefix !== "") fail(`undeclared namespace prefix ${prefix}`);
      const end = i + m[0].length;
      const el: XmlElement = {
        local: m[2]!,
        prefix,
        ns: ns ?? "",
        attrs,
        start: i,
        openEnd: end,
        close: end,
        end,
        selfClosing: m[4] === "/",
        children: [],
        scope,
      };
      if (parent) parent.children.push(el);
      else root = el;
      if (!el.selfClosing) stack.push(el);
      i = end;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.local}> is not closed`);
  return root ?? fail("no root element");
}

function skipTo(text: string, from: number, marker: string, fail: (why: string) => never): number {
  const at = text.indexOf(marker, from);
  if (at < 0) fail(`unterminated ${text.slice(from, from + 4)}`);
  return at + marker.length;
}

/** An element's text content (CDATA unwrapped, entities decoded, trimmed). */
export function textOf(text: string, el: XmlElement): string {
  const inner = text
    .slice(el.openEnd, el.close)
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>|<[^>]*>/g, (_, c) => c ?? "");
  return decodeText(inner).trim();
}

export function child(el: XmlElement, local: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.local === local && (ns === undefined || c.ns === ns));
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? whole;
  });
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** A parsed SOAP envelope: its version, Header (if any) and Body. */
export interface Envelope {
  version: SoapVersion;
  root: XmlElement;
  header?: XmlElement;
  body: XmlElement;
}

/** Reads `text` as a SOAP 1.1 or 1.2 envelope; throws XmlError saying what is wrong. */
export function readEnvelope(text: string): Envelope {
  const root = parseXml(text);
  const version = root.ns === SOAP11_NS ? "1.1" : root.ns === SOAP12_NS ? "1.2" : undefined;
  if (root.local !== "Envelope" || version === undefined)
    throw new XmlError("the root element is not a SOAP 1.1 or 1.2 Envelope");
  const body = child(root, "Body", root.ns);
  if (!body) throw new XmlError("the envelope has no Body");
  const header = child(root, "Header", root.ns);
  return { version, root, body, ...(header ? { header } : {}) };
}

export interface SoapFault {
  /** The fault code's local name: Server/Client (1.1), Receiver/Sender (1.2), VersionMismatch, … */
  code: string;
  reason: string;
}

/** The envelope's fault, if its Body holds one. */
export function faultOf(text: string, env: Envelope): SoapFault | undefined {
  const fault = child(env.body, "Fault", env.root.ns);
  if (!fault) return undefined;
  // Read both shapes whatever the envelope's version: some stacks put 1.2-style Code/Value in a 1.1 envelope.
  const fc = child(fault, "faultcode");
  const value = child(fault, "Code");
  const v = value && child(value, "Value");
  const code = fc ? textOf(text, fc) : v ? textOf(text, v) : "";
  const fs = child(fault, "faultstring");
  const r = child(fault, "Reason");
  const t = r && child(r, "Text");
  const reason = fs ? textOf(text, fs) : t ? textOf(text, t) : "";
  // `soap:Server.Database` → Server (1.1 dotted subcodes).
  const local = code.slice(code.indexOf(":") + 1).split(".")[0] ?? "";
  return { code: local, reason };
}

/** `envelope` with `blocks` added as the last entries of its Header (a Header is added when missing). */
export function addHeaderBlocks(text: string, env: Envelope, blocks: string): string {
  const h = env.header;
  const p = env.root.prefix ? `${env.root.prefix}:` : "";
  if (!h) {
    const at = env.root.openEnd;
    return `${text.slice(0, at)}<${p}Header>${blocks}</${p}Header>${text.slice(at)}`;
  }
  if (h.selfClosing) {
    const hp = h.prefix ? `${h.prefix}:` : "";
    return `${text.slice(0, h.start)}<${hp}Header>${blocks}</${hp}Header>${text.slice(h.end)}`;
  }
  return `${text.slice(0, h.close)}${blocks}${text.slice(h.close)}`;
}

/** A whole envelope around `headers` and `body` (XML fragments). */
export function buildEnvelope(version: SoapVersion, headers: string, body: string): string {
  const ns = version === "1.1" ? SOAP11_NS : SOAP12_NS;
  const header = headers ? `<soap:Header>${headers}</soap:Header>` : "";
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${ns}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

/** A fault envelope: `sender` true for the caller's fault (Client/Sender), false for ours (Server/Receiver). */
export function buildFault(version: SoapVersion, sender: boolean, reason: string): string {
  const body =
    version === "1.1"
      ? `<soap:Fault><faultcode>soap:${sender ? "Client" : "Server"}</faultcode><faultstring>${escapeXml(reason)}</faultstring></soap:Fault>`
      : `<soap:Fault><soap:Code><soap:Value>soap:${sender ? "Sender" : "Receiver"}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${escapeXml(reason)}</soap:Text></soap:Reason></soap:Fault>`;
  return buildEnvelope(version, "", body);
}

/** The Content-Type of a SOAP message: text/xml (1.1) or application/soap+xml with the action (1.2). */
export function soapContentType(version: SoapVersion, action?: string): string {
  if (version === "1.1") return "text/xml; charset=utf-8";
  return `application/soap+xml; charset=utf-8${action ? `; action="${action.replace(/"/g, "")}"` : ""}`;
}

/** `text` without a leading XML declaration / BOM, for placing a document inside another. */
export function stripDeclaration(text: string): string {
  return text.replace(/^\uFEFF?\s*<\?xml[^>]*\?>\s*/, "");
}
