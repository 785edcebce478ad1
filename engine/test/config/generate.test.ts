/** The synthetic generator: every type parses as what it claims, deterministic, PHI-free by construction. */
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  answer271,
  generateMessages,
  isX12MessageType,
  MESSAGE_TYPES,
  seedOf,
} from "../../src/generate/index.js";
import { parse } from "../../src/hl7/index.js";
import { parseX12 } from "../../src/x12/index.js";

describe("generate", () => {
  it("each message type parses with the right MSH-9, a control id, version 2.5.1 and the type's segments", () => {
    const need: Record<string, string[]> = {
      ADT: ["EVN", "PID", "PV1"],
      ORU: ["PID", "OBR", "OBX"],
      ORM: ["PID", "ORC", "OBR"],
      SIU: ["SCH", "PID", "AIS"],
      VXU: ["PID", "RXA"],
    };
    for (const type of MESSAGE_TYPES) {
      if (isX12MessageType(type)) continue;
      const [text] = generateMessages({ type, count: 1, seed: 9 });
      const m = parse(text ?? "");
      assert.equal(m.messageType, type, type);
      assert.equal(m.version, "2.5.1");
      assert.ok(m.controlId?.startsWith("MF"));
      for (const s of need[type.slice(0, 3)] ?? []) assert.ok(m.segments(s).length > 0, `${type} has ${s}`);
      assert.match(m.get("PID-3.1") ?? "", /^TEST\d{6}$/);
      assert.match(m.get("PID-11.1") ?? "100 TEST STREET", /TEST STREET/);
    }
  });

  it("is deterministic for a seed, differs across seeds, and control ids are unique within a run", () => {
    const a = generateMessages({ type: "ADT^A01", count: 20, seed: seedOf("demo") });
    assert.deepEqual(a, generateMessages({ type: "ADT^A01", count: 20, seed: seedOf("demo") }));
    assert.notDeepEqual(a, generateMessages({ type: "ADT^A01", count: 20, seed: seedOf("other") }));
    assert.equal(new Set(a.map((t) => parse(t).controlId)).size, 20);
  });

  it("X12-270 is a clean 5010 eligibility interchange; answer271 answers it set for set", () => {
    const [a, b] = generateMessages({ type: "X12-270", count: 2, seed: seedOf("demo") });
    const ic = parseX12(a ?? "");
    assert.deepEqual(ic.issues, []);
    assert.equal(ic.get("ST-01"), "270");
    assert.equal(ic.get("GS-08"), "005010X279A1");
    assert.equal(ic.usage, "T");
    assert.match(ic.get("NM1[3]-09") ?? "", /^TEST\d{6}$/);
    assert.notEqual(parseX12(b ?? "").controlNumber, ic.controlNumber);
    assert.deepEqual(generateMessages({ type: "X12-270", count: 2, seed: seedOf("demo") }), [a, b]);
    const r = parseX12(answer271(ic, { coverage: "6" }));
    assert.deepEqual(r.issues, []);
    assert.equal(r.get("ST-01"), "271");
    assert.equal(r.get("ISA-06"), ic.get("ISA-08"));
    assert.equal(r.get("TRN-02"), ic.get("TRN-02"));
    assert.equal(r.get("NM1[3]-09"), ic.get("NM1[3]-09"));
    assert.equal(r.get("EB-01"), "6");
  });
});
