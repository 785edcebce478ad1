import assert from "node:assert/strict";
import { FieldPathError, formatFieldPath, parseFieldPath, tryParseFieldPath } from "messagefoundry/hl7";
import { describe, it } from "mocha";

describe("hl7 field paths", () => {
  it("parses every part", () => {
    assert.deepEqual(
      { ...parseFieldPath("PID-3[2].1.1") },
      { segment: "PID", field: 3, repetition: 2, component: 1, subcomponent: 1 },
    );
    assert.deepEqual({ ...parseFieldPath("OBX[3]-5") }, { segment: "OBX", segmentIndex: 3, field: 5 });
    assert.deepEqual({ ...parseFieldPath("MSH-9.2") }, { segment: "MSH", field: 9, component: 2 });
    assert.deepEqual({ ...parseFieldPath("ZP1.2") }, { segment: "ZP1", field: 2 });
  });

  it("formats canonically", () => {
    assert.equal(formatFieldPath(parseFieldPath("OBX[2].5[1].3.2")), "OBX[2]-5[1].3.2");
  });

  const bad: [string, number, RegExp][] = [
    ["", 0, /empty/],
    ["pid-3", 0, /upper-case/],
    ["PI-3", 2, /3 characters/],
    ["PIDX-3", 3, /3 characters/],
    ["PID", 3, /expected "-"/],
    ["PID-", 4, /expected field number/],
    ["PID-0", 4, /1 or more/],
    ["PID-3[", 6, /repetition/],
    ["PID-3[2", 7, /"]"/],
    ["PID-3.x", 6, /component/],
    ["PID-3.1.2.3", 9, /unexpected "."/],
    ["PID-3 ", 5, /unexpected " "/],
  ];
  for (const [path, offset, msg] of bad) {
    it(`rejects ${JSON.stringify(path)} at column ${offset + 1}`, () => {
      assert.throws(
        () => parseFieldPath(path),
        (e: unknown) =>
          e instanceof FieldPathError && e.offset === offset && msg.test(e.message) && e.path === path,
      );
      assert.equal(tryParseFieldPath(path).error?.offset, offset);
    });
  }
});
