import assert from "node:assert/strict";
import { parse, validateStrict } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01 } from "./fixtures.js";

describe("hl7 strict validation", () => {
  it("accepts a well-formed message (Z-segments allowed)", () => {
    assert.deepEqual(validateStrict(parse(ADT_A01)), []);
  });

  it("reports a missing required field with its location", () => {
    const text = ADT_A01.replace("TEST^PATIENT^Q^^DR", "");
    const issues = validateStrict(parse(text));
    const i = issues.find((x) => x.code === "HL7_REQUIRED_FIELD_MISSING");
    assert.ok(i, JSON.stringify(issues));
    assert.equal(i.path, "PID-5");
    assert.equal(i.segmentIndex, 2);
    assert.equal(i.severity, "error");
    assert.match(i.message, /Patient Name/);
    // The empty field sits between its separators.
    assert.equal(text.slice(i.start - 1, i.end + 1), "||");
  });

  it("reports repetitions of a non-repeating field", () => {
    const text = ADT_A01.replace("|19800101|", "|19800101~19800102|");
    const [i] = validateStrict(parse(text));
    assert.equal(i?.code, "HL7_FIELD_NOT_REPEATABLE");
    assert.equal(i?.path, "PID-7[2]");
    assert.equal(text.slice(i!.start, i!.end), "19800102");
  });

  it("reports over-long values", () => {
    const text = ADT_A01.replace("|M|", "|MF|");
    const [i] = validateStrict(parse(text));
    assert.equal(i?.code, "HL7_FIELD_TOO_LONG");
    assert.equal(i?.path, "PID-8");
    assert.equal(text.slice(i!.start, i!.end), "MF");
  });

  it("reports unknown segments and segments outside the structure", () => {
    const text = `${ADT_A01}XYZ|1\rSPM|1\r`;
    const codes = validateStrict(parse(text)).map((i) => [i.code, i.segment, i.segmentIndex, i.path]);
    assert.deepEqual(codes, [
      ["HL7_UNKNOWN_SEGMENT", "XYZ", 5, "XYZ"],
      ["HL7_SEGMENT_NOT_IN_STRUCTURE", "SPM", 6, "SPM"],
      ["HL7_REQUIRED_FIELD_MISSING", "SPM", 6, "SPM-4"], // SPM-4 Specimen Type is required
    ]);
  });

  it("validates against the declared version", () => {
    const v21 = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.1\rSPM|1\r";
    assert.equal(validateStrict(parse(v21)).find((i) => i.segment === "SPM")?.code, "HL7_UNKNOWN_SEGMENT");
    const noVersion = validateStrict(parse("MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|\r"));
    assert.equal(noVersion[0]?.code, "HL7_UNKNOWN_VERSION");
    assert.ok(noVersion.some((i) => i.code === "HL7_REQUIRED_FIELD_MISSING" && i.path === "MSH-12"));
  });

  it("carries the parser's issues as warnings", () => {
    const issues = validateStrict(parse(`\uFEFF${ADT_A01}`));
    assert.deepEqual(
      issues.map((i) => [i.code, i.severity, i.start, i.end]),
      [["HL7_TEXT_BEFORE_MSH", "warning", 0, 1]],
    );
  });
});
