/**
 * AMQP over TLS (amqps) against the test's own RabbitMQ node — started here through the test services'
 * fresh-machine path (`startRabbitmq`, Debian's rabbitmq-server) with an amqps listener that requires a
 * client certificate from the test CA (certificates made with openssl).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestCerts, startRabbitmq } from "@messagefoundry/test-services";
import { AmqpInbound, AmqpOutbound, readAmqpInbound, readAmqpOutbound } from "../../src/transports/index.js";
import type { ReceiveResult } from "../../src/transports/types.js";
import { adt, captureLog, context, until } from "./helpers.js";

describe("amqp connector over TLS (amqps, mutual TLS)", function () {
  this.timeout(60_000);
  let dir: string;
  let broker: Awaited<ReturnType<typeof startRabbitmq>>;
  let certs: Awaited<ReturnType<typeof makeTestCerts>>;

  before(async function () {
    this.timeout(240_000);
    dir = mkdtempSync(join(tmpdir(), "mf-amqps-"));
    certs = await makeTestCerts(dir);
    broker = await startRabbitmq({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
  });
  after(async function () {
    this.timeout(90_000);
    await broker?.stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (tls: Record<string, unknown>) => ({
    url: `amqps://127.0.0.1:${broker.tlsPort}`,
    username: "guest",
    password: "guest",
    reconnectBaseMs: 50,
    reconnectMaxMs: 200,
    tls,
  });

  it("publishes and consumes over amqps with a client certificate; refuses without one or an untrusted server", async () => {
    const mtls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    const out = new AmqpOutbound(
      "OB_TLS",
      readAmqpOutbound("OB_TLS", { ...settings(mtls), exchange: "", routingKey: "tls-q" }),
      captureLog(),
    );
    const inbound = new AmqpInbound(
      "IB_TLS",
      readAmqpInbound("IB_TLS", { ...settings(mtls), queue: "tls-q", durable: false }),
      captureLog(),
    );
    const got: string[] = [];
    await inbound.start(
      context(async (payload): Promise<ReceiveResult> => {
        got.push(payload.toString("latin1").split("|")[9] ?? "");
        return { accepted: true };
      }),
    );
    await until(() => inbound.state.status === "listening");
    assert.deepEqual(await out.send(Buffer.from(adt("T1")), { messageId: "1" }), { status: "ok" });
    await until(() => got.length === 1);
    assert.deepEqual(got, ["T1"]);
    await inbound.stop();
    await out.close();

    const noCert = new AmqpOutbound(
      "OB_NOCERT",
      readAmqpOutbound("OB_NOCERT", { ...settings({ ca: certs.ca }), exchange: "", routingKey: "tls-q" }),
      captureLog(),
    );
    const refused = await noCert.send(Buffer.from(adt("T2")), { messageId: "2" });
    assert.equal(refused.status, "retry", "no client certificate: the broker refuses the handshake");
    await noCert.close();

    const untrusted = new AmqpOutbound(
      "OB_UNTRUSTED",
      readAmqpOutbound("OB_UNTRUSTED", {
        ...settings({ cert: certs.clientCert, key: certs.clientKey }),
        exchange: "",
        routingKey: "tls-q",
      }),
      captureLog(),
    );
    const r = await untrusted.send(Buffer.from(adt("T3")), { messageId: "3" });
    assert.equal(r.status, "retry");
    assert.match(r.error ?? "", /certificate/i, "the server's certificate is not trusted without the CA");
    await untrusted.close();
  });
});
