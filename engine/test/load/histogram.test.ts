/** The HDR-style histogram: exact below 2048 µs, within 0.1 % above, percentiles as a sorted list gives them. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { Rng } from "../../src/generate/index.js";
import { Histogram } from "../../src/load/index.js";

/** The value at rank ceil(p·n) of a sorted list (the definition the histogram follows). */
function exact(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe("load: histogram", () => {
  it("is empty at first: NaN percentiles, count 0", () => {
    const h = new Histogram();
    assert.equal(h.count, 0);
    assert.ok(Number.isNaN(h.percentile(99)));
  });

  it("reports small values exactly", () => {
    const h = new Histogram();
    for (let v = 1; v <= 1000; v++) h.record(v);
    assert.equal(h.percentile(50), 500);
    assert.equal(h.percentile(99), 990);
    assert.equal(h.percentile(100), 1000);
    assert.equal(h.max, 1000);
  });

  it("stays within 0.1 % of the exact percentile over six decades of skewed latencies", () => {
    const rng = new Rng(7);
    const h = new Histogram();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      // Log-uniform from 10 µs to 10 s, plus a long tail.
      const v = Math.round(10 * 10 ** (rng.next() * 6));
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [1, 50, 90, 99, 99.9, 99.99]) {
      const want = exact(values, p);
      const got = h.percentile(p);
      assert.ok(got >= want && got <= want * 1.001 + 1, `p${p}: ${got} vs ${want}`);
    }
    assert.equal(h.max, values.at(-1));
  });

  it("clamps negatives to 0 and values beyond ~71 minutes to its top, without throwing", () => {
    const h = new Histogram();
    h.record(-5);
    h.record(1e13);
    assert.equal(h.count, 2);
    assert.equal(h.percentile(1), 0);
    assert.equal(h.percentile(100), 0xffffffff);
  });

  it("adds another histogram and resets to empty", () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 1; v <= 100; v++) a.record(v);
    for (let v = 101; v <= 200; v++) b.record(v * 1000);
    a.add(b);
    assert.equal(a.count, 200);
    assert.equal(a.percentile(50), 100);
    assert.ok(Math.abs(a.percentile(100) - 200_000) <= 200);
    a.reset();
    assert.equal(a.count, 0);
    a.record(3);
    assert.equal(a.percentile(50), 3);
  });
});
