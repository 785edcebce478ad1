/**
 * The harness sender against the harness sink over real sockets (and TLS): ACK codes, drops, silence,
 * delays, rules, open and closed loop, malformed messages, records and the NDJSON capture.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  generatedMessages,
  type OutgoingMessage,
  runSender,
  type Sink,
  type SinkOptions,
  startSink,
  withMalformed,
} from "../../src/harness/index.js";
import { tempDir } from "../support/fixtures.js";
import { selfSignedCert } from "../transports/helpers.js";

const adts = (n: number, seed = 1): OutgoingMessage[] => [...generatedMessages("ADT^A01", n, seed)];

describe("harness: sender → sink over real sockets", () => {
  let sink: Sink | undefined;
  const open = async (o: SinkOptions = {}) => {
    sink = await startSink(o);
    return sink;
  };
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
  });

  it("closed loop over several connections: every message ACKed AA and recorded once", async () => {
    const s = await open();
    const msgs = adts(40);
    const { summary, outcomes } = await runSender(msgs, { host: s.host, port: s.port, connections: 4 });
    assert.equal(summary.mode, "closed");
    assert.deepEqual(summary.codes, { AA: 40 });
    assert.equal(summary.accepted, 40);
    assert.equal(summary.latency.count, 40);
    assert.ok(summary.latency.p50 <= summary.latency.p95 && summary.latency.p95 <= summary.latency.p99);
    assert.deepEqual(
      outcomes.map((o) => o.controlId),
      msgs.map((m) => m.controlId),
    );
    const sum = s.summary();
    assert.equal(sum.received, 40);
    assert.equal(sum.distinct, 40);
    assert.equal(sum.duplicates, 0);
    assert.equal(sum.connections, 4);
    assert.deepEqual(new Set(s.accepted()), new Set(msgs.map((m) => m.controlId)));
  });

  it("answers AE and AR at the given rates, the same answers for the same seed", async () => {
    const answers = async (seed: number) => {
      const s = await open({ aeRate: 0.3, arRate: 0.2, seed });
      const { summary, outcomes } = await runSender(adts(200), { host: s.host, port: s.port });
      await s.close();
      sink = undefined;
      assert.equal(summary.sent, 200);
      assert.equal((summary.codes.AA ?? 0) + (summary.codes.AE ?? 0) + (summary.codes.AR ?? 0), 200);
      return outcomes.map((o) => o.code);
    };
    const first = await answers(3);
    const ae = first.filter((c) => c === "AE").length;
    const ar = first.filter((c) => c === "AR").length;
    assert.ok(ae > 35 && ae < 85, `AE ${ae}`);
    assert.ok(ar > 20 && ar < 60, `AR ${ar}`);
    assert.deepEqual(await answers(3), first);
  });

  it("rules answer one control id as told, for its first N arrivals, then the rates decide", async () => {
    const msgs = adts(3);
    const id = msgs[1]?.controlId ?? "";
    const s = await open({ rules: { [id]: { action: "AR", times: 2 } } });
    const codes = async () =>
      (await runSender(msgs, { host: s.host, port: s.port })).outcomes.map((o) => o.code);
    assert.deepEqual(await codes(), ["AA", "AR", "AA"]);
    assert.deepEqual(await codes(), ["AA", "AR", "AA"]);
    assert.deepEqual(await codes(), ["AA", "AA", "AA"]);
    assert.equal(s.summary().duplicates, 6);
  });

  it("a dropped connection and a silent sink: the sender records closed and timeout, then reconnects", async () => {
    const msgs = adts(3);
    const s = await open({
      rules: {
        [msgs[0]?.controlId ?? ""]: { action: "drop" },
        [msgs[1]?.controlId ?? ""]: { action: "silent" },
      },
    });
    const { summary, outcomes } = await runSender(msgs, { host: s.host, port: s.port, timeoutMs: 300 });
    assert.deepEqual(
      outcomes.map((o) => o.code),
      ["closed", "timeout", "AA"],
    );
    assert.equal(summary.latency.count, 1, "only answered messages count towards latency");
    const sum = s.summary();
    assert.deepEqual(sum.actions, { AA: 1, AE: 0, AR: 0, drop: 1, silent: 1 });
    assert.equal(sum.connections, 3);
    assert.equal(s.records[1]?.answeredAt, undefined);
  });

  it("delays each answer by the distribution", async () => {
    const s = await open({ delay: { kind: "fixed", ms: 40 } });
    const { summary } = await runSender(adts(5), { host: s.host, port: s.port });
    assert.ok(summary.service.min >= 39, `service min ${summary.service.min}`);
    for (const r of s.records) assert.ok((r.answeredAt ?? 0) - r.receivedAt >= 39);
  });

  it("open loop: sends at the asked rate, latency counted from the scheduled time", async () => {
    const s = await open();
    const { summary, outcomes } = await runSender(adts(30), {
      host: s.host,
      port: s.port,
      rate: 200,
      connections: 2,
    });
    assert.equal(summary.mode, "open");
    assert.equal(summary.rate, 200);
    assert.equal(summary.sent, 30);
    // The last message is due 145 ms after the first: the run cannot be shorter than its schedule.
    assert.ok(summary.durationMs >= 140, `${summary.durationMs} ms`);
    for (const [i, o] of outcomes.entries()) {
      assert.ok(Math.abs(o.scheduledAt - (outcomes[0]?.scheduledAt ?? 0) - i * 5) < 1e-6);
      assert.ok(o.sentAt >= o.scheduledAt);
      assert.ok(o.latencyMs >= o.serviceMs);
    }
  });

  it("malformed messages are refused (AR) by the sink and recorded without a control id", async () => {
    const s = await open();
    const { summary } = await runSender(withMalformed(adts(20), 1, 1), { host: s.host, port: s.port });
    assert.equal(summary.malformed, 20);
    assert.deepEqual(summary.codes, { AR: 20 });
    assert.ok(s.records.every((r) => r.controlId === "" && r.action === "AR"));
    assert.equal(s.summary().distinct, 0);
  });

  it("a refused connection is an outcome, not a crash", async () => {
    const s = await open();
    const port = s.port;
    await s.close();
    sink = undefined;
    const { summary } = await runSender(adts(2), { host: "127.0.0.1", port, timeoutMs: 1000 });
    assert.deepEqual(summary.codes, { refused: 2 });
  });

  it("captures each message with its record as NDJSON, over TLS", async () => {
    const t = tempDir();
    try {
      const cert = selfSignedCert(t.dir);
      const capture = join(t.dir, "capture.ndjson");
      const s = await open({ tls: cert, capture, aeRate: 1 });
      const msgs = adts(3);
      const { summary } = await runSender(msgs, { host: s.host, port: s.port, tls: { ca: cert.cert } });
      assert.deepEqual(summary.codes, { AE: 3 });
      await s.close();
      sink = undefined;
      const lines = readFileSync(capture, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.seq, l.controlId, l.action]),
        msgs.map((m, i) => [i + 1, m.controlId, "AE"]),
      );
      assert.equal(lines[0].message, msgs[0]?.bytes.toString("utf8"));
    } finally {
      t.cleanup();
    }
  });

  it("refuses fault rates that are not shares or add up to more than 1", async () => {
    await assert.rejects(startSink({ aeRate: 0.7, arRate: 0.5 }), /add up to at most 1/);
    await assert.rejects(startSink({ dropRate: -0.1 }), /0\.\.1/);
  });
});
