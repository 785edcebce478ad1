/**
 * `messagefoundry` — the authoring API a config module imports:
 *
 *   import { inbound, outbound, router, handler, send, mllp, env } from "messagefoundry";
 *
 * Declarations register into the Collector of the load in progress: the loader supplies this module to
 * config code bound to that load. Imported outside a load, the declaring functions throw.
 */
import type { AuthoringApi } from "./config/api.js";

export {
  amqp,
  database,
  dbStatement,
  dicom,
  dicomweb,
  file,
  ftp,
  ftps,
  http,
  loopback,
  mllp,
  rest,
  send,
  sftp,
  smtp,
  soap,
  tcp,
  timer,
  x12,
} from "./config/api.js";
export { RawMessage } from "./config/raw-message.js";
export type { HandlerDef, InboundDef, OutboundDef, Registry, RouterDef } from "./config/registry.js";
export type * from "./config/types.js";
export {
  buildAck,
  decodeHl7Bytes,
  Message,
  parse,
  parseBatch,
  Segment,
} from "./hl7/index.js";

function outsideLoad(what: string): never {
  throw new Error(
    `${what}() only registers while messagefoundry loads a config (messagefoundry validate/dryrun/serve); ` +
      "it was called outside a load",
  );
}

/** Declare an inbound connection and the router that sees its messages. */
export const inbound: AuthoringApi["inbound"] = () => outsideLoad("inbound");
/** Declare an outbound connection (a destination handlers send to by name). */
export const outbound: AuthoringApi["outbound"] = () => outsideLoad("outbound");
/** Declare a router: message in, handler name(s) out. */
export const router: AuthoringApi["router"] = () => outsideLoad("router");
/** Declare a handler: message in (its own copy), send(...)s out; nothing = filtered. */
export const handler: AuthoringApi["handler"] = () => outsideLoad("handler");
/** A value from environments/<env>.toml (MEFOR_VALUE_<KEY> overrides). */
export const env: AuthoringApi["env"] = (key) => outsideLoad(`env("${key}")`);
/** Declare an alert rule: when a connection is down, backed up, dead-lettering… notify these outbounds. */
export const alert: AuthoringApi["alert"] = (name) => outsideLoad(`alert("${name}")`);
/** A lookup table from codesets/<name>.(toml|json|csv). */
export const codeSet: AuthoringApi["codeSet"] = (name) => outsideLoad(`codeSet("${name}")`);
