import assert from "node:assert/strict";
import { inputMessage, payloadView } from "../src/model/payload-view.js";

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

describe("Test Bench payload view: X12", () => {
  const ic =
    "ISA*00*          *00*          *ZZ*A              *ZZ*B              *261206*1200*^*00501*000000001*0*P*:~GS*HB*A*B*20261206*1200*1*X*005010X279A1~ST*271*0001~SE*2*0001~GE*1*1~IEA*1*000000001~";

  it("shows an interchange one segment per line", () => {
    const view = payloadView(ic);
    assert.equal(view.kind, "text");
    assert.equal(view.kind === "text" ? view.label : "", "X12 interchange, as sent");
    assert.equal(view.kind === "text" ? view.text.split("\n").length : 0, 6);
  });

  it("cuts the input message a result names: an interchange of an X12 file, an HL7 message, or the text", () => {
    const file = `${ic}\r\n${ic.replaceAll("000000001", "000000002")}\r\n`;
    assert.equal(inputMessage(file, 1).startsWith("ISA"), true);
    assert.ok(inputMessage(file, 1).includes("000000002"));
    assert.equal(inputMessage("MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B\rPID|2", 1), "MSH|^~\\&|B\rPID|2");
    assert.equal(inputMessage("<x/>", 0), "<x/>");
  });
});
