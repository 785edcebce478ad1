import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { diffHl7 } from "../../src/hl7/index.js";

const BEFORE = [
  "MSH|^~\\&|SENDER|FAC|RECV|FAC|20260101120000||ADT^A01|MSG0001|P|2.5.1",
  "PID|1||12345^^^HOSP^MR~67890^^^OTHER^MR||TEST^PATIENT^A||19800101|F",
  "NK1|1|TEST^SPOUSE|SPO",
  "PV1|1|I|WARD^101^A",
].join("\r");

describe("hl7 diff", () => {
  it("finds nothing between equal messages, even across line endings", () => {
    const diff = diffHl7(BEFORE, BEFORE.replaceAll("\r", "\r\n"));
    assert.equal(diff.changeCount, 0);
    assert.ok(diff.segments.every((s) => s.status === "same"));
  });

  it("reports a changed component at field level with both values, naming the component", () => {
    const after = BEFORE.replace("TEST^PATIENT^A", "TEST^PATIENT^B");
    const diff = diffHl7(BEFORE, after);
    assert.equal(diff.changeCount, 1);
    const pid = diff.segments.find((s) => s.name === "PID")!;
    assert.equal(pid.status, "changed");
    assert.deepEqual(pid.changes, [
      {
        path: "PID-5",
        status: "changed",
        before: "TEST^PATIENT^A",
        after: "TEST^PATIENT^B",
        components: ["PID-5.3"],
      },
    ]);
  });

  it("leaves ignored fields, repetitions, components and subcomponents out", () => {
    const after = BEFORE.replace("20260101120000", "20270202020202")
      .replace("MSG0001", "OTHER01")
      .replace("12345^^^HOSP^MR~67890^^^OTHER^MR", "12345^^^HOSP2^MR~67890^^^OTHER^XX")
      .replace("WARD^101^A", "WARD^102^A");
    const all = diffHl7(BEFORE, after);
    assert.deepEqual(
      all.segments.flatMap((s) => s.changes.map((c) => [c.path, c.components])),
      [
        ["MSH-7", undefined],
        ["MSH-10", undefined],
        ["PID-3[1]", ["PID-3[1].4"]],
        ["PID-3[2]", ["PID-3[2].5"]],
        ["PV1-3", ["PV1-3.2"]],
      ],
    );
    const some = diffHl7(BEFORE, after, { ignore: ["MSH-7", "MSH-10", "PID-3.4", "PV1-3.2.1"] });
    assert.deepEqual(
      some.segments.flatMap((s) => s.changes.map((c) => c.path)),
      ["PID-3[2]"],
    );
    // A repetition rule only covers that repetition; a whole-field rule covers all of them.
    assert.deepEqual(
      diffHl7(BEFORE, after, { ignore: ["MSH-7", "MSH-10", "PID-3[2]", "PV1-3"] }).segments.flatMap((s) =>
        s.changes.map((c) => c.path),
      ),
      ["PID-3[1]"],
    );
    assert.equal(diffHl7(BEFORE, after, { ignore: ["MSH-7", "MSH-10", "PID-3", "PV1-3"] }).changeCount, 0);
  });

  it("aligns repetitions by index", () => {
    const after = BEFORE.replace("~67890^^^OTHER^MR", "~67890^^^OTHER^MR~555^^^NEW^MR");
    const pid = diffHl7(BEFORE, after).segments.find((s) => s.name === "PID")!;
    assert.deepEqual(pid.changes, [{ path: "PID-3[3]", status: "added", after: "555^^^NEW^MR" }]);
  });

  it("aligns segments by name so an inserted segment does not shift the rest", () => {
    const after = BEFORE.replace("NK1|", "ZPI|1|EXTRA\rNK1|");
    const diff = diffHl7(BEFORE, after);
    assert.deepEqual(
      diff.segments.map((s) => [s.name, s.status]),
      [
        ["MSH", "same"],
        ["PID", "same"],
        ["ZPI", "added"],
        ["NK1", "same"],
        ["PV1", "same"],
      ],
    );
    assert.equal(diff.changeCount, 1);
  });

  it("reports a removed segment and a removed field", () => {
    const after = BEFORE.replace("\rNK1|1|TEST^SPOUSE|SPO", "").replace("|19800101|F", "|19800101");
    const diff = diffHl7(BEFORE, after);
    assert.deepEqual(
      diff.segments.filter((s) => s.status !== "same").map((s) => [s.name, s.status, s.changes]),
      [
        ["PID", "changed", [{ path: "PID-8", status: "removed", before: "F" }]],
        ["NK1", "removed", []],
      ],
    );
  });

  it("compares content, not separators: a message re-encoded with other separators is equal", () => {
    const other = BEFORE.replace("MSH|^~\\&|", "MSH|*#\\@|")
      .replaceAll("^", "*")
      .replace("12345***HOSP*MR~67890", "12345***HOSP*MR#67890");
    const diff = diffHl7(BEFORE, other);
    // Only MSH-2 (the encoding characters themselves) differs.
    assert.deepEqual(
      diff.segments.flatMap((s) => s.changes.map((c) => c.path)),
      ["MSH-2"],
    );
  });

  it("treats a trailing empty field as absent and numbers repeated segments", () => {
    const before = "MSH|^~\\&|A\rOBX|1|ST|X||one\rOBX|2|ST|X||two";
    const after = "MSH|^~\\&|A|\rOBX|1|ST|X||one\rOBX|2|ST|X||TWO";
    const diff = diffHl7(before, after);
    assert.deepEqual(
      diff.segments.flatMap((s) => s.changes),
      [{ path: "OBX[2]-5", status: "changed", before: "two", after: "TWO" }],
    );
  });

  it("explains unreadable input instead of throwing", () => {
    const diff = diffHl7("not hl7", BEFORE);
    assert.deepEqual(diff.problems, ["before: no MSH segment: this is not an HL7 v2 message (offset 0)"]);
    assert.ok(diff.segments.every((s) => s.status === "added"));
  });
});
