import assert from "node:assert/strict";
import { payloadView } from "../src/model/payload-view.js";

describe("Test Bench payload view", () => {
  it("diffs HL7 v2 (a message or a batch)", () => {
    assert.deepEqual(payloadView("MSH|^~\\&|A|B\rPID|1"), { kind: "hl7" });
    assert.deepEqual(payloadView("BHS|^~\\&|A\rMSH|^~\\&|A"), { kind: "hl7" });
  });

  it("shows a JSON payload indented, and any other text as sent", () => {
    assert.deepEqual(payloadView('{"statement":"upsert_patient","params":{"mrn":"X1"}}'), {
      kind: "text",
      label: "JSON, as sent",
      text: '{\n  "statement": "upsert_patient",\n  "params": {\n    "mrn": "X1"\n  }\n}',
    });
    assert.deepEqual(payloadView("<Envelope/>"), {
      kind: "text",
      label: "not HL7 v2: the payload as sent",
      text: "<Envelope/>",
    });
    assert.equal(payloadView("{not json").kind, "text");
  });
});
