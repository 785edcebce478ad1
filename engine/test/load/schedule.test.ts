/** The open loop's schedule: constant rates and ramps, and the weighted pick of the mix. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { OpenSchedule, WeightedPick } from "../../src/load/index.js";

describe("load: open-loop schedule", () => {
  it("a constant rate sends message n at n / rate, rate × seconds in all", () => {
    const s = new OpenSchedule({ kind: "sustained", seconds: 10, rate: 200 });
    assert.equal(s.total, 2000);
    assert.equal(s.timeOf(0), 0);
    assert.equal(s.timeOf(1), 5);
    assert.equal(s.timeOf(1999), 9995);
    assert.equal(Math.floor(s.dueBy(2500)), 500);
    assert.equal(s.dueBy(99_999), 2000, "nothing is due after the phase");
  });

  it("a ramp's count is the area under the rate line, and its times invert it", () => {
    const s = new OpenSchedule({ kind: "ramp", seconds: 10, fromRate: 100, rate: 300 });
    assert.equal(s.total, 2000); // (100 + 300) / 2 × 10
    assert.equal(Math.round(s.dueBy(5000)), 750); // 100·5 + 20·25/2
    for (const n of [0, 1, 10, 750, 1999]) assert.ok(Math.abs(s.dueBy(s.timeOf(n)) - n) < 1e-6, `n=${n}`);
    // The gaps shrink as the rate climbs.
    assert.ok(s.timeOf(1) - s.timeOf(0) > s.timeOf(1999) - s.timeOf(1998));
  });

  it("a ramp from zero and a ramp down both schedule every message inside the phase", () => {
    for (const phase of [
      { kind: "ramp" as const, seconds: 4, rate: 100 },
      { kind: "ramp" as const, seconds: 4, fromRate: 100, rate: 10 },
    ]) {
      const s = new OpenSchedule(phase);
      assert.ok(s.total > 0);
      for (let n = 0; n < s.total; n++)
        assert.ok(s.timeOf(n) >= 0 && s.timeOf(n) <= 4000, `n=${n} at ${s.timeOf(n)}`);
    }
  });

  it("picks mix entries in proportion to their weights, deterministically", () => {
    const pick = new WeightedPick([3, 1]);
    const seen = [0, 0];
    for (let i = 0; i < 1000; i++) seen[pick.pick(i / 1000)] = (seen[pick.pick(i / 1000)] as number) + 1;
    assert.deepEqual(seen, [750, 250]);
    assert.equal(pick.pick(0.999999), 1);
  });
});
