/** Delay distributions, latency summaries and malformed messages: the harness's pure parts. */
import assert from "node:assert/strict";
import { Rng } from "../../src/generate/index.js";
import {
  formatDistribution,
  generatedMessages,
  malform,
  type OutgoingMessage,
  parseDistribution,
  percentile,
  sample,
  summarizeLatencies,
  withMalformed,
} from "../../src/harness/index.js";
import { parse } from "../../src/hl7/index.js";

describe("harness: delay distributions", () => {
  it("reads each spelling and writes it back the same way", () => {
    for (const text of ["fixed:50", "uniform:10-200", "normal:100,20", "lognormal:100,0.5"])
      assert.equal(formatDistribution(parseDistribution(text)), text);
    assert.deepEqual(parseDistribution("25"), { kind: "fixed", ms: 25 });
  });

  it("refuses what is not a distribution, naming the spellings it knows", () => {
    for (const bad of [
      "",
      "gamma:1,2",
      "uniform:200-10",
      "normal:100",
      "fixed:-1",
      "lognormal:0,1",
      "uniform:a-b",
    ])
      assert.throws(() => parseDistribution(bad), /not a delay distribution.*uniform:10-200/);
  });

  it("draws within bounds, never below zero, the same draws for the same seed", () => {
    const draws = (text: string, seed: number) => {
      const d = parseDistribution(text);
      const rng = new Rng(seed);
      return Array.from({ length: 2000 }, () => sample(d, rng));
    };
    assert.ok(draws("uniform:10-20", 1).every((x) => x >= 10 && x <= 20));
    assert.ok(draws("normal:5,50", 2).every((x) => x >= 0));
    assert.ok(draws("lognormal:100,0.5", 3).every((x) => x > 0));
    assert.deepEqual(draws("normal:100,20", 9), draws("normal:100,20", 9));
    // The median of a lognormal is its first parameter; the mean of a normal its first.
    const sorted = draws("lognormal:100,0.5", 4).sort((a, b) => a - b);
    assert.ok(Math.abs(percentile(sorted, 50) - 100) < 10);
    const normal = draws("normal:100,20", 5);
    assert.ok(Math.abs(normal.reduce((a, b) => a + b, 0) / normal.length - 100) < 3);
  });
});

describe("harness: latency summary", () => {
  it("gives nearest-rank percentiles, and zeros for no samples", () => {
    const s = summarizeLatencies(Array.from({ length: 100 }, (_, i) => 100 - i));
    assert.deepEqual(s, { count: 100, min: 1, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
    assert.deepEqual(summarizeLatencies([]), { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
    assert.equal(percentile([7], 99), 7);
  });
});

describe("harness: malformed messages", () => {
  const good = [...generatedMessages("ADT^A01", 1, 1)][0] as OutgoingMessage;
  it("breaks a message so that a parser finds no MSH, in each way", () => {
    assert.ok(good.controlId.startsWith("MF"));
    for (const how of ["no-msh", "renamed-msh", "not-hl7"] as const) {
      const bad = malform(good, how);
      assert.equal(bad.malformed, true);
      assert.equal(bad.controlId, "");
      assert.throws(() => parse(bad.bytes.toString("latin1")), /no MSH segment/, how);
    }
  });

  it("breaks about the asked share, the same ones for the same seed", () => {
    const run = (seed: number) => [...withMalformed(generatedMessages("ORU^R01", 1000, 1), 0.2, seed)];
    const broken = run(5).filter((m) => m.malformed).length;
    assert.ok(broken > 150 && broken < 250, `${broken} of 1000`);
    assert.deepEqual(
      run(5).map((m) => m.label),
      run(5).map((m) => m.label),
    );
    assert.equal(
      [...withMalformed(generatedMessages("ORU^R01", 50, 1), 0, 1)].filter((m) => m.malformed).length,
      0,
    );
  });
});
