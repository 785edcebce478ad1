/**
 * The AMQP connector against a real RabbitMQ (the test services' broker: uniquely named queues and
 * exchanges, deleted after). A fault proxy in front of the broker makes it go away and come back.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  amqpUrl,
  type FaultProxy,
  faultProxy,
  rabbitmqService,
  useService,
} from "@messagefoundry/test-services";
import amqp from "amqplib";
import { AmqpInbound, AmqpOutbound, readAmqpInbound, readAmqpOutbound } from "../../src/transports/index.js";
import type { ReceiveMeta, ReceiveResult, SendMeta } from "../../src/transports/types.js";
import { adt, captureLog, context, until } from "./helpers.js";

/** The broker url without credentials, and the credentials as settings (as a config writes them). */
export function brokerSettings(url: string, via?: { host: string; port: number }) {
  const u = new URL(url);
  const username = decodeURIComponent(u.username || "guest");
  const password = decodeURIComponent(u.password || "guest");
  u.username = "";
  u.password = "";
  if (via) {
    u.hostname = via.host;
    u.port = String(via.port);
  }
  return { url: u.href.replace(/\/$/, ""), username, password, reconnectBaseMs: 50, reconnectMaxMs: 400 };
}

const unique = (what: string) => `mefor-test-${what}-${randomBytes(4).toString("hex")}`;
const meta = (id: string): SendMeta => ({
  messageId: id,
  controlId: id,
  filenameHint: { messageType: "ADT^A01", "MSH-10": id },
});

describe("amqp connector (RabbitMQ)", function () {
  this.timeout(60_000);
  let admin: amqp.ChannelModel;
  let ch: amqp.Channel;
  const queues: string[] = [];
  const exchanges: string[] = [];
  const proxies: FaultProxy[] = [];

  before(async function () {
    this.timeout(180_000);
    await useService(rabbitmqService);
    admin = await amqp.connect(amqpUrl());
    ch = await admin.createChannel();
  });
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.close();
  });
  after(async () => {
    for (const q of queues) await ch.deleteQueue(q).catch(() => undefined);
    for (const x of exchanges) await ch.deleteExchange(x).catch(() => undefined);
    await admin.close();
  });

  async function queue(): Promise<string> {
    const q = unique("q");
    queues.push(q);
    await ch.assertQueue(q, { durable: true });
    return q;
  }

  function publish(q: string, ids: string[]): void {
    for (const id of ids) ch.sendToQueue(q, Buffer.from(adt(id)), { persistent: true });
  }

  async function drain(q: string): Promise<string[]> {
    const got: string[] = [];
    for (;;) {
      const m = await ch.get(q, { noAck: true });
      if (m === false) return got;
      got.push(controlId(m.content));
    }
  }

  async function proxy(): Promise<FaultProxy> {
    const u = new URL(amqpUrl());
    const p = await faultProxy({ host: u.hostname, port: Number(u.port || 5672) });
    proxies.push(p);
    return p;
  }

  it("consumes in order, acks after receive resolved, and carries the content-type", async () => {
    const q = await queue();
    const committed: string[] = [];
    const metas: ReceiveMeta[] = [];
    const inbound = new AmqpInbound(
      "IB_AMQP",
      readAmqpInbound("IB_AMQP", { ...brokerSettings(amqpUrl()), queue: q }),
      captureLog(),
    );
    await inbound.start(
      context(async (payload, m): Promise<ReceiveResult> => {
        committed.push(controlId(payload));
        metas.push(m);
        return { accepted: true };
      }),
    );
    const ids = Array.from({ length: 20 }, (_, i) => `C${String(i).padStart(3, "0")}`);
    publish(q, ids);
    await until(() => committed.length >= ids.length);
    await inbound.stop();
    assert.deepEqual(committed, ids);
    assert.equal(metas[0]?.transport, "amqp");
    assert.equal((await ch.checkQueue(q)).messageCount, 0, "every delivery was acked");
  });

  it("never acks before receive resolves: a delivery whose receive is pending when the broker goes away is redelivered", async () => {
    const q = await queue();
    const p = await proxy();
    const seen: { id: string; redelivered: boolean }[] = [];
    let release: (() => void) | undefined;
    const inbound = new AmqpInbound(
      "IB_AMQP",
      readAmqpInbound("IB_AMQP", { ...brokerSettings(amqpUrl(), p), queue: q, prefetch: 1 }),
      captureLog(),
    );
    let first = true;
    await inbound.start(
      context(async (payload): Promise<ReceiveResult> => {
        seen.push({ id: controlId(payload), redelivered: false });
        if (first) {
          first = false;
          await new Promise<void>((r) => {
            release = r;
          });
        }
        return { accepted: true };
      }),
    );
    publish(q, ["P1", "P2"]);
    await until(() => release !== undefined);
    p.cut(); // the commit is still in progress: the delivery is not acked
    release?.();
    await until(() => inbound.state.status === "error");
    p.restore();
    await until(() => seen.filter((s) => s.id === "P2").length >= 1);
    await inbound.stop();
    assert.deepEqual(
      seen.map((s) => s.id),
      ["P1", "P1", "P2"],
      "P1 again (redelivered, the broker never had its ack), then P2: order kept",
    );
    assert.ok(inbound.redeliveries >= 1);
    assert.equal((await ch.checkQueue(q)).messageCount, 0);
  });

  it("a failed commit nacks with requeue and pauses; the delivery comes back in its place", async () => {
    const q = await queue();
    const committed: string[] = [];
    let failures = 0;
    const log = captureLog();
    const inbound = new AmqpInbound(
      "IB_AMQP",
      readAmqpInbound("IB_AMQP", { ...brokerSettings(amqpUrl()), queue: q, prefetch: 5 }),
      log,
    );
    await inbound.start(
      context(async (payload): Promise<ReceiveResult> => {
        const id = controlId(payload);
        if (id === "F3" && failures < 2) {
          failures++;
          throw new Error("store unavailable");
        }
        committed.push(id);
        return { accepted: true };
      }),
    );
    const ids = ["F1", "F2", "F3", "F4", "F5", "F6", "F7"];
    publish(q, ids);
    await until(() => committed.length >= ids.length);
    await inbound.stop();
    assert.deepEqual(committed, ids, "nothing lost, nothing twice, order kept");
    assert.equal(failures, 2);
    assert.ok(log.entries.some((e) => e.level === "error" && e.msg === "intake failed; delivery requeued"));
    assert.equal((await ch.checkQueue(q)).messageCount, 0);
  });

  it("declares and binds: exchange, routing key, durable", async () => {
    const q = unique("bound");
    const x = unique("x");
    queues.push(q);
    exchanges.push(x);
    const committed: string[] = [];
    const inbound = new AmqpInbound(
      "IB_AMQP",
      readAmqpInbound("IB_AMQP", {
        ...brokerSettings(amqpUrl()),
        queue: q,
        exchange: x,
        exchangeType: "topic",
        routingKey: "hl7.ADT_A01",
      }),
      captureLog(),
    );
    await inbound.start(
      context(async (payload): Promise<ReceiveResult> => {
        committed.push(controlId(payload));
        return { accepted: true };
      }),
    );
    await until(() => inbound.state.status === "listening");
    ch.publish(x, "hl7.ORU_R01", Buffer.from(adt("NOT_BOUND")));
    ch.publish(x, "hl7.ADT_A01", Buffer.from(adt("B1")));
    await until(() => committed.length >= 1);
    await inbound.stop();
    assert.deepEqual(committed, ["B1"]);
  });

  it("publishes persistent messages with a templated routing key; ok only after the confirm", async () => {
    const x = unique("out");
    exchanges.push(x);
    await ch.assertExchange(x, "topic", { durable: false });
    const q = await queue();
    await ch.bindQueue(q, x, "hl7.#");
    const out = new AmqpOutbound(
      "OB_AMQP",
      readAmqpOutbound("OB_AMQP", {
        ...brokerSettings(amqpUrl()),
        exchange: x,
        routingKey: "hl7.{messageType}",
      }),
      captureLog(),
    );
    for (const id of ["O1", "O2", "O3"])
      assert.deepEqual(await out.send(Buffer.from(adt(id)), meta(id)), { status: "ok" });
    await out.close();
    const m = await ch.get(q, { noAck: true });
    assert.ok(m);
    assert.equal(m.fields.routingKey, "hl7.ADT_A01");
    assert.equal(m.properties.deliveryMode, 2, "persistent");
    assert.equal(m.properties.messageId, "O1");
    assert.deepEqual([controlId(m.content), ...(await drain(q))], ["O1", "O2", "O3"]);
  });

  it("an unroutable message is retried by default, dead-lettered with onRejected = deadLetter", async () => {
    const x = unique("nowhere");
    exchanges.push(x);
    await ch.assertExchange(x, "direct", { durable: false });
    const base = { ...brokerSettings(amqpUrl()), exchange: x, routingKey: "nobody" };
    const retry = new AmqpOutbound("OB_R", readAmqpOutbound("OB_R", base), captureLog());
    const r1 = await retry.send(Buffer.from(adt("U1")), meta("U1"));
    assert.equal(r1.status, "retry");
    assert.match(r1.error ?? "", /unroutable: 312 NO_ROUTE/);
    await retry.close();
    const dead = new AmqpOutbound(
      "OB_D",
      readAmqpOutbound("OB_D", { ...base, onRejected: "deadLetter" }),
      captureLog(),
    );
    assert.equal((await dead.send(Buffer.from(adt("U2")), meta("U2"))).status, "permanent");
    await dead.close();
  });

  it("broker away: sends retry; back: the next send is confirmed", async () => {
    const q = await queue();
    const p = await proxy();
    const out = new AmqpOutbound(
      "OB_AMQP",
      readAmqpOutbound("OB_AMQP", { ...brokerSettings(amqpUrl(), p), exchange: "", routingKey: q }),
      captureLog(),
    );
    assert.equal((await out.send(Buffer.from(adt("D1")), meta("D1"))).status, "ok");
    p.cut();
    const down = await out.send(Buffer.from(adt("D2")), meta("D2"));
    assert.equal(down.status, "retry");
    assert.equal(out.state.status, "error");
    p.restore();
    assert.equal((await out.send(Buffer.from(adt("D2")), meta("D2"))).status, "ok");
    await out.close();
    assert.deepEqual(await drain(q), ["D1", "D2"]);
  });

  it("a template without a value is permanent; settings errors name the setting", async () => {
    const out = new AmqpOutbound(
      "OB_AMQP",
      readAmqpOutbound("OB_AMQP", { ...brokerSettings(amqpUrl()), exchange: "", routingKey: "q.{nothing}" }),
      captureLog(),
    );
    const r = await out.send(Buffer.from("x"), { messageId: "1" });
    assert.equal(r.status, "permanent");
    assert.match(r.error ?? "", /routingKey template has no value for \{nothing\}/);
    await out.close();
    assert.throws(
      () => readAmqpInbound("IB_X", { url: "amqp://guest:secret@127.0.0.1/", queue: "q" }),
      /setting 'url': must not carry a password/,
    );
    assert.throws(() => readAmqpInbound("IB_X", { url: "http://127.0.0.1/", queue: "q" }), /setting 'url'/);
    assert.throws(
      () => readAmqpOutbound("OB_X", { url: "amqp://127.0.0.1" }),
      /setting 'exchange': is required/,
    );
    assert.throws(
      () => readAmqpInbound("IB_X", { url: "amqp://127.0.0.1", queue: "q", tls: { ca: "/x" } }),
      /setting 'tls': needs an amqps: url/,
    );
  });
});

function controlId(payload: Buffer): string {
  return payload.toString("latin1").split("\r")[0]?.split("|")[9] ?? "";
}
