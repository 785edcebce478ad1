/** The pure alert evaluator: exact notices for exact snapshots (no timers, no I/O). */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { AlertEvaluator, type AlertRuleDef, type ConnectionSample } from "../../src/alerts/evaluate.js";
import { humanDuration } from "../../src/alerts/text.js";

const S = 1000;
const M = 60 * S;

function sample(over: Partial<ConnectionSample> = {}): ConnectionSample {
  return {
    name: "OB_EHR",
    direction: "outbound",
    down: false,
    errorClass: null,
    queueDepth: 0,
    handled: 0,
    errors: 0,
    deadLetters: 0,
    ...over,
  };
}

function snap(at: number, ...samples: ConnectionSample[]) {
  return { at, connections: new Map(samples.map((s) => [s.name, s])) };
}

function brief(events: ReturnType<AlertEvaluator["step"]>): string[] {
  return events.map((e) => `${e.kind} ${e.text}`);
}

const down: AlertRuleDef = {
  name: "AL_EHR_DOWN",
  condition: { kind: "down", connection: "OB_EHR", forMs: 5 * M },
  notify: ["OB_HOOK"],
  renotifyMs: 30 * M,
};

describe("alert evaluator", () => {
  it("fires a down alert only after the duration, re-notifies on its interval, resolves once", () => {
    const ev = new AlertEvaluator([down]);
    const dn = sample({ down: true, errorClass: "ECONNREFUSED", queueDepth: 3 });
    assert.deepEqual(brief(ev.step(snap(0, dn))), []);
    assert.deepEqual(brief(ev.step(snap(4 * M, dn))), []);
    assert.deepEqual(brief(ev.step(snap(5 * M, dn))), [
      "firing AL_EHR_DOWN: outbound OB_EHR down for 5m (ECONNREFUSED)",
    ]);
    assert.deepEqual(brief(ev.step(snap(20 * M, dn))), [], "no repeat before the renotify interval");
    assert.deepEqual(
      ev.active().map((a) => [a.alert, a.since, a.value, a.text]),
      [["AL_EHR_DOWN", 5 * M, 20 * M, "AL_EHR_DOWN: outbound OB_EHR down for 20m (ECONNREFUSED)"]],
    );
    assert.deepEqual(brief(ev.step(snap(35 * M, dn))), [
      "renotify AL_EHR_DOWN: outbound OB_EHR down for 35m (ECONNREFUSED)",
    ]);
    const events = ev.step(snap(36 * M, sample()));
    assert.deepEqual(brief(events), ["resolved AL_EHR_DOWN resolved: OB_EHR is up again (was active 31m)"]);
    assert.deepEqual(events[0]?.notify, ["OB_HOOK"]);
    assert.deepEqual(brief(ev.step(snap(37 * M, sample()))), []);
    assert.deepEqual(ev.active(), []);
  });

  it("a blip shorter than the duration never fires", () => {
    const ev = new AlertEvaluator([down]);
    ev.step(snap(0, sample({ down: true })));
    ev.step(snap(4 * M, sample()));
    assert.deepEqual(brief(ev.step(snap(6 * M, sample({ down: true })))), []);
    assert.deepEqual(brief(ev.step(snap(11 * M, sample({ down: true })))), [
      "firing AL_EHR_DOWN: outbound OB_EHR down for 5m",
    ]);
  });

  it("backlog above N, dead letters appearing and clearing", () => {
    const ev = new AlertEvaluator([
      {
        name: "AL_Q",
        condition: { kind: "backlog", connection: "OB_EHR", above: 100 },
        notify: [],
        renotifyMs: M,
      },
      {
        name: "AL_DL",
        condition: { kind: "deadLetters", connection: "OB_EHR", above: 0 },
        notify: [],
        renotifyMs: M,
      },
    ]);
    assert.deepEqual(brief(ev.step(snap(0, sample({ queueDepth: 100 })))), []);
    assert.deepEqual(brief(ev.step(snap(S, sample({ queueDepth: 101, deadLetters: 1 })))), [
      "firing AL_Q: outbound OB_EHR has 101 rows queued (limit 100)",
      "firing AL_DL: outbound OB_EHR has 1 dead letter",
    ]);
    assert.deepEqual(brief(ev.step(snap(2 * S, sample({ queueDepth: 5, deadLetters: 2 })))), [
      "resolved AL_Q resolved: OB_EHR backlog is back within its limit (was active 1s)",
    ]);
    assert.deepEqual(brief(ev.step(snap(61 * S, sample({ deadLetters: 2 })))), [
      "renotify AL_DL: outbound OB_EHR has 2 dead letters",
    ]);
    assert.deepEqual(brief(ev.step(snap(62 * S, sample()))), [
      "resolved AL_DL resolved: OB_EHR dead letters are cleared (was active 1m 1s)",
    ]);
  });

  it("backlog age counts from when the head row was first seen, and restarts when the head moves", () => {
    const ev = new AlertEvaluator([
      {
        name: "AL_AGE",
        condition: { kind: "backlogAge", connection: "OB_EHR", olderThanMs: 10 * M },
        notify: [],
        renotifyMs: 60 * M,
      },
    ]);
    ev.step(snap(0, sample({ headRowId: 7 })));
    assert.deepEqual(brief(ev.step(snap(9 * M, sample({ headRowId: 7 })))), []);
    assert.deepEqual(brief(ev.step(snap(10 * M, sample({ headRowId: 7, errorClass: "timeout" })))), [
      "firing AL_AGE: the head of outbound OB_EHR's lane has waited 10m (limit 10m) (timeout)",
    ]);
    assert.deepEqual(brief(ev.step(snap(11 * M, sample({ headRowId: 8 })))), [
      "resolved AL_AGE resolved: OB_EHR lane is moving again (was active 1m)",
    ]);
    assert.deepEqual(brief(ev.step(snap(12 * M, sample()))), []);
  });

  it("error rate over a window from cumulative counters", () => {
    const ev = new AlertEvaluator([
      {
        name: "AL_RATE",
        condition: { kind: "errorRate", connection: "IB_ADT", above: 0.1, windowMs: 5 * M },
        notify: [],
        renotifyMs: 60 * M,
      },
    ]);
    const ib = (handled: number, errors: number) =>
      sample({ name: "IB_ADT", direction: "inbound", handled, errors });
    assert.deepEqual(brief(ev.step(snap(0, ib(1000, 50)))), []);
    assert.deepEqual(brief(ev.step(snap(M, ib(1100, 55)))), [], "5 of 100: 5%");
    assert.deepEqual(brief(ev.step(snap(2 * M, ib(1200, 80)))), [
      "firing AL_RATE: inbound IB_ADT error rate 15% over 5m (limit 10%)",
    ]);
    // Seven minutes on, the window (2m..7m) holds only clean traffic.
    assert.deepEqual(brief(ev.step(snap(7 * M, ib(1400, 80)))), [
      "resolved AL_RATE resolved: IB_ADT error rate is back within its limit (was active 5m)",
    ]);
  });

  it("certificate expiry within D days, and expired", () => {
    const D = 86_400_000;
    const ev = new AlertEvaluator([
      {
        name: "AL_CERT",
        condition: { kind: "certExpiry", connection: "IB_ADT", withinMs: 14 * D },
        notify: [],
        renotifyMs: D,
      },
    ]);
    const ib = (certNotAfter?: number) =>
      sample({
        name: "IB_ADT",
        direction: "inbound",
        ...(certNotAfter !== undefined ? { certNotAfter } : {}),
      });
    assert.deepEqual(brief(ev.step(snap(0, ib(20 * D)))), []);
    assert.deepEqual(brief(ev.step(snap(7 * D, ib(20 * D)))), [
      "firing AL_CERT: the TLS certificate of inbound IB_ADT expires in 13d (limit 14d)",
    ]);
    assert.deepEqual(brief(ev.step(snap(21 * D, ib(20 * D)))), [
      "renotify AL_CERT: the TLS certificate of inbound IB_ADT has expired",
    ]);
    assert.deepEqual(brief(ev.step(snap(22 * D, ib(400 * D)))), [
      "resolved AL_CERT resolved: IB_ADT certificate is no longer close to expiry (was active 15d)",
    ]);
  });

  it("a promote that keeps a rule keeps its state; a changed condition starts over", () => {
    const ev = new AlertEvaluator([down]);
    ev.step(snap(0, sample({ down: true })));
    ev.step(snap(5 * M, sample({ down: true })));
    ev.setRules([{ ...down, notify: ["OB_OTHER"] }]);
    assert.equal(ev.active().length, 1);
    ev.setRules([{ ...down, condition: { kind: "down", connection: "OB_EHR", forMs: M } }]);
    assert.deepEqual(ev.active(), []);
    ev.setRules([]);
    assert.deepEqual(brief(ev.step(snap(6 * M, sample({ down: true })))), []);
  });

  it("durations read as people write them", () => {
    assert.deepEqual(
      [0, 999, 1000, 61_000, 3_600_000, 3_661_000, 14 * 86_400_000 + 5000].map(humanDuration),
      ["0s", "0s", "1s", "1m 1s", "1h", "1h 1m", "14d"],
    );
  });
});
