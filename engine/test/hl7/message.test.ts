import assert from "node:assert/strict";
import { FieldPathError, HL7_NULL, Hl7EditError, parse } from "messagefoundry/hl7";
import { describe, it } from "mocha";
import { ADT_A01, ODD_SEPARATORS } from "./fixtures.js";

/** Lines of the encoded message that differ from the original. */
function changedLines(before: string, after: string): string[] {
  const a = before.split("\r");
  return after.split("\r").filter((line, i) => line !== a[i]);
}

describe("hl7 Message get/getAll", () => {
  const m = parse(ADT_A01);

  it("reads field, repetition, component and subcomponent", () => {
    assert.equal(m.get("PID-3"), "123456^^^HOSP^MR"); // first repetition, structure kept
    assert.equal(m.get("PID-3[2].1"), "987654");
    assert.equal(m.get("PID-3[2].5"), "SS");
    assert.equal(m.get("PID-3[3]"), undefined);
    assert.equal(m.get("PID-5.1"), "TEST");
    assert.equal(m.get("PID-5.1.1"), "TEST");
    assert.equal(m.get("PID-5.1.2"), undefined);
    assert.equal(m.get("PID[1]-5.2"), "PATIENT");
    assert.equal(m.get("PID[2]-5.2"), undefined);
    assert.equal(m.get("PID.5.2"), "PATIENT"); // "." accepted after the segment name
  });

  it("getAll walks every repetition and every segment occurrence", () => {
    assert.deepEqual(m.getAll("PID-3.1"), ["123456", "987654"]);
    assert.deepEqual(m.getAll("PID-3[2].1"), ["987654"]);
    const oru = parse(
      "MSH|^~\\&|L|F|||||ORU^R01|1|P|2.5\rOBX|1|NM|GLU||5.5\rOBX|2|NM|NA||140~141\rOBX|3|NM|K\r",
    );
    assert.deepEqual(oru.getAll("OBX-3"), ["GLU", "NA", "K"]);
    assert.deepEqual(oru.getAll("OBX-5"), ["5.5", "140", "141"]); // OBX[3] has no OBX-5: contributes nothing
    assert.deepEqual(oru.getAll("OBX[2]-5"), ["140", "141"]);
    assert.deepEqual(oru.getAll("OBX-5.2"), ["", "", ""]);
    assert.deepEqual(oru.getAll("PID-3"), []);
  });

  it("unescapes leaf values on read in every position", () => {
    const e = parse(
      "MSH|^~\\&|A\\T\\B|F|||||ADT^A01|1|P|2.5\r" +
        "PID|1||A\\F\\B~C\\R\\D||X\\S\\Y^G\\E\\H&I\\T\\J^\\X41\\\\.br\\Z\\H\\bold\\N\\\r",
    );
    assert.equal(e.get("MSH-3"), "A&B");
    assert.equal(e.get("PID-3"), "A|B");
    assert.equal(e.get("PID-3[2]"), "C~D");
    assert.equal(e.get("PID-5.1"), "X^Y");
    assert.equal(e.get("PID-5.2.1"), "G\\H");
    assert.equal(e.get("PID-5.2.2"), "I&J");
    assert.equal(e.get("PID-5.3"), "A\rZ\\H\\bold\\N\\");
    assert.equal(e.get("PID-5.2"), "G\\E\\H&I\\T\\J"); // has subcomponents: comes back encoded
  });

  it("rejects malformed paths with a positioned error", () => {
    assert.throws(
      () => m.get("PID-x"),
      (e: unknown) => e instanceof FieldPathError && e.offset === 4,
    );
  });
});

describe("hl7 Message set and encode", () => {
  it("encodes an untouched message byte-for-byte", () => {
    assert.equal(parse(ADT_A01).encode(), ADT_A01);
    assert.equal(parse(ODD_SEPARATORS).encode(), ODD_SEPARATORS);
  });

  it("changes only the edited part", () => {
    const m = parse(ADT_A01);
    m.set("PID-5.1", "EXAMPLE");
    const out = m.encode();
    assert.deepEqual(changedLines(ADT_A01, out), [
      "PID|1||123456^^^HOSP^MR~987654^^^SSA^SS||EXAMPLE^PATIENT^Q^^DR||19800101|M|||1 MAIN ST^^SPRINGFIELD^IL^62701||555-0100",
    ]);
    assert.equal(m.get("PID-5.1"), "EXAMPLE");
  });

  it("escapes on write with the message's own separators", () => {
    const m = parse(ADT_A01);
    m.set("PID-5.1", "A|B^C~D&E\\F");
    assert.equal(m.segments("PID")[0]?.field(5), "A\\F\\B\\S\\C\\R\\D\\T\\E\\E\\F^PATIENT^Q^^DR");
    assert.equal(m.get("PID-5.1"), "A|B^C~D&E\\F");
    const odd = parse(ODD_SEPARATORS);
    odd.set("OBX-5", "a*b#c");
    assert.equal(odd.segments("OBX")[0]?.field(5), "a#S#b#E#c");
    assert.equal(odd.get("OBX-5"), "a*b#c");
  });

  it("creates missing fields, repetitions, components and subcomponents", () => {
    const m = parse("MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\rPID|1\r");
    m.set("PID-3[2].4.2", "X");
    assert.equal(m.segments("PID")[0]?.encode(), "PID|1||~^^^&X");
    m.set("PID-8", "F");
    assert.equal(m.encode(), "MSH|^~\\&|A|B|||||ADT^A01|1|P|2.5\rPID|1||~^^^&X|||||F\r");
    m.set("PV1-2", "I"); // a missing segment is appended
    assert.equal(m.encode().endsWith("PV1||I\r"), true);
  });

  it("clears with undefined and writes explicit nulls", () => {
    const m = parse(ADT_A01);
    m.set("PID-8", undefined);
    assert.equal(m.get("PID-8"), "");
    m.set("PID-7", HL7_NULL);
    assert.equal(m.get("PID-7"), '""');
    const before = m.encode();
    m.set("PID-40", undefined); // clearing an absent part adds nothing
    assert.equal(m.encode(), before);
  });

  it("writes raw ER7 with setRaw", () => {
    const m = parse(ADT_A01);
    m.setRaw("PID-5", "DOE^JANE");
    assert.equal(m.get("PID-5.2"), "JANE");
  });

  it("refuses to edit MSH-1/MSH-2", () => {
    const m = parse(ADT_A01);
    assert.throws(() => m.set("MSH-2", "^~\\#"), Hl7EditError);
    assert.throws(() => m.set("PID[3]-1", "x"), Hl7EditError);
  });

  it("adds and deletes segments", () => {
    const m = parse(ADT_A01);
    const nte = m.addSegment("NTE", ["1", "", "note^x"]);
    assert.equal(nte.encode(), "NTE|1||note^x");
    assert.equal(m.get("NTE-3.2"), "x");
    assert.ok(m.encode().endsWith("ZPI|custom|x^y&z\rNTE|1||note^x\r"));
    assert.equal(m.deleteSegments("ZPI"), 1);
    assert.equal(m.deleteSegments("ZPI"), 0);
    assert.deepEqual(
      m.segments().map((s) => s.name),
      ["MSH", "EVN", "PID", "PV1", "NTE"],
    );
    assert.throws(() => m.deleteSegments("MSH"), Hl7EditError);
    assert.throws(() => m.addSegment("bad"), Hl7EditError);
  });

  it("adds after an unterminated last line without merging lines", () => {
    const m = parse("MSH|^~\\&|A\nPID|1");
    m.addSegment("PV1", ["1"]);
    assert.equal(m.encode(), "MSH|^~\\&|A\nPID|1\nPV1|1");
  });

  it("segment objects read and write by path tail", () => {
    const m = parse(ADT_A01);
    const pid = m.segments("PID")[0]!;
    assert.equal(pid.get("5.2"), "PATIENT");
    assert.equal(pid.get("PID-3[2].1"), "987654");
    assert.deepEqual(pid.repetitions(3), ["123456^^^HOSP^MR", "987654^^^SSA^SS"]);
    pid.set("7", "19900101");
    assert.equal(m.get("PID-7"), "19900101");
    assert.throws(
      () => pid.get("5.x"),
      (e: unknown) => e instanceof FieldPathError && e.offset === 2 && e.path === "5.x",
    );
  });

  it("clone is independent", () => {
    const m = parse(ADT_A01);
    const c = m.clone();
    c.set("PID-5.1", "OTHER");
    assert.equal(m.get("PID-5.1"), "TEST");
    assert.equal(c.get("PID-5.1"), "OTHER");
    assert.equal(m.encode(), ADT_A01);
  });

  it("messageType follows edits", () => {
    const m = parse(ADT_A01);
    m.set("MSH-9.2", "A08");
    assert.equal(m.messageType, "ADT^A08");
  });
});
