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
  type AckSummary,
  ackLine,
  dueAt,
  messagesIn,
  mllpInbounds,
  parseHostPort,
  rememberTarget,
  sendMessages,
} from "../src/send/mllpSend.js";
import {
  ackCounts,
  allAccepted,
  countsLine,
  GENERATED_TYPES,
  generateArgs,
  isMessageFile,
  parseCount,
  parseRate,
  planMessages,
  progressLine,
} from "../src/send/sendPlan.js";
import { copySamples } from "./support/engineCli.js";
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

  it("many files, paced at a rate, with progress after each ACK; stopping keeps what was sent", async () => {
    const sink = await mllpSink();
    try {
      const { messages, empty } = planMessages([
        { name: "a.hl7", text: `${sample("MANY0001")}\n\n${sample("MANY0002")}` },
        { name: "notes.hl7", text: "nothing here" },
        { name: "b.hl7", text: sample("MANY0003") },
      ]);
      assert.deepEqual(empty, ["notes.hl7"]);
      assert.equal(messages.length, 3);
      const seen: string[] = [];
      const startedAt = Date.now();
      const acks = await sendMessages({ host: "127.0.0.1", port: sink.port }, messages, {
        rate: 20,
        onAck: (ack, done) => seen.push(`${done}:${ack.controlId}`),
      });
      assert.deepEqual(seen, ["1:MANY0001", "2:MANY0002", "3:MANY0003"]);
      assert.ok(Date.now() - startedAt >= 100, "the third message waits for its slot (2 × 50 ms)");
      assert.equal(countsLine(acks), "AA 3");

      const stop = new AbortController();
      const partial = await sendMessages({ host: "127.0.0.1", port: sink.port }, messages, {
        signal: stop.signal,
        onAck: (_ack, done) => done === 2 && stop.abort(),
      });
      assert.equal(partial.length, 2);
      assert.equal(sink.received.length, 5);
    } finally {
      await sink.close();
    }
  });

  it("generated messages: the CLI's generate arguments give messages the engine ACKs", async () => {
    const args = generateArgs("ADT^A01", 3, 42);
    assert.deepEqual(args, ["generate", "--type", "ADT^A01", "--count", "3", "--seed", "42"]);
    const samples = copySamples();
    const generated = await samples.run(args).finally(() => samples.remove());
    assert.equal(generated.code, 0, generated.stderr);
    const { messages } = planMessages([{ name: "generated ADT^A01", text: generated.stdout }]);
    assert.equal(messages.length, 3);
    const acks = await sendMessages({ host: "127.0.0.1", port: engine.ports.inPort }, messages);
    assert.deepEqual(ackCounts(acks), [["AA", 3]]);
    assert.throws(() => generateArgs("ADT^Z99", 1, 1), /Unknown message type/);
  });

  it("the many-message model: folders' files, counts, rates, pacing and summaries (pure)", () => {
    assert.ok(isMessageFile("adt.HL7") && !isMessageFile("notes.md"));
    assert.ok(GENERATED_TYPES.includes("ORU^R01") && !GENERATED_TYPES.some((t) => t.startsWith("X12")));
    assert.equal(parseCount("25"), 25);
    for (const bad of ["0", "1.5", "x", "", "10001"]) assert.ok(typeof parseCount(bad) !== "number", bad);
    assert.equal(parseRate("2.5"), 2.5);
    for (const bad of ["0", "-1", "x", "", "20000"]) assert.ok(typeof parseRate(bad) !== "number", bad);
    assert.equal(dueAt(1000, 3, 10), 1300);
    assert.equal(dueAt(1000, 3, undefined), 1000);
    const acks: AckSummary[] = ["AE", "AA", "AR", "AA"].map((code, i) => ({
      controlId: `C${i}`,
      code,
      text: "",
    }));
    assert.deepEqual(ackCounts(acks), [
      ["AA", 2],
      ["AE", 1],
      ["AR", 1],
    ]);
    assert.equal(progressLine(acks.slice(0, 2), 10), "2/10 — AA 1 · AE 1");
    assert.equal(progressLine([], 10), "0/10");
    assert.equal(allAccepted(acks), false);
    assert.equal(allAccepted(acks.filter((a) => a.code === "AA")), true);
  });
});
