import assert from "node:assert/strict";
import { pino } from "pino";
import { type JsonSchema, TRANSPORT_SCHEMAS, TRANSPORTS } from "../../src/graph/index.js";
import {
  type ConnectorLog,
  ConnectorRegistry,
  connectors,
  createInbound,
  createOutbound,
  type InboundContext,
  registerConnector,
  UnknownConnectorError,
} from "../../src/transports/index.js";
import { captureLog } from "./helpers.js";

describe("transports/registry", () => {
  it("lists the built-in connector types with their directions, exactly those of the schemas", () => {
    const types = connectors.types();
    for (const t of ["mllp", "tcp", "file", "loopback", "sftp", "ftp", "ftps"])
      assert.deepEqual(
        types.find((x) => x.type === t),
        { type: t, inbound: true, outbound: true },
      );
    assert.deepEqual(
      types.find((x) => x.type === "http"),
      { type: "http", inbound: true, outbound: false },
    );
    assert.deepEqual(
      types.find((x) => x.type === "rest"),
      { type: "rest", inbound: false, outbound: true },
    );
    // The registry and the schemas (what the loader, language server and wizards offer) agree.
    const fromSchemas = TRANSPORTS.map((type) => {
      const dirs = (TRANSPORT_SCHEMAS[type] as JsonSchema)["x-mf-directions"] ?? [];
      return { type, inbound: dirs.includes("inbound"), outbound: dirs.includes("outbound") };
    });
    const byType = (a: { type: string }, b: { type: string }) => a.type.localeCompare(b.type);
    assert.deepEqual([...connectors.types()].sort(byType), fromSchemas.sort(byType));
  });

  it("creates connectors by type name, typed by direction", () => {
    const ib = createInbound("mllp", "IB_A", { port: 0 });
    assert.equal(ib.type, "mllp");
    assert.equal(ib.name, "IB_A");
    assert.equal(ib.state.status, "stopped");
    const ob = createOutbound("rest", "OB_A", { url: "http://127.0.0.1:9/" });
    assert.equal(ob.type, "rest");
    assert.equal(ob.state.status, "idle");
  });

  it("takes a pino logger as its log", () => {
    const log: ConnectorLog = pino({ level: "silent" });
    const ob = createOutbound("file", "OB_LOG", { directory: "/tmp" }, { log });
    assert.equal(ob.name, "OB_LOG");
  });

  it("names the unknown type and what exists", () => {
    assert.throws(
      () => createInbound("gopher", "IB_X", {}),
      (e: unknown) =>
        e instanceof UnknownConnectorError &&
        e.message ===
          `no inbound connector of type 'gopher' (known: ${connectors
            .types()
            .filter((t) => t.inbound)
            .map((t) => t.type)
            .join(", ")})` &&
        /known: mllp, tcp, file, http, loopback, /.test(e.message),
    );
    assert.throws(() => createOutbound("http", "OB_X", {}), /no outbound connector of type 'http'/);
  });

  it("reports bad settings with the connection and the setting", () => {
    assert.throws(
      () => createInbound("mllp", "IB_ACME_ADT", {}),
      /connection IB_ACME_ADT: setting 'port': is required/,
    );
    assert.throws(
      () => createInbound("mllp", "IB_ACME_ADT", { port: "26x0" }),
      /connection IB_ACME_ADT: setting 'port': must be an integer \(got "26x0"\)/,
    );
    assert.throws(
      () => createOutbound("mllp", "OB_ACME_ADT", { port: 2600 }),
      /OB_ACME_ADT: setting 'host': is required/,
    );
    assert.throws(
      () => createOutbound("mllp", "OB_ACME_ADT", { host: "h", port: 2600, tls: { cert: "c.pem" } }),
      /setting 'tls': cert and key must be given together/,
    );
  });

  it("accepts a new connector type and refuses to replace an existing one", async () => {
    const reg = new ConnectorRegistry();
    const started: string[] = [];
    reg.register("memory", {
      inbound: (name) => ({
        type: "memory",
        name,
        state: {
          status: "stopped",
          connections: 0,
          totalConnections: 0,
          bytesIn: 0,
          bytesOut: 0,
          messages: 0,
        },
        start: async (ctx: InboundContext) => {
          started.push(ctx.name);
        },
        stop: async () => {},
      }),
    });
    const ib = reg.createInbound("memory", "IB_MEM");
    await ib.start({ name: "IB_MEM", receive: async () => ({ accepted: true }), log: captureLog() });
    assert.deepEqual(started, ["IB_MEM"]);
    assert.throws(() => reg.register("memory", { outbound: () => ({}) as never }), /already registered/);
    assert.throws(
      () => registerConnector("mllp", { inbound: () => ({}) as never }),
      /'mllp' is already registered/,
    );
    assert.throws(
      () => reg.register("Bad Name", { inbound: () => ({}) as never }),
      /invalid connector type name/,
    );
  });
});
