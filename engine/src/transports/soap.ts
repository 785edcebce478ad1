/** The `soap` connector: a SOAP listener over the HTTP intake (soap-inbound.ts) and a SOAP client (soap-outbound.ts). */
import { readSoapInbound, soapInbound } from "./soap-inbound.js";
import { readSoapOutbound, SoapOutbound } from "./soap-outbound.js";
import type { ConnectorDefinition } from "./types.js";

export const soapConnector: ConnectorDefinition = {
  inbound: (name, raw) => soapInbound(name, readSoapInbound(name, raw)),
  outbound: (name, raw, deps) => new SoapOutbound(name, readSoapOutbound(name, raw), deps.log, deps.loopback),
};
