import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  extraIgnoreRules,
  filterCounts,
  filterPairs,
  pairLabel,
  parseIgnoreInput,
  parsePairBy,
  teeCompareArgs,
} from "../src/model/tee-compare.js";
import { teeReport } from "./fixtures.js";

describe("tee compare model", () => {
  const report = teeReport();

  it("filters pairs: not identical by default, and counts each filter", () => {
    assert.deepEqual(
      filterPairs(report, "problems").map((p) => p.key),
      ["C002", "C004", "C005"],
    );
    assert.deepEqual(
      filterPairs(report, "missing").map((p) => p.key),
      ["C004", "C005"],
    );
    assert.deepEqual(filterCounts(report), { problems: 3, differing: 1, missing: 2, identical: 1, all: 4 });
  });

  it("labels a pair with its key, type and outcome", () => {
    assert.deepEqual(report.pairs.map(pairLabel), [
      "C001 · ADT^A01^ADT_A01 · identical",
      "C002 · ADT^A01^ADT_A01 · 1 change",
      "C004 · ADT^A01^ADT_A01 · missing in shadow",
      "C005 · ADT^A01^ADT_A01 · missing in legacy",
    ]);
  });

  it("reads the ignore rules box with the engine's field-path parser", () => {
    assert.deepEqual(extraIgnoreRules(report), ["PID-3.4"]);
    assert.deepEqual(parseIgnoreInput(" PID-3.4, OBX[2]-5  PID-3.4,"), {
      rules: ["PID-3.4", "OBX[2]-5"],
      errors: [],
    });
    const bad = parseIgnoreInput("PID, ZZ-1");
    assert.deepEqual(bad.rules, []);
    assert.equal(bad.errors.length, 2);
    assert.match(bad.errors[0]!, /^PID: /);
    assert.deepEqual(parsePairBy(""), { pairBy: "MSH-10" });
    assert.deepEqual(parsePairBy("order"), { pairBy: "order" });
    assert.match(parsePairBy("nope").error ?? "", /^nope: /);
  });

  it("builds the CLI arguments the extension runs", () => {
    assert.deepEqual(teeCompareArgs({ legacy: "/c/l.ndjson", shadow: "/c/s.ndjson" }), [
      "tee",
      "compare",
      "--legacy",
      "/c/l.ndjson",
      "--shadow",
      "/c/s.ndjson",
      "--json",
    ]);
    assert.deepEqual(
      teeCompareArgs(
        { legacy: "l", shadow: "s" },
        { ignore: ["PID-3.4", "OBX-14"], pairBy: "order", html: "/r.html" },
      ),
      [
        "tee",
        "compare",
        "--legacy",
        "l",
        "--shadow",
        "s",
        "--ignore",
        "PID-3.4,OBX-14",
        "--pair-by",
        "order",
        "--html",
        "/r.html",
        "--json",
      ],
    );
    assert.deepEqual(teeCompareArgs({ db: "/t/tee.db" }, { pairBy: "order" }), [
      "tee",
      "compare",
      "--db",
      "/t/tee.db",
      "--json",
    ]);
  });
});
