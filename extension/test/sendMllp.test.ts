/**
 * "Send to MLLP…" against real receivers: the real engine's MLLP inbound (found from its graph with the
 * environment's values, as the command offers the local engine's inbounds) ACKs each message of a file
 * with AA after storing it; a receiver answering AE shows its code and text; the pure parts — host:port
 * input, the recent list — behave as the command relies on.
 */
import assert from "node:assert/strict";
import { mllpSink } from "../../engine/test/runtime/helpers.js";
import { EngineClient } from "../src/engine/index.js";
import {
  ackLine,
  messagesIn,
  mllpInbounds,
  parseHostPort,
  rememberTarget,
  sendMessages,
} from "../src/send/mllpSend.js";
import { OPERATOR, type RealEngine, startRealEngine } from "./support/realEngine.js";

const sample = (controlId: string) =>
  [
    `MSH|^~\\&|LAB|FAC|EHR|FAC|20260101120000||ORU^R01|${controlId}|P|2.5.1`,
    `PID|1||${controlId}^^^MRN||TEST^PATIENT||19700101|U`,
    "OBX|1|NM|GLU^Glucose||182|mg/dL|70-99|H",
  ].join("\n");

describe("Send to MLLP (real receivers)", () => {
  let engine: RealEngine;
  before(async () => {
    engine = await startRealEngine();
  });
  after(() => engine?.close());

  it("sends each message of a file to the local engine's inbound and shows the ACKs", async () => {
    const client = new EngineClient({ url: engine.url });
    await client.login(OPERATOR);
    const targets = mllpInbounds(await client.graph(), { in_port: engine.ports.inPort });
    assert.deepEqual(targets, [{ host: "127.0.0.1", port: engine.ports.inPort, inbound: "IB_TEST_ADT" }]);

    const file = `${sample("SEND0001")}\n\n${sample("SEND0002")}\n`;
    const messages = messagesIn(file);
    assert.equal(messages.length, 2);
    const acks = await sendMessages(targets[0]!, messages);
    assert.deepEqual(
      acks.map((a) => [a.controlId, a.code]),
      [
        ["SEND0001", "AA"],
        ["SEND0002", "AA"],
      ],
    );
    const stored = await client.messages({ controlId: "SEND0002" });
    assert.equal(stored.items.length, 1, "the engine stored what it ACKed");
  });

  it("shows a negative ACK's code and text", async () => {
    const sink = await mllpSink();
    sink.answer = () => "AE";
    try {
      const [ack] = await sendMessages(
        { host: "127.0.0.1", port: sink.port },
        messagesIn(sample("SEND0003")),
      );
      assert.equal(ack?.code, "AE");
      assert.match(ackLine(ack!), /^AE.*\(SEND0003\)$/);
    } finally {
      await sink.close();
    }
  });

  it("says clearly when nothing listens", async () => {
    await assert.rejects(
      sendMessages({ host: "127.0.0.1", port: 1 }, messagesIn(sample("SEND0004")), { timeoutMs: 2000 }),
      /could not connect to 127\.0\.0\.1:1/,
    );
  });

  it("host:port input and the recent targets (pure)", () => {
    assert.deepEqual(parseHostPort("lab.example.test:2575"), { host: "lab.example.test", port: 2575 });
    assert.deepEqual(parseHostPort("[::1]:2575"), { host: "::1", port: 2575 });
    assert.ok("error" in parseHostPort("2575"));
    assert.ok("error" in parseHostPort("host:70000"));
    const a = { host: "a", port: 1 };
    const b = { host: "b", port: 2 };
    assert.deepEqual(rememberTarget([a, b], { host: "b", port: 2 }), [b, a]);
    assert.equal(rememberTarget([a, b, { host: "c", port: 3 }], { host: "d", port: 4 }, 3).length, 3);
  });
});
