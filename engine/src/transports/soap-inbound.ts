/**
 * SOAP inbound: the HTTP intake (its server, limits, TLS and token) with SOAP answers. Each request body
 * must be a well-formed SOAP 1.1 or 1.2 envelope; the whole envelope is the message. Only after the
 * intake committed it does the caller get the success envelope (`responseBody` in a Body of the
 * request's SOAP version); a malformed envelope gets a Client/Sender fault without being committed, a
 * message the intake refused a Client/Sender fault, and an intake failure a Server/Receiver fault (the
 * caller retries). SOAP 1.1 faults travel with HTTP 500; SOAP 1.2 with 400 (Sender) or 500 (Receiver).
 */
import type http from "node:http";
import { errorText } from "./errors.js";
import {
  type HttpAnswer,
  type HttpExchange,
  HttpInbound,
  type HttpInboundSettings,
  readHttpInbound,
} from "./http.js";
import { SettingsReader } from "./settings.js";
import {
  buildEnvelope,
  buildFault,
  parseXml,
  readEnvelope,
  type SoapVersion,
  soapContentType,
} from "./soap-xml.js";
import type { RawSettings } from "./types.js";

export interface SoapInboundSettings extends HttpInboundSettings {
  /** XML placed in the success answer's Body. Default `<Accepted xmlns="urn:messagefoundry:soap"/>`. */
  responseBody: string;
}

const DEFAULT_RESPONSE = '<Accepted xmlns="urn:messagefoundry:soap"/>';

export function readSoapInbound(name: string, raw: RawSettings): SoapInboundSettings {
  const r = new SettingsReader(name, raw);
  const responseBody = r.str("responseBody", DEFAULT_RESPONSE);
  try {
    parseXml(responseBody);
  } catch (err) {
    r.fail("responseBody", `must be one well-formed XML element: ${errorText(err)}`);
  }
  return { ...readHttpInbound(name, raw), responseBody };
}

/** The SOAP version a request speaks: its envelope's, else its Content-Type's. */
function versionOf(body: Buffer, req?: http.IncomingMessage): SoapVersion {
  try {
    return readEnvelope(body.toString("utf8").replace(/^\uFEFF/, "")).version;
  } catch {
    return /application\/soap\+xml/i.test(req?.headers["content-type"] ?? "") ? "1.2" : "1.1";
  }
}

function fault(version: SoapVersion, sender: boolean, reason: string): HttpAnswer {
  return {
    status: version === "1.2" && sender ? 400 : 500,
    contentType: soapContentType(version),
    body: Buffer.from(buildFault(version, sender, reason)),
  };
}

export function soapExchange(responseBody: string): HttpExchange {
  return {
    type: "soap",
    refuse(body, req) {
      try {
        readEnvelope(body.toString("utf8").replace(/^\uFEFF/, ""));
        return undefined;
      } catch (err) {
        return fault(versionOf(body, req), true, `not a SOAP envelope: ${errorText(err)}`);
      }
    },
    answer(r, body) {
      const version = versionOf(body);
      if (!r.accepted) return fault(version, true, "the message was refused");
      return {
        status: 200,
        contentType: soapContentType(version),
        body: Buffer.from(buildEnvelope(version, "", responseBody)),
      };
    },
    failed: (body) => fault(versionOf(body), false, "the message could not be stored; retry"),
  };
}

export function soapInbound(name: string, settings: SoapInboundSettings): HttpInbound {
  return new HttpInbound(name, settings, soapExchange(settings.responseBody));
}
