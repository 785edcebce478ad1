/** Built-in profiles are valid; a profile file extends one; mistakes are listed, not half-run. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  BUILT_IN_PROFILES,
  builtInProfile,
  PROFILE_NAMES,
  ProfileError,
  profileFromJson,
  validateProfile,
} from "../../src/load/index.js";

describe("load: profiles", () => {
  it("every built-in validates and keeps the phase order warmup → ramp → sustained → spike → soak", () => {
    for (const p of Object.values(BUILT_IN_PROFILES)) assert.deepEqual(validateProfile(p), p);
    assert.deepEqual(PROFILE_NAMES, ["smoke", "baseline", "soak", "spike", "failover"]);
    assert.deepEqual(
      BUILT_IN_PROFILES.spike?.phases.map((p) => p.kind),
      ["warmup", "sustained", "spike", "soak"],
    );
  });

  it("failover fires during the sustained phase, gated on the outage and zero loss", () => {
    const f = builtInProfile("failover");
    assert.deepEqual(f?.failover, { atSeconds: 20 });
    assert.equal(f?.slo.maxOutageSeconds, 30);
    assert.equal(f?.slo.zeroLoss, true);
    const short = profileFromJson({ extends: "failover", failover: { atSeconds: 2 } }, "quick");
    assert.equal(short.failover?.atSeconds, 2);
    assert.throws(
      () => profileFromJson({ extends: "failover", failover: { atSeconds: 90 } }, "late"),
      /failover\.atSeconds: within the sustained phase \(< 60\)/,
    );
    assert.throws(
      () => profileFromJson({ extends: "smoke", failover: { atSeconds: -1 } }, "neg"),
      /failover\.atSeconds: a number ≥ 0/,
    );
    assert.throws(
      () =>
        validateProfile({
          name: "x",
          phases: [{ kind: "warmup", seconds: 5, loop: "closed" }],
          mix: [{ type: "ADT^A01", weight: 1 }],
          slo: { maxOutageSeconds: -2 },
          failover: { atSeconds: 1 },
        }),
      /slo\.maxOutageSeconds: a number ≥ 0.*failover: needs a sustained phase/,
    );
  });

  it("a file extends a built-in, overriding fields and merging SLO gates key by key", () => {
    const p = profileFromJson({ extends: "smoke", slo: { ackP99Ms: 1 }, seed: 9 }, "strict-smoke");
    assert.equal(p.name, "strict-smoke");
    assert.equal(p.seed, 9);
    assert.equal(p.slo.ackP99Ms, 1);
    assert.equal(p.slo.minSustainedRate, BUILT_IN_PROFILES.smoke?.slo.minSustainedRate);
    assert.deepEqual(p.phases, BUILT_IN_PROFILES.smoke?.phases);
    // The built-in itself is untouched.
    assert.equal(BUILT_IN_PROFILES.smoke?.slo.ackP99Ms, 5000);
  });

  it("lists every problem of a bad profile", () => {
    const bad = {
      name: "bad",
      phases: [
        { kind: "soak", seconds: 5, loop: "open", rate: 10 },
        { kind: "warmup", seconds: 0, loop: "open" },
        { kind: "burst", seconds: 1, loop: "sideways", connections: 0 },
      ],
      mix: [{ type: "XYZ^Q99", weight: 0 }],
      slo: { ackP99Ms: -1, zeroLoss: "yes" },
    };
    assert.throws(
      () => validateProfile(bad),
      (e: Error) => {
        assert.ok(e instanceof ProfileError);
        for (const part of [
          "phases[1].seconds",
          "phases[1].rate",
          "phases[2].kind",
          "phases[2].loop",
          "phases[2].connections",
          "mix[0].type",
          "mix[0].weight",
          "slo.ackP99Ms",
          "slo.zeroLoss",
          "phases: in the order",
        ])
          assert.ok(e.message.includes(part), `${part} in ${e.message}`);
        return true;
      },
    );
    assert.throws(() => profileFromJson([], "x"), /one JSON object/);
    assert.throws(() => profileFromJson({ extends: "nope" }, "x"), /extends: one of smoke/);
  });
});
