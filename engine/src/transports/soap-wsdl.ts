/**
 * Reads what the SOAP outbound needs from a WSDL 1.1 document: for one operation of one port, the
 * endpoint (soap:address / soap12:address — which also says the SOAP version), the SOAPAction and the
 * qualified name of the input's body element (document/literal) — or the operation's name in the
 * target namespace (rpc). The soap package's own reader shares operation objects between bindings
 * (a WSDL with a 1.1 and a 1.2 binding gets one SOAPAction for both), so this reads the few elements
 * itself with the connector's strict scanner.
 */
import { readFile } from "node:fs/promises";
import { errorText } from "./errors.js";
import { child, parseXml, type SoapVersion, type XmlElement } from "./soap-xml.js";

const WSDL_NS = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/";
const WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/";
const MAX_WSDL_BYTES = 4 * 1024 * 1024;

export interface WsdlOperation {
  endpoint: string;
  version: SoapVersion;
  soapAction: string;
  /** The body element wrapping the payload. */
  element: { local: string; ns: string };
}

/** The WSDL is wrong for these settings (a retry cannot help). */
export class WsdlError extends Error {
  override readonly name = "WsdlError";
}

/** Fetches (http/https, bounded) or reads (a file path) the WSDL text. Throws a plain Error when unreachable. */
export async function loadWsdlText(where: string, timeoutMs: number): Promise<string> {
  if (!/^https?:\/\//i.test(where)) return readFile(where, "utf8");
  const res = await fetch(where, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  if (!res.ok) throw new Error(`WSDL ${where}: HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_WSDL_BYTES) throw new WsdlError(`WSDL ${where} exceeds ${MAX_WSDL_BYTES} bytes`);
  return text;
}

/** Finds `operation` in the WSDL; `service`/`port` pick one when there are several (default: the first port). */
export function wsdlOperation(
  text: string,
  want: { operation: string; service?: string; port?: string },
): WsdlOperation {
  let defs: XmlElement;
  try {
    defs = parseXml(text);
  } catch (err) {
    throw new WsdlError(`the WSDL is not well-formed XML: ${errorText(err)}`);
  }
  if (defs.local !== "definitions" || defs.ns !== WSDL_NS)
    throw new WsdlError("not a WSDL 1.1 document (no wsdl:definitions root)");
  const tns = defs.attrs.targetNamespace ?? "";
  const all = (local: string) => defs.children.filter((c) => c.local === local && c.ns === WSDL_NS);
  const named = (local: string, name: string) => all(local).find((c) => c.attrs.name === name);
  const localOf = (qname: string | undefined) => (qname ?? "").slice((qname ?? "").indexOf(":") + 1);

  for (const service of all("service")) {
    if (want.service !== undefined && service.attrs.name !== want.service) continue;
    for (const port of service.children.filter((c) => c.local === "port" && c.ns === WSDL_NS)) {
      if (want.port !== undefined && port.attrs.name !== want.port) continue;
      const address = port.children.find(
        (c) => c.local === "address" && (c.ns === WSDL_SOAP11 || c.ns === WSDL_SOAP12),
      );
      if (!address?.attrs.location) continue; // an HTTP or other non-SOAP port
      const version: SoapVersion = address.ns === WSDL_SOAP12 ? "1.2" : "1.1";
      const binding = named("binding", localOf(port.attrs.binding));
      if (!binding) throw new WsdlError(`port ${port.attrs.name}: binding ${port.attrs.binding} not found`);
      const bop = binding.children.find((c) => c.local === "operation" && c.attrs.name === want.operation);
      if (!bop) continue;
      const sop = bop.children.find((c) => c.local === "operation" && c.ns === address.ns);
      const style =
        sop?.attrs.style ?? binding.children.find((c) => c.local === "binding")?.attrs.style ?? "document";
      return {
        endpoint: address.attrs.location,
        version,
        soapAction: sop?.attrs.soapAction ?? "",
        element:
          style === "rpc"
            ? { local: want.operation, ns: tns }
            : inputElement(defs, named, localOf, binding, want.operation),
      };
    }
  }
  const where = [want.service && `service ${want.service}`, want.port && `port ${want.port}`]
    .filter(Boolean)
    .join(", ");
  throw new WsdlError(`operation ${want.operation} not found in a SOAP port${where ? ` (${where})` : ""}`);
}

/** document/literal: the element of the input message's (first) part, with its namespace. */
function inputElement(
  defs: XmlElement,
  named: (local: string, name: string) => XmlElement | undefined,
  localOf: (q: string | undefined) => string,
  binding: XmlElement,
  operation: string,
): { local: string; ns: string } {
  const portType = named("portType", localOf(binding.attrs.type));
  const op = portType?.children.find((c) => c.local === "operation" && c.attrs.name === operation);
  const input = op && child(op, "input", WSDL_NS);
  const message = named("message", localOf(input?.attrs.message));
  const part = message && child(message, "part", WSDL_NS);
  const qname = part?.attrs.element;
  if (!qname) throw new WsdlError(`operation ${operation}: no input message part with an element`);
  const colon = qname.indexOf(":");
  const prefix = colon < 0 ? "" : qname.slice(0, colon);
  const ns = part.scope.get(prefix) ?? (prefix === "" ? (defs.attrs.targetNamespace ?? "") : undefined);
  if (ns === undefined) throw new WsdlError(`operation ${operation}: undeclared prefix in ${qname}`);
  return { local: qname.slice(colon + 1), ns };
}
