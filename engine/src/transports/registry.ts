/**
 * The connector registry: connector types map to factories, so the pipeline creates every
 * connection the same way and never special-cases a type. Built-in types are registered up front.
 */
import { amqpConnector } from "./amqp.js";
import { databaseConnector } from "./database.js";
import { dicomConnector } from "./dicom.js";
import { dicomwebConnector } from "./dicomweb.js";
import { UnknownConnectorError } from "./errors.js";
import { fileConnector } from "./file.js";
import { ftpConnector, ftpsConnector } from "./ftp.js";
import { httpConnector } from "./http.js";
import { defaultLoopbackHub, LoopbackInbound, LoopbackOutbound } from "./loopback.js";
import { mllpConnector } from "./mllp.js";
import { restConnector } from "./rest.js";
import { SettingsReader } from "./settings.js";
import { sftpConnector } from "./sftp.js";
import { smtpConnector } from "./smtp.js";
import { soapConnector } from "./soap.js";
import { tcpConnector } from "./tcp.js";
import { timerConnector } from "./timer.js";
import type {
  ConnectorDefinition,
  ConnectorDeps,
  InboundConnector,
  OutboundConnector,
  RawSettings,
} from "./types.js";
import { silentLog } from "./util.js";
import { x12Connector } from "./x12.js";

export const loopbackConnector: ConnectorDefinition = {
  inbound: (name, _raw, deps) => new LoopbackInbound(name, deps.loopback),
  outbound: (name, raw, deps) =>
    new LoopbackOutbound(name, { target: new SettingsReader(name, raw).str("target") }, deps.loopback),
};

export class ConnectorRegistry {
  private readonly defs = new Map<string, ConnectorDefinition>();

  /** Adds a connector type; registering a type twice is an error (no silent replacement of built-ins). */
  register(type: string, def: ConnectorDefinition): void {
    if (!/^[a-z][a-z0-9_-]*$/.test(type))
      throw new Error(`invalid connector type name ${JSON.stringify(type)}`);
    if (this.defs.has(type)) throw new Error(`connector type '${type}' is already registered`);
    if (!def.inbound && !def.outbound)
      throw new Error(`connector type '${type}' has neither inbound nor outbound`);
    this.defs.set(type, def);
  }

  /** Registered types with the directions each supports. */
  types(): { type: string; inbound: boolean; outbound: boolean }[] {
    return [...this.defs].map(([type, d]) => ({ type, inbound: !!d.inbound, outbound: !!d.outbound }));
  }

  createInbound(
    type: string,
    name: string,
    settings: RawSettings = {},
    deps?: Partial<ConnectorDeps>,
  ): InboundConnector {
    const factory = this.defs.get(type)?.inbound;
    if (!factory) throw new UnknownConnectorError(type, "inbound", this.known("inbound"));
    return factory(name, settings, withDefaults(deps));
  }

  createOutbound(
    type: string,
    name: string,
    settings: RawSettings = {},
    deps?: Partial<ConnectorDeps>,
  ): OutboundConnector {
    const factory = this.defs.get(type)?.outbound;
    if (!factory) throw new UnknownConnectorError(type, "outbound", this.known("outbound"));
    return factory(name, settings, withDefaults(deps));
  }

  private known(dir: "inbound" | "outbound"): string[] {
    return this.types()
      .filter((t) => t[dir])
      .map((t) => t.type);
  }
}

function withDefaults(deps: Partial<ConnectorDeps> | undefined): ConnectorDeps {
  return {
    log: deps?.log ?? silentLog,
    loopback: deps?.loopback ?? defaultLoopbackHub,
    ...(deps?.cursors ? { cursors: deps.cursors } : {}),
  };
}

/** The process-wide registry, with the built-in connector types. */
export const connectors = new ConnectorRegistry();
connectors.register("mllp", mllpConnector);
connectors.register("tcp", tcpConnector);
connectors.register("file", fileConnector);
connectors.register("http", httpConnector);
connectors.register("rest", restConnector);
connectors.register("loopback", loopbackConnector);
connectors.register("amqp", amqpConnector);
connectors.register("timer", timerConnector);
connectors.register("soap", soapConnector);
connectors.register("smtp", smtpConnector);
connectors.register("sftp", sftpConnector);
connectors.register("ftp", ftpConnector);
connectors.register("ftps", ftpsConnector);
connectors.register("database", databaseConnector);
connectors.register("dicom", dicomConnector);
connectors.register("dicomweb", dicomwebConnector);
connectors.register("x12", x12Connector);

export function registerConnector(type: string, def: ConnectorDefinition): void {
  connectors.register(type, def);
}

export function createInbound(
  type: string,
  name: string,
  settings?: RawSettings,
  deps?: Partial<ConnectorDeps>,
): InboundConnector {
  return connectors.createInbound(type, name, settings, deps);
}

export function createOutbound(
  type: string,
  name: string,
  settings?: RawSettings,
  deps?: Partial<ConnectorDeps>,
): OutboundConnector {
  return connectors.createOutbound(type, name, settings, deps);
}
