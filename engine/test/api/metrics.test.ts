/**
 * GET /metrics over real HTTP on a real engine moving real MLLP traffic: the Prometheus text
 * exposition is parsed line by line (HELP/TYPE before samples, label syntax, numeric values,
 * cumulative histogram buckets ending in +Inf = count), the counts and latencies match the traffic,
 * and the route is behind `metrics:read`. Delivery latencies also arrive from delivery threads.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { renderMetrics } from "../../src/api/prometheus.js";
import { Latencies } from "../../src/pipeline/index.js";
import { adt, MllpSender, mllpSink, openEngine, tempDir, until, writeFiles } from "../runtime/helpers.js";
import { bootConfig, freePort, type Harness, startApi } from "./helpers.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format (0.0.4): throws on any line it does not understand. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") {
        assert.match(meta[3] ?? "", /^(counter|gauge|histogram|summary|untyped)$/);
        assert.ok(!types.has(meta[2] ?? ""), `TYPE given twice for ${meta[2]}`);
        types.set(meta[2] ?? "", meta[3] ?? "");
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const name = m[1] ?? "";
    const labels: Record<string, string> = {};
    let rest = m[2] ?? "";
    while (rest.length > 0) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)",?/.exec(rest);
      assert.ok(l, `bad labels in ${line}`);
      labels[l[1] ?? ""] = (l[2] ?? "").replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(l[0].length);
    }
    const raw = m[3] ?? "";
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    assert.ok(raw === "NaN" || !Number.isNaN(value), `bad value in ${line}`);
    const family = name.replace(/_(bucket|sum|count)$/, "");
    assert.ok(types.has(name) || types.get(family) === "histogram", `${name} has no TYPE before it`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

/** Histogram buckets per series are cumulative and end with +Inf equal to _count. */
function checkHistogram(samples: Sample[], family: string, connection: string): number {
  const buckets = samples.filter((s) => s.name === `${family}_bucket` && s.labels.connection === connection);
  assert.ok(buckets.length > 1, `${family} has buckets for ${connection}`);
  for (let i = 1; i < buckets.length; i++)
    assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0));
  const last = buckets[buckets.length - 1];
  assert.equal(last?.labels.le, "+Inf");
  const count = value(samples, `${family}_count`, { connection });
  assert.equal(last?.value, count);
  return count ?? 0;
}

describe("api/metrics: GET /metrics (Prometheus text format)", () => {
  let h: Harness;
  let sink: Awaited<ReturnType<typeof mllpSink>>;
  let inPort: number;
  before(async () => {
    sink = await mllpSink();
    inPort = await freePort();
    h = await startApi({ boot: bootConfig({ inPort, outPort: sink.port }), quiet: [] });
  });
  after(async () => {
    await h?.close();
    await sink?.close();
  });

  it("counts, states, depths and ACK/delivery latency histograms for real traffic, behind metrics:read", async () => {
    const sender = await MllpSender.connect(inPort);
    try {
      for (const id of ["M1", "M2", "M3"]) assert.equal(await sender.send(adt(id)), "AA");
    } finally {
      sender.close();
    }
    await until(() => sink.received.length === 3);
    const token = await h.login("viewer");
    // The delivery counters are committed just after the sink answered: read until they are.
    let text = "";
    await until(async () => {
      const res = await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      text = await res.text();
      return parseExposition(text).samples.some(
        (s) => s.name === "messagefoundry_messages_delivered_total" && s.value === 3,
      );
    });
    const { types, samples } = parseExposition(text);
    assert.equal(types.get("messagefoundry_messages_received_total"), "counter");
    assert.equal(types.get("messagefoundry_ack_latency_seconds"), "histogram");
    assert.equal(value(samples, "messagefoundry_messages_received_total", { connection: "IB_TEST_ADT" }), 3);
    assert.equal(value(samples, "messagefoundry_messages_delivered_total", { connection: "OB_TEST_ADT" }), 3);
    assert.equal(
      value(samples, "messagefoundry_connection_state", { connection: "IB_TEST_ADT", state: "running" }),
      1,
    );
    assert.equal(
      value(samples, "messagefoundry_connection_state", { connection: "IB_TEST_ADT", state: "stopped" }),
      0,
    );
    assert.equal(checkHistogram(samples, "messagefoundry_ack_latency_seconds", "IB_TEST_ADT"), 3);
    assert.equal(checkHistogram(samples, "messagefoundry_delivery_latency_seconds", "OB_TEST_ADT"), 3);
    assert.equal(types.get("messagefoundry_queue_pending"), "gauge");
    // Names and numbers only: no message content in any label.
    assert.doesNotMatch(text, /PATIENT|MSH\|/);
  });

  it("answers 403 to a role without metrics:read and 401 without a session", async () => {
    const auditor = await h.login("auditor");
    const denied = await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${auditor}` } });
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { error: { code: string } }).error.code, "FORBIDDEN");
    assert.equal((await fetch(`${h.base}/metrics`)).status, 401);
  });
});

describe("api/metrics: the exposition writer", () => {
  it("escapes label values and reports the oldest open row's age where the store gives it", () => {
    const latencies = new Latencies();
    latencies.observe("delivery", 'OB "quoted"\\name', 12);
    const text = renderMetrics(
      {
        stats: {
          at: 0,
          totals: {
            received: 0,
            processed: 0,
            errored: 0,
            filtered: 0,
            unrouted: 0,
            delivered: 0,
            failed: 0,
            duplicates: 0,
          },
          connections: [],
          depth: [{ stage: "outbound", connection: "OB", pending: 2, claimed: 1, oldestAt: 10_000 }],
        },
        connections: [
          {
            name: "OB",
            direction: "outbound",
            transport: "mllp",
            state: "running",
            errorClass: "ECONNREFUSED",
            counts: {
              received: 0,
              processed: 0,
              errored: 0,
              filtered: 0,
              unrouted: 0,
              delivered: 0,
              failed: 0,
              duplicates: 0,
            },
            lastActivity: null,
            queueDepth: 3,
          },
        ],
        latencies: latencies.snapshot(),
      },
      70_000,
    );
    const { samples } = parseExposition(text);
    assert.equal(
      value(samples, "messagefoundry_queue_oldest_age_seconds", { stage: "outbound", connection: "OB" }),
      60,
    );
    assert.equal(value(samples, "messagefoundry_connection_failing", { error_class: "ECONNREFUSED" }), 1);
    assert.equal(
      value(samples, "messagefoundry_delivery_latency_seconds_count", { connection: 'OB "quoted"\\name' }),
      1,
    );
    assert.equal(
      value(samples, "messagefoundry_delivery_latency_seconds_bucket", {
        connection: 'OB "quoted"\\name',
        le: "0.025",
      }),
      1,
    );
  });
});

describe("api/metrics: delivery latencies from delivery threads", () => {
  it("a lane delivering in its own thread reports its latencies to the engine", async () => {
    const { dir, cleanup } = tempDir();
    const sink = await mllpSink();
    const inPort = await freePort();
    writeFiles(join(dir, "config"), bootConfig({ inPort, outPort: sink.port }));
    const engine = await openEngine(join(dir, "config"), join(dir, "engine.db"), { offloadDelivery: true });
    try {
      const sender = await MllpSender.connect(inPort);
      for (const id of ["T1", "T2"]) assert.equal(await sender.send(adt(id)), "AA");
      sender.close();
      await until(() => sink.received.length === 2);
      await until(
        () =>
          engine.latencies.snapshot().find((s) => s.kind === "delivery" && s.connection === "OB_TEST_ADT")
            ?.histogram.count === 2,
      );
    } finally {
      await engine.stop();
      await sink.close();
      cleanup();
    }
  });
});
