/** SLO gates, zero-loss reconciliation, baseline regressions and the exit code, on hand-made results. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  checkSlo,
  exitCodeOf,
  failoverCheck,
  LOAD_EXIT,
  type LoadResult,
  lossFree,
  type Measures,
  measuresOf,
  type Reconciliation,
  regressions,
  verdictOf,
} from "../../src/load/index.js";

const pct = (p99: number | null) => ({
  count: p99 === null ? 0 : 10,
  p50: p99,
  p90: p99,
  p99,
  p999: p99,
  max: p99,
});

function rec(over: Partial<Reconciliation> = {}): Reconciliation {
  const r = {
    sent: 100,
    ackedAA: 100,
    nakked: 0,
    timedOut: 0,
    engineReceived: 100,
    engineDelivered: 100,
    engineErrored: 0,
    sinkReceived: 100,
    expectedDeliveries: 100,
    missing: [],
    drainSeconds: 1.5,
    ...over,
  };
  return { ...r, lossFree: lossFree(r) };
}

function result(over: { ackedSustained?: number; ackP99?: number; e2eP99?: number | null; errors?: number }) {
  return {
    phases: [
      {
        kind: "warmup",
        loop: "open",
        seconds: 5,
        sent: 50,
        acked: 50,
        errors: 0,
        ackRate: 10,
        ack: pct(1),
        e2e: pct(1),
      },
      {
        kind: "sustained",
        loop: "open",
        seconds: 10,
        sent: 1000,
        acked: over.ackedSustained ?? 1000,
        errors: 0,
        ackRate: 100,
        ack: pct(over.ackP99 ?? 20),
        e2e: pct(over.e2eP99 ?? 50),
      },
    ],
    totals: {
      sent: 1000,
      acked: 1000,
      errors: over.errors ?? 0,
      ack: pct(over.ackP99 ?? 20),
      e2e: pct(over.e2eP99 === undefined ? 50 : over.e2eP99),
    },
    reconciliation: rec(),
  } as Pick<LoadResult, "phases" | "totals" | "reconciliation">;
}

describe("load: verdict", () => {
  it("reads the sustained rate from the sustained phases only, and the error rate over measured sends", () => {
    const m = measuresOf(result({ ackedSustained: 950, errors: 5 }));
    assert.equal(m.sustainedRate, 95);
    assert.equal(m.errorRate, 0.005);
    assert.equal(m.ackP99Ms, 20);
    assert.equal(m.drainSeconds, 1.5);
  });

  it("passes every gate a good run meets, and fails each one it misses, saying why", () => {
    const slo = {
      minSustainedRate: 90,
      ackP99Ms: 100,
      e2eP99Ms: 200,
      maxErrorRate: 0.01,
      maxDrainSeconds: 10,
    };
    const good = checkSlo(slo, measuresOf(result({})), rec());
    assert.deepEqual(
      good.map((c) => [c.gate, c.pass]),
      [
        ["minSustainedRate", true],
        ["ackP99Ms", true],
        ["e2eP99Ms", true],
        ["maxErrorRate", true],
        ["maxDrainSeconds", true],
        ["zeroLoss", true],
      ],
    );
    const undrained = rec({ drainSeconds: null });
    const run = {
      ...result({ ackedSustained: 500, ackP99: 150, e2eP99: null, errors: 50 }),
      reconciliation: undrained,
    };
    const bad = checkSlo(slo, measuresOf(run), undrained);
    assert.deepEqual(
      bad.filter((c) => !c.pass).map((c) => c.gate),
      ["minSustainedRate", "ackP99Ms", "e2eP99Ms", "maxErrorRate", "maxDrainSeconds"],
    );
    assert.match(bad.find((c) => c.gate === "e2eP99Ms")?.detail ?? "", /not measured/);
    assert.match(bad.find((c) => c.gate === "minSustainedRate")?.detail ?? "", /50\.0 msg\/s/);
  });

  it("zero loss: the engine counted every send, the sink got every owed delivery and what the engine delivered", () => {
    assert.equal(rec().lossFree, true);
    assert.equal(rec({ engineReceived: 99 }).lossFree, false);
    assert.equal(rec({ sinkReceived: 99, engineDelivered: 99 }).lossFree, false);
    assert.equal(rec({ missing: ["LDAAAA1"] }).lossFree, false);
    assert.equal(rec({ engineDelivered: 101 }).lossFree, false);
    // Fan-out: two deliveries per message.
    assert.equal(rec({ expectedDeliveries: 200, sinkReceived: 200, engineDelivered: 200 }).lossFree, true);
    // Only one side to ask.
    assert.equal(rec({ engineReceived: null, engineDelivered: null }).lossFree, true);
    assert.equal(rec({ sinkReceived: null }).lossFree, true);
    assert.equal(rec({ engineReceived: null, engineDelivered: null, sinkReceived: null }).lossFree, null);
    const gate = checkSlo({ zeroLoss: true }, measuresOf(result({})), rec({ engineReceived: 98 }));
    assert.equal(gate[0]?.pass, false);
    assert.match(gate[0]?.detail ?? "", /engine received 98/);
    assert.deepEqual(checkSlo({ zeroLoss: false }, measuresOf(result({})), rec({ engineReceived: 98 })), []);
  });

  it("failover: the outage gate reads the longest gap between AAs; resends make the sink the judge of loss", () => {
    const failed = (outageSeconds: number | null) => ({
      ...result({}),
      failover: { trigger: "command" as const, atSeconds: 12, outageSeconds, resent: 7, duplicatesAtSink: 2 },
    });
    assert.equal(measuresOf(result({})).outageSeconds, null);
    assert.equal(measuresOf(failed(4.2)).outageSeconds, 4.2);
    const ok = checkSlo({ maxOutageSeconds: 10 }, measuresOf(failed(4.2)), rec());
    assert.deepEqual(
      ok.map((c) => [c.gate, c.pass]),
      [
        ["maxOutageSeconds", true],
        ["zeroLoss", true],
      ],
    );
    assert.match(ok[0]?.detail ?? "", /outage 4\.2 s \(at most 10 s\)/);
    assert.equal(checkSlo({ maxOutageSeconds: 3 }, measuresOf(failed(4.2)), rec())[0]?.pass, false);
    // No AA at all: not measured, so the gate fails.
    assert.equal(checkSlo({ maxOutageSeconds: 3 }, measuresOf(failed(null)), rec())[0]?.pass, false);
    // Resent: the engine may have received and delivered some twice; what counts is the sink.
    assert.equal(
      rec({ resent: 7, engineReceived: 104, engineDelivered: 103, sinkReceived: 103 }).lossFree,
      true,
    );
    assert.equal(rec({ resent: 7, engineReceived: 104, missing: ["LDAAAA1"] }).lossFree, false);
    assert.equal(rec({ resent: 7, sinkReceived: 99 }).lossFree, false);
    assert.equal(rec({ resent: 0, engineReceived: 104 }).lossFree, false);
    // A failover that did not happen fails the verdict, saying why.
    const fired = {
      trigger: "stepdown" as const,
      atSeconds: 12,
      outageSeconds: 1,
      resent: 0,
      duplicatesAtSink: 0,
    };
    assert.equal(failoverCheck(undefined), undefined);
    assert.equal(failoverCheck(fired), undefined);
    assert.match(
      failoverCheck({ ...fired, triggerError: "POST /cluster/stepdown answered HTTP 403" })?.detail ?? "",
      /did not happen: POST \/cluster\/stepdown answered HTTP 403/,
    );
    assert.equal(failoverCheck({ ...fired, atSeconds: null })?.pass, false);
    // A longer outage than the baseline's is a regression.
    const worse = regressions(measuresOf(failed(8)), measuresOf(failed(4)), 10);
    assert.deepEqual(
      worse.map((g) => [g.measure, g.worsePercent]),
      [["outage s", 100]],
    );
  });

  it("flags measures worse than the baseline by more than the tolerance, in the right direction", () => {
    const base: Measures = {
      sustainedRate: 100,
      ackP99Ms: 10,
      e2eP99Ms: 40,
      errorRate: 0,
      drainSeconds: 2,
      outageSeconds: null,
    };
    assert.deepEqual(regressions(base, base, 10), []);
    const better: Measures = {
      sustainedRate: 150,
      ackP99Ms: 5,
      e2eP99Ms: 20,
      errorRate: 0,
      drainSeconds: 1,
      outageSeconds: null,
    };
    assert.deepEqual(regressions(better, base, 0), []);
    const worse: Measures = {
      sustainedRate: 85,
      ackP99Ms: 10.5,
      e2eP99Ms: 60,
      errorRate: 0.01,
      drainSeconds: null,
      outageSeconds: null,
    };
    assert.deepEqual(
      regressions(worse, base, 10).map((r) => [r.measure, r.worsePercent]),
      [
        ["sustained msg/s", 15],
        ["end-to-end p99 ms", 50],
        ["error rate", 100],
      ],
    );
  });

  it("exit code: 0 pass, 1 a gate failed (even with regressions), 4 gates passed but something regressed", () => {
    const ok = checkSlo({ ackP99Ms: 100 }, measuresOf(result({})), rec());
    const fail = checkSlo({ ackP99Ms: 1 }, measuresOf(result({})), rec());
    const reg = [{ measure: "ACK p99 ms", baseline: 1, current: 2, worsePercent: 100 }];
    assert.equal(exitCodeOf(verdictOf(ok, [])), LOAD_EXIT.PASS);
    assert.equal(verdictOf(ok, []).pass, true);
    assert.equal(exitCodeOf(verdictOf(fail, reg)), LOAD_EXIT.SLO_FAILED);
    assert.equal(exitCodeOf(verdictOf(ok, reg)), LOAD_EXIT.REGRESSED);
    assert.equal(verdictOf(ok, reg).pass, false);
  });
});
