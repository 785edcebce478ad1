import assert from "node:assert/strict";
import { DEFAULT_VERSION, getDefinitions, resolveVersion, SUPPORTED_VERSIONS } from "messagefoundry/hl7";
import { describe, it } from "mocha";

describe("hl7 definitions (hl7v2-dictionary)", () => {
  it("gives field name, type, optionality, repeatability and length", () => {
    const d = getDefinitions("2.5.1");
    assert.equal(d.version, "2.5.1");
    const f = d.field("PID", 5);
    assert.deepEqual(
      f && {
        name: f.name,
        type: f.dataType,
        req: f.required,
        rep: f.repeatable,
        max: f.maxRepetitions,
        len: f.length,
      },
      { name: "Patient Name", type: "XPN", req: true, rep: true, max: undefined, len: 250 },
    );
    assert.equal(d.field("PID", 7)?.repeatable, false);
    assert.equal(d.field("PID", 8)?.table, 1);
    assert.equal(d.field("MSH", 1)?.name, "Field Separator");
    assert.equal(d.field("MSH", 9)?.name, "Message Type");
    assert.equal(d.field("PID", 99), undefined);
  });

  it("resolves components so PID-5.1 is Family Name", () => {
    const d = getDefinitions("2.5.1");
    assert.equal(d.component("XPN", 1)?.name, "Family Name");
    assert.equal(d.component("XPN", 1)?.dataType, "FN");
    const desc = d.describe("PID-5.1.1");
    assert.equal(desc?.field.name, "Patient Name");
    assert.equal(desc?.component?.name, "Family Name");
    assert.equal(desc?.subcomponent?.name, "Surname");
    assert.deepEqual(d.dataType("ST")?.components, []);
  });

  it("lists segments and message structures per version", () => {
    const v21 = getDefinitions("2.1").segmentNames();
    const v28 = getDefinitions("2.8").segmentNames();
    assert.ok(v21.includes("PID") && !v21.includes("SPM"));
    assert.ok(v28.includes("SPM"));
    const adt = getDefinitions("2.5.1").messageStructure("ADT_A01");
    assert.equal(adt?.children[0]?.name, "MSH");
    assert.equal(adt?.children[0]?.min, 1);
    const oru = getDefinitions("2.5.1").messageStructure("ORU^R01");
    assert.equal(oru?.children.find((c) => c.name === "PATIENT_RESULT")?.isGroup, true);
  });

  it("differs by version", () => {
    assert.equal(getDefinitions("2.1").field("PID", 3)?.dataType, "CK");
    assert.equal(getDefinitions("2.5").field("PID", 3)?.dataType, "CX");
  });

  it("maps unknown versions to the nearest one and caches per version", () => {
    assert.deepEqual(SUPPORTED_VERSIONS.map(resolveVersion), [...SUPPORTED_VERSIONS]);
    assert.equal(resolveVersion("2.9"), "2.8");
    assert.equal(resolveVersion("2.5.2"), "2.5.1");
    assert.equal(resolveVersion("2.3.0"), "2.3");
    assert.equal(resolveVersion(""), DEFAULT_VERSION);
    assert.equal(resolveVersion("banana"), DEFAULT_VERSION);
    assert.equal(getDefinitions(undefined).version, DEFAULT_VERSION);
    assert.equal(getDefinitions("2.4"), getDefinitions("2.4"));
  });

  it("extracts a small JSON slice naming given segments down to subcomponents", () => {
    const x = getDefinitions("2.5.1").extract(["PID", "ZZZ", "PID"]);
    assert.equal(x.version, "2.5.1");
    assert.deepEqual(Object.keys(x.segments), ["PID"]);
    assert.equal(x.segments.PID?.description, "Patient Identification");
    assert.deepEqual(x.segments.PID?.fields[5], { name: "Patient Name", type: "XPN" });
    // PID-5.1 is FN (a type of a component), whose first component names PID-5.1.1.
    assert.deepEqual(x.types.XPN?.components[1], { name: "Family Name", type: "FN" });
    assert.deepEqual(x.types.FN?.components[1], { name: "Surname", type: "ST" });
    // Round-trips through JSON (postMessage) unchanged, and stays far below the dictionary's size.
    assert.deepEqual(JSON.parse(JSON.stringify(x)), x);
    assert.ok(JSON.stringify(x).length < 50_000);
  });
});
