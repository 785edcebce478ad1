import assert from "node:assert/strict";
import { Hl7ParseError, parse } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01, ODD_SEPARATORS } from "./fixtures.js";

describe("hl7 parse", () => {
  it("reads separators from MSH-1/MSH-2", () => {
    const m = parse(ADT_A01);
    assert.deepEqual(
      { ...m.separators },
      { field: "|", component: "^", repetition: "~", escape: "\\", subcomponent: "&", truncation: "" },
    );
    const odd = parse(ODD_SEPARATORS);
    assert.equal(odd.separators.component, "*");
    assert.equal(odd.separators.escape, "#");
    assert.equal(odd.messageType, "ORU^R01");
    assert.equal(odd.get("PID-3.1"), "555");
    assert.equal(odd.get("PID-5.2"), "PATIENT*JR"); // #S# escapes the component separator, here "*"
    assert.equal(odd.get("OBX-5"), "value with | bar and & amp");
  });

  it("never hard-codes separators: a different field separator works too", () => {
    const m = parse("MSH!^~\\&!APP!FAC!!!!!ADT^A08!C1!P!2.3\rPID!1!!ID1!!TEST^PATIENT\r");
    assert.equal(m.get("MSH-1"), "!");
    assert.equal(m.get("MSH-3"), "APP");
    assert.equal(m.get("PID-5.2"), "PATIENT");
    assert.equal(m.controlId, "C1");
  });

  it("exposes header accessors", () => {
    const m = parse(ADT_A01);
    assert.equal(m.messageType, "ADT^A01");
    assert.equal(m.controlId, "MSG00001");
    assert.equal(m.version, "2.5.1");
    assert.equal(m.get("MSH-1"), "|");
    assert.equal(m.get("MSH-2"), "^~\\&");
    assert.equal(m.get("MSH-9.3"), "ADT_A01");
  });

  for (const [label, eol] of [
    ["CR", "\r"],
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ] as const) {
    it(`accepts ${label} segment ends and encodes them back unchanged`, () => {
      const text = ADT_A01.split("\r").join(eol);
      const m = parse(text);
      assert.deepEqual(
        m.segments().map((s) => s.name),
        ["MSH", "EVN", "PID", "PV1", "ZPI"],
      );
      assert.equal(m.get("PV1-3.2"), "101");
      assert.equal(m.encode(), text);
    });
  }

  it("keeps blank lines and a missing final terminator byte-for-byte", () => {
    const text = "MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\r\n\r\nPID|1||X\n\nPV1|1";
    const m = parse(text);
    assert.equal(m.segments().length, 3);
    assert.equal(m.encode(), text);
  });

  it("keeps empty, absent and explicit-null distinct", () => {
    const m = parse('MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\rPID|1||""||TEST^^X|\r');
    assert.equal(m.get("PID-2"), ""); // present, empty
    assert.equal(m.get("PID-3"), '""'); // explicit null
    assert.equal(m.get("PID-5.2"), ""); // empty component
    assert.equal(m.get("PID-5.4"), undefined); // absent component
    assert.equal(m.get("PID-6"), ""); // trailing separator: present, empty
    assert.equal(m.get("PID-7"), undefined); // absent field
    assert.equal(m.get("PV1-1"), undefined); // absent segment
  });

  it("reads Z-segments and trailing separators", () => {
    const m = parse(ADT_A01);
    assert.equal(m.get("ZPI-1"), "custom");
    assert.equal(m.get("ZPI-2.2.2"), "z");
    const t = "MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5|||\rZZZ|1|||^^|\r";
    const m2 = parse(t);
    assert.equal(m2.get("ZZZ-4.3"), "");
    assert.equal(m2.segments("ZZZ")[0]?.fieldCount, 5);
    assert.equal(m2.encode(), t);
  });

  it("throws a positioned Hl7ParseError only when there is no MSH at all", () => {
    assert.throws(
      () => parse("PID|1||X\r"),
      (e: unknown) => e instanceof Hl7ParseError && e.offset === 0 && e.code === "HL7_NO_MSH",
    );
    assert.throws(() => parse(""), Hl7ParseError);
  });

  it("tolerates junk before MSH and reports it as an issue", () => {
    const m = parse(`\uFEFF${ADT_A01}`);
    assert.equal(m.controlId, "MSG00001");
    assert.deepEqual(
      m.issues.map((i) => [i.code, i.start, i.end]),
      [["HL7_TEXT_BEFORE_MSH", 0, 1]],
    );
    assert.equal(m.tree().segments[0]?.start, 1);
  });

  it("reports bad segment names and a second message without failing", () => {
    const m = parse(`MSH|^~\\&|A\rpid|1\r${ADT_A01}`);
    assert.deepEqual(
      m.issues.map((i) => i.code),
      ["HL7_BAD_SEGMENT_NAME", "HL7_MORE_MESSAGES"],
    );
    assert.equal(m.segments().length, 2);
  });

  it("survives an MSH without usable separators", () => {
    const m = parse("MSH\rPID|1\r");
    assert.equal(m.issues[0]?.code, "HL7_BAD_SEPARATORS");
    assert.equal(m.get("PID-1"), undefined);
    assert.equal(m.encode(), "MSH\rPID|1\r");
  });
});
