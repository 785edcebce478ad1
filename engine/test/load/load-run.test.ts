/**
 * The load run against real sockets, no engine: the harness sink as the target. Open loop measures
 * latency from each message's scheduled time, so a receiver that answers slowly shows its queueing
 * (no coordinated omission); closed loop keeps one message in flight per connection; the mix sends
 * valid, distinct, padded messages; a vanished target counts as errors, not as silence.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "mocha";
import { startSink } from "../../src/harness/index.js";
import { decodeHl7Bytes, parse } from "../../src/hl7/index.js";
import { type LoadProfile, LoadRun } from "../../src/load/index.js";
import { MessageMix } from "../../src/load/mix.js";
import { freePort } from "../runtime/helpers.js";

function profile(over: Partial<LoadProfile>): LoadProfile {
  return {
    name: "t",
    description: "",
    phases: [],
    mix: [{ type: "ADT^A01", weight: 1 }],
    slo: {},
    ...over,
  };
}

describe("load: runs against a sink (no engine)", function () {
  this.timeout(60_000);
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of closers) await c();
  });

  it("open loop counts latency from the schedule: a receiver 5× too slow shows seconds, not its 200 ms", async () => {
    // One connection, answers one at a time after 200 ms (5 msg/s); offered 25 msg/s for 2 s = 50 messages.
    const sink = await startSink({ delay: { kind: "fixed", ms: 200 } });
    closers.push(() => sink.close());
    const result = await new LoadRun({
      profile: profile({
        phases: [{ kind: "sustained", seconds: 2, loop: "open", rate: 25, connections: 1 }],
      }),
      host: "127.0.0.1",
      port: sink.port,
    }).run();
    const p = result.phases[0];
    assert.equal(p?.sent, 50);
    assert.equal(p?.acked, 50);
    // The 50th answer cannot come before 50 × 200 ms = 10 s; it was due at 1.96 s: ≥ 8 s late.
    assert.ok((p?.ack.max ?? 0) >= 8000, `max ${p?.ack.max} ms`);
    assert.ok((p?.ack.p50 ?? 0) >= 3000, `p50 ${p?.ack.p50} ms`);
    assert.equal(sink.summary().received, 50);
  });

  it("closed loop keeps one message in flight per connection: each waits only for its own answer", async () => {
    const sink = await startSink({ delay: { kind: "fixed", ms: 100 } });
    closers.push(() => sink.close());
    const result = await new LoadRun({
      profile: profile({ phases: [{ kind: "sustained", seconds: 2, loop: "closed", connections: 2 }] }),
      host: "127.0.0.1",
      port: sink.port,
    }).run();
    const p = result.phases[0];
    // 2 connections × at most 10 answers a second each, for 2 s (plus the one in flight at the end).
    assert.ok((p?.sent ?? 0) <= 2 * 21 + 2, `sent ${p?.sent}`);
    assert.ok((p?.sent ?? 0) >= 4);
    assert.equal(p?.acked, p?.sent);
    assert.ok((p?.ack.p50 ?? 0) >= 100, `p50 ${p?.ack.p50}`);
    assert.ok((p?.ack.p50 ?? 0) < 8000, "a closed loop never queues behind its own messages");
  });

  it("with its own sink, reconciles every delivery and measures end to end; AE answers are errors", async () => {
    const port = await freePort();
    const result = await new LoadRun({
      profile: profile({
        phases: [{ kind: "sustained", seconds: 1, loop: "open", rate: 50, connections: 2 }],
      }),
      host: "127.0.0.1",
      port,
      sink: { host: "127.0.0.1", port },
    }).run();
    const rec = result.reconciliation;
    assert.equal(rec.sent, 50);
    assert.equal(rec.sinkReceived, 50);
    assert.equal(rec.expectedDeliveries, 50);
    assert.equal(rec.lossFree, true);
    assert.equal(result.totals.e2e.count, 50);
    assert.ok(result.samples.length >= 1);

    const refusing = await startSink({ aeRate: 1 });
    closers.push(() => refusing.close());
    const bad = await new LoadRun({
      profile: profile({
        phases: [{ kind: "sustained", seconds: 1, loop: "open", rate: 10, connections: 1 }],
      }),
      host: "127.0.0.1",
      port: refusing.port,
    }).run();
    assert.equal(bad.totals.errors, 10);
    assert.equal(bad.reconciliation.nakked, 10);
    assert.equal(bad.reconciliation.ackedAA, 0);
  });

  it("a target that drops every connection: messages count as lost, the run still ends", async () => {
    const dropping = await startSink({ dropRate: 1 });
    closers.push(() => dropping.close());
    const result = await new LoadRun({
      profile: profile({
        phases: [{ kind: "sustained", seconds: 1, loop: "open", rate: 20, connections: 2 }],
      }),
      host: "127.0.0.1",
      port: dropping.port,
    }).run();
    assert.equal(result.reconciliation.sent, 20);
    assert.equal(result.reconciliation.ackedAA, 0);
    assert.equal(result.reconciliation.timedOut, 20);
    assert.equal(result.totals.errors, 20);
  });

  it("the mix: valid HL7 of the picked types, a fresh control id each, padded to size, fan-out per type", () => {
    const mix = new MessageMix(
      [
        { type: "ADT^A01", weight: 1 },
        { type: "ORU^R01", weight: 1, bytes: 3000, deliveries: 2 },
      ],
      5,
      "LDTEST",
    );
    const ids = new Set<string>();
    const types = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const m = mix.next();
      assert.equal(m.frame[0], 0x0b);
      assert.deepEqual([...m.frame.subarray(-2)], [0x1c, 0x0d]);
      const msg = parse(decodeHl7Bytes(m.frame.subarray(1, -2)));
      assert.equal(msg.get("MSH-10"), m.controlId);
      assert.ok(m.controlId.startsWith("LDTEST") && m.controlId.length <= 20);
      ids.add(m.controlId);
      const type = `${msg.get("MSH-9.1")}^${msg.get("MSH-9.2")}`;
      types.add(type);
      if (type === "ORU^R01") {
        assert.ok(Math.abs(m.frame.length - 3 - 3000) <= 20, `size ${m.frame.length}`);
        assert.equal(mix.deliveriesOf(m.entry), 2);
      } else assert.equal(mix.deliveriesOf(m.entry), 1);
    }
    assert.equal(ids.size, 200);
    assert.deepEqual([...types].sort(), ["ADT^A01", "ORU^R01"]);
  });
});
