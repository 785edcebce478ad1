import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import https from "node:https";
import {
  createInbound,
  createOutbound,
  type InboundConnector,
  type OutboundConnector,
} from "../../src/transports/index.js";
import { ackingIntake, adt, context, controlIdOf, selfSignedCert, tempDir } from "./helpers.js";

describe("transports/tls", () => {
  const tmp = tempDir();
  let cert: { cert: string; key: string };
  const open: (InboundConnector | OutboundConnector)[] = [];
  before(() => {
    cert = selfSignedCert(tmp.dir);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await ("stop" in c ? c.stop() : c.close());
  });
  after(() => tmp.cleanup());

  it("MLLP over TLS: round trip between the TLS inbound and the TLS outbound", async () => {
    const intake = ackingIntake();
    const ib = createInbound("mllp", "IB_TLS_ADT", { host: "127.0.0.1", port: 0, tls: cert });
    open.push(ib);
    await ib.start(context(intake.receive));
    const ob = createOutbound("mllp", "OB_TLS_ADT", {
      host: "127.0.0.1",
      port: ib.state.port!,
      tls: { ca: cert.cert },
    });
    open.push(ob);
    const r = await ob.send(Buffer.from(adt("TLS1")), { messageId: "1" });
    assert.equal(r.status, "ok");
    assert.equal(controlIdOf(r.reply!), "TLS1");
    assert.equal(intake.received[0]!.payload.toString(), adt("TLS1"));
  });

  it("MLLP over TLS: an untrusted server certificate is refused (retry, nothing delivered)", async () => {
    const intake = ackingIntake();
    const ib = createInbound("mllp", "IB_TLS_ADT", { host: "127.0.0.1", port: 0, tls: cert });
    open.push(ib);
    await ib.start(context(intake.receive));
    const ob = createOutbound("mllp", "OB_TLS_ADT", { host: "127.0.0.1", port: ib.state.port!, tls: {} });
    open.push(ob);
    const r = await ob.send(Buffer.from(adt("TLS2")), { messageId: "2" });
    assert.equal(r.status, "retry");
    assert.match(r.error!, /self[- ]signed|certificate/i);
    assert.equal(intake.received.length, 0);
  });

  it("mutual TLS: a client without the trusted certificate is refused, one with it is served", async () => {
    const client = selfSignedCert(tmp.dir, "client-");
    const intake = ackingIntake();
    const ib = createInbound("mllp", "IB_MTLS_ADT", {
      host: "127.0.0.1",
      port: 0,
      tls: { ...cert, ca: client.cert, requireClientCert: true },
    });
    open.push(ib);
    await ib.start(context(intake.receive));
    const port = ib.state.port!;
    const anonymous = createOutbound("mllp", "OB_ANON", {
      host: "127.0.0.1",
      port,
      tls: { ca: cert.cert },
      ackTimeoutMs: 2000,
    });
    open.push(anonymous);
    const refused = await anonymous.send(Buffer.from(adt("MTLS0")), { messageId: "0" });
    assert.equal(refused.status, "retry");
    assert.equal(intake.received.length, 0);
    const trusted = createOutbound("mllp", "OB_MTLS", {
      host: "127.0.0.1",
      port,
      tls: { ca: cert.cert, ...client },
    });
    open.push(trusted);
    const ok = await trusted.send(Buffer.from(adt("MTLS1")), { messageId: "1" });
    assert.equal(ok.status, "ok");
    assert.equal(controlIdOf(ok.reply!), "MTLS1");
  });

  it("a missing certificate file fails start with the connection named", async () => {
    const ib = createInbound("mllp", "IB_NOCERT", {
      host: "127.0.0.1",
      port: 0,
      tls: { cert: `${tmp.dir}/missing.pem`, key: cert.key },
    });
    await assert.rejects(
      ib.start(context(ackingIntake().receive)),
      /mllp inbound IB_NOCERT: cannot load TLS files: .*ENOENT/,
    );
  });

  it("HTTP inbound over TLS: POST over https gets the ACK", async () => {
    const intake = ackingIntake();
    const ib = createInbound("http", "IB_HTTPS_ADT", { host: "127.0.0.1", port: 0, path: "/hl7", tls: cert });
    open.push(ib);
    await ib.start(context(intake.receive));
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        { host: "127.0.0.1", port: ib.state.port, path: "/hl7", method: "POST", ca: readFileSync(cert.cert) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on("error", reject);
      req.end(adt("HTTPS1"));
    });
    assert.equal(status, 200);
    assert.equal(controlIdOf(Buffer.from(body)), "HTTPS1");
    assert.equal(intake.received[0]!.meta.transport, "http");
  });
});
